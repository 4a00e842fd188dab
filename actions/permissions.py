"""Who may do what: one table, one function.

Every action asks :func:`require` before it touches the database. Until people sign in
(the login issue fills in the roles per action) every named actor may do every action; an
action missing from the table is refused, so a new action cannot slip through unlisted.
"""

from __future__ import annotations

from dataclasses import dataclass

from actions.actor import Actor
from pdsa.core.fields import contains_cpr


class NotAllowed(Exception):
    """The actor's roles do not allow the action; nothing was saved."""

    def __init__(self, actor: Actor, action: str):
        self.actor, self.action = actor, action
        # the name is not repeated: a refused name may be the very text that holds a CPR number
        super().__init__(f"This user may not {action.replace('_', ' ')}. Nothing was saved.")


@dataclass(frozen=True)
class Rule:
    """Which roles may do an action. ``anyone_named``: any actor with a name (for now)."""

    roles: frozenset[str] = frozenset()
    anyone_named: bool = False


ANYONE_NAMED = Rule(anyone_named=True)

# action name -> rule; the names are the functions in actions/.
PERMISSIONS: dict[str, Rule] = {
    # units, pathways, problems
    "add_unit": ANYONE_NAMED,
    "create_pathway": ANYONE_NAMED,
    "add_pathway_step": ANYONE_NAMED,
    "move_pathway_step": ANYONE_NAMED,
    "register_problem": ANYONE_NAMED,
    "triage_problem": ANYONE_NAMED,
    "link_problem_to_project": ANYONE_NAMED,
    "link_problem_to_change_idea": ANYONE_NAMED,
    # themes, projects, teams, driver diagrams
    "create_theme": ANYONE_NAMED,
    "create_project": ANYONE_NAMED,
    "set_project_status": ANYONE_NAMED,
    "add_team_member": ANYONE_NAMED,
    "record_progress": ANYONE_NAMED,
    "add_driver": ANYONE_NAMED,
    "add_change_idea": ANYONE_NAMED,
    # measures and data
    "define_measure": ANYONE_NAMED,
    "update_chart_settings": ANYONE_NAMED,
    "record_data_points": ANYONE_NAMED,
    "set_point_excluded": ANYONE_NAMED,
    # PDSA cycles
    "start_cycle": ANYONE_NAMED,
    "update_cycle": ANYONE_NAMED,
    # patients' and staff's words
    "add_observation": ANYONE_NAMED,
    # the whole database
    "load_demo": Rule(roles=frozenset({"administrator"})),
}


def can(actor: Actor, action: str, target: object = None) -> bool:
    """True when the actor may do the action (on the target, once rules depend on it)."""
    rule = PERMISSIONS.get(action)
    if rule is None:
        return False
    named = bool(actor.name and actor.name.strip()) and not contains_cpr(actor.name)
    if not named:
        return False
    return rule.anyone_named or bool(rule.roles & actor.roles)


def require(actor: Actor, action: str, target: object = None) -> None:
    if not can(actor, action, target):
        raise NotAllowed(actor, action)
