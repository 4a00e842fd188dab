"""How every action runs: permission, then one transaction under the actor's name."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import duckdb

from actions.actor import Actor
from actions.permissions import require
from pdsa.core.audit import acting_as
from pdsa.core.db import write

T = TypeVar("T")
Cursor = duckdb.DuckDBPyConnection


def perform(cur: Cursor, actor: Actor, action: str, change: Callable[[Cursor], T], *, target: object = None) -> T:
    """Ask the permission table, then run ``change`` in one transaction whose audit events
    name the actor: all of it is saved, or (on any error) none of it.

    Inside another action's transaction (the demo loader runs many actions) it joins it.
    """
    require(actor, action, target)
    with acting_as(actor.author):
        return write(cur, change)
