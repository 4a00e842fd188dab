"""What people do with observations: patients', relatives' and staff's own words."""

from __future__ import annotations

from actions.actor import Actor
from actions.perform import Cursor, perform
from actions.permissions import Scope
from pdsa.models import Observation
from pdsa.store import observations as store


def add_observation(cur: Cursor, actor: Actor, observation: Observation) -> Observation:
    observation = observation.model_copy(update={"created_by": actor.user_id})
    return perform(cur, actor, "add_observation",
                   lambda c: store.get_observation(c, store.add_observation(c, observation)),
                   target=Scope(pathway_id=observation.pathway_id, project_id=observation.project_id))


def link_observation(
    cur: Cursor, actor: Actor, observation_id: int, *, problem_id: int | None, project_id: int | None,
    expected_version: int | None = None,
) -> Observation:
    """Link the observation to the problem and the project it speaks to (None: to none), on the
    version the user saw; staff, or the lead or a member of the project it is linked to."""

    def scope(c: Cursor) -> Scope:
        observation = store.get_observation(c, observation_id)
        return Scope(pathway_id=observation.pathway_id, project_id=project_id or observation.project_id,
                     created_by=observation.created_by)

    def change(c: Cursor) -> Observation:
        store.link_observation(c, observation_id, problem_id=problem_id, project_id=project_id,
                               expected_version=expected_version)
        return store.get_observation(c, observation_id)

    return perform(cur, actor, "link_observation", change, target=scope)
