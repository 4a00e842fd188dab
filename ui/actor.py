"""Who is acting in this browser session, as the actions need it."""

from __future__ import annotations

from actions.actor import Actor
from ui.state import user_name


def current_actor() -> Actor | None:
    """The person acting: for now the name typed in the sidebar (the login issue replaces it
    with the signed-in user and their roles). None when no usable name was given."""
    name = user_name()
    return Actor(user_id=None, name=name) if name else None
