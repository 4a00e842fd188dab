"""What people do with observations: patients', relatives' and staff's own words."""

from __future__ import annotations

from actions.actor import Actor
from actions.perform import Cursor, perform
from actions.permissions import Scope
from pdsa.models import Observation
from pdsa.store import observations as store
from pdsa.store.observations import KEEP


def add_observation(cur: Cursor, actor: Actor, observation: Observation) -> Observation:
    observation = observation.model_copy(update={"created_by": actor.user_id})
    return perform(cur, actor, "add_observation",
                   lambda c: store.get_observation(c, store.add_observation(c, observation)),
                   target=Scope(pathway_id=observation.pathway_id, project_id=observation.project_id))


def _own_scope(cur: Cursor, observation_id: int) -> Scope:
    """The stored observation's pathway, project and author: whose words they are decides."""
    stored = store.get_observation(cur, observation_id)
    return Scope(pathway_id=stored.pathway_id, project_id=stored.project_id, created_by=stored.created_by)


def link_observation(
    cur: Cursor, actor: Actor, observation_id: int, *, problem_id: int | None, project_id: int | None,
    cycle_id: int | None | object = KEEP, expected_version: int | None = None,
) -> Observation:
    """Link the observation to the problem, the project and the PDSA cycle it speaks to (None: to
    none; a cycle brings its project; ``cycle_id`` left out keeps the cycle it has), on the
    version the user saw; staff, or the lead or a member of the project it is linked to."""

    def scope(c: Cursor) -> Scope:
        observation = store.get_observation(c, observation_id)
        project = project_id
        if project is None and isinstance(cycle_id, int):
            row = c.execute("SELECT project_id FROM pdsa_cycle WHERE id = ?", [cycle_id]).fetchone()
            project = row[0] if row else None
        return Scope(pathway_id=observation.pathway_id, project_id=project or observation.project_id,
                     created_by=observation.created_by)

    def change(c: Cursor) -> Observation:
        store.link_observation(c, observation_id, problem_id=problem_id, project_id=project_id, cycle_id=cycle_id,
                               expected_version=expected_version)
        return store.get_observation(c, observation_id)

    return perform(cur, actor, "link_observation", change, target=scope)


def edit_observation(cur: Cursor, actor: Actor, observation: Observation) -> Observation:
    """Change the words, kind, author's role, date or step of an observation, on the version the
    user saw (``observation.version``); a patient representative their own, staff any. The audit
    trail keeps what it said before."""

    def change(c: Cursor) -> Observation:
        store.update_observation(c, observation)
        return store.get_observation(c, observation.id)

    return perform(cur, actor, "edit_observation", change, target=lambda c: _own_scope(c, observation.id))


def withdraw_observation(
    cur: Cursor, actor: Actor, observation_id: int, *, expected_version: int | None = None
) -> Observation:
    """Take an observation back: it is archived, no longer listed; the audit trail keeps it.
    A patient representative their own, staff any."""

    def change(c: Cursor) -> Observation:
        store.set_observation_archived(c, observation_id, True, expected_version=expected_version)
        return store.get_observation(c, observation_id)

    return perform(cur, actor, "withdraw_observation", change, target=lambda c: _own_scope(c, observation_id))


def restore_observation(cur: Cursor, actor: Actor, observation_id: int) -> Observation:
    """Bring withdrawn words back: listed again, as they were. A patient representative their own,
    staff any."""

    def change(c: Cursor) -> Observation:
        store.set_observation_archived(c, observation_id, False)
        return store.get_observation(c, observation_id)

    return perform(cur, actor, "restore_observation", change, target=lambda c: _own_scope(c, observation_id))
