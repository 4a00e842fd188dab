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
