"""Who is acting in this browser session, as the actions need it."""

from __future__ import annotations

from actions.actor import Actor


def current_actor() -> Actor | None:
    """The signed-in person (with their roles and team roles), or None."""
    from ui.auth import signed_in_actor

    return signed_in_actor()
