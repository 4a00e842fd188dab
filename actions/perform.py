"""How every action runs: permission on its scope, then one transaction under the actor's name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import duckdb

from actions.actor import Actor
from actions.permissions import NotAllowed, Scope, is_named, require
from pdsa.core.audit import acting_as
from pdsa.core.db import write

T = TypeVar("T")
Cursor = duckdb.DuckDBPyConnection


def perform(
    cur: Cursor, actor: Actor, action: str, change: Callable[[Cursor], T],
    *, target: Scope | Callable[[Cursor], Scope] | None = None,
) -> T:
    """Ask the permission matrix, then run ``change`` in one transaction whose audit events
    name the actor: all of it is saved, or (on any error) none of it.

    ``target`` is what the action touches; a function of the cursor when it must be read
    from the database (a measure's project), read inside the same transaction. Inside
    another action's transaction (the demo loader runs many actions) it joins it.
    """

    def checked(c: Cursor) -> T:
        scope = target(c) if callable(target) else target
        require(actor, action, scope)
        return change(c)

    if not is_named(actor):
        raise NotAllowed(actor, action)  # before anything records the name
    with acting_as(actor.author):
        return write(cur, checked)
