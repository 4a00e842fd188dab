"""What people do with PDSA cycles: plan one (a new ramp or the next cycle of one), fill it in."""

from __future__ import annotations

from actions.actor import Actor
from actions.perform import Cursor, perform
from actions.permissions import Scope
from pdsa.models import PdsaCycle
from pdsa.store import cycles as store


def start_cycle(cur: Cursor, actor: Actor, cycle: PdsaCycle) -> PdsaCycle:
    """Plan a cycle; with ``parent_id`` it is the next cycle of that ramp."""
    cycle = cycle.model_copy(update={"created_by": actor.user_id})
    return perform(cur, actor, "start_cycle", lambda c: store.get_cycle(c, store.add_cycle(c, cycle)),
                   target=Scope(project_id=cycle.project_id))


def update_cycle(cur: Cursor, actor: Actor, cycle: PdsaCycle) -> PdsaCycle:
    """Save the worksheet as the user filled it in, on the version they saw (``cycle.version``)."""

    def change(c: Cursor) -> PdsaCycle:
        stored = store.get_cycle(c, cycle.id)
        if stored.project_id != cycle.project_id or stored.parent_id != cycle.parent_id:
            raise ValueError("project_id: a cycle stays in its project and its place in the ramp")
        store.update_cycle(c, cycle)
        return store.get_cycle(c, cycle.id)

    return perform(cur, actor, "update_cycle", change,
                   target=lambda c: Scope(project_id=store.get_cycle(c, cycle.id).project_id))


# slice: measures — archive and restore
def archive_cycle(cur: Cursor, actor: Actor, cycle_id: int, *, expected_version: int | None = None) -> PdsaCycle:
    """The cycle leaves the PDSA list and the charts' annotations; nothing is deleted, and
    restore_cycle brings it back as it was."""
    return _set_archived(cur, actor, "archive_cycle", cycle_id, True, expected_version)


def restore_cycle(cur: Cursor, actor: Actor, cycle_id: int, *, expected_version: int | None = None) -> PdsaCycle:
    """An archived cycle back in its project's PDSA list (one not archived stays as it is)."""
    return _set_archived(cur, actor, "restore_cycle", cycle_id, False, expected_version)


def _set_archived(cur: Cursor, actor: Actor, action: str, cycle_id: int, archived: bool,
                  expected_version: int | None) -> PdsaCycle:
    def change(c: Cursor) -> PdsaCycle:
        store.set_cycle_archived(c, cycle_id, archived, expected_version=expected_version)
        return store.get_cycle(c, cycle_id)

    return perform(cur, actor, action, change,
                   target=lambda c: Scope(project_id=store.get_cycle(c, cycle_id).project_id))
