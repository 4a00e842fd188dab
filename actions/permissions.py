"""Who may do what: one table (the permission matrix), one function.

Every action asks :func:`require` with the actor and the action's *scope* (the project,
pathway or theme it touches, and whose row it is) before it touches the database. The pages
also hide what a person may not do, but hiding is not the protection: this is. The README's
table is generated from :data:`PERMISSIONS` (``python -m actions.permissions``), and a test
fails when the two disagree.
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
class Scope:
    """What an action touches: its project, pathway or theme, and the author of an edited row."""

    project_id: int | None = None
    pathway_id: int | None = None
    theme_id: int | None = None
    created_by: int | None = None


@dataclass(frozen=True)
class Rule:
    """Who may do an action (an administrator may do everything).

    roles: roles that may, anywhere. team: team roles on the scope's project that may.
    theme_roles: roles that may when the scope is a theme (a leader's own measures).
    attached: a patient representative may, on a pathway or project they are attached to.
    own_only: the patient representative's permission covers only rows they created.
    """

    roles: frozenset[str] = frozenset()
    team: frozenset[str] = frozenset()
    theme_roles: frozenset[str] = frozenset()
    attached: bool = False
    own_only: bool = False


def _rule(roles=(), team=(), theme_roles=(), attached=False, own_only=False) -> Rule:
    return Rule(frozenset(roles), frozenset(team), frozenset(theme_roles), attached, own_only)


TEAM = ("lead", "member")

# action name -> who may; the names are the functions in actions/.
PERMISSIONS: dict[str, Rule] = {
    # units, pathways, problems
    "add_unit": _rule(roles=["staff"]),
    "create_pathway": _rule(roles=["staff"]),
    "add_pathway_step": _rule(roles=["staff"]),
    "move_pathway_step": _rule(roles=["staff"]),
    # slice: pathways
    "update_unit": _rule(roles=["staff"]),
    "update_pathway": _rule(roles=["staff"]),
    "archive_pathway": _rule(roles=["staff"]),
    "restore_pathway": _rule(roles=["staff"]),
    "update_pathway_step": _rule(roles=["staff"]),
    "archive_pathway_step": _rule(roles=["staff"]),
    "restore_pathway_step": _rule(roles=["staff"]),
    # end slice: pathways
    "register_problem": _rule(roles=["staff"], attached=True),
    "triage_problem": _rule(roles=["staff"]),
    "link_problem_to_project": _rule(roles=["staff"], team=TEAM),
    "link_problem_to_change_idea": _rule(roles=["staff"], team=TEAM),
    # slice: problems
    "merge_problems": _rule(roles=["staff"]),
    "link_observation": _rule(roles=["staff"], team=TEAM),
    "edit_problem": _rule(roles=["staff"], attached=True, own_only=True),
    # end slice: problems
    # themes, projects, teams, driver diagrams
    "create_theme": _rule(roles=["leader"]),
    "create_project": _rule(roles=["staff"]),
    "set_project_status": _rule(team=TEAM),
    "add_team_member": _rule(team=["lead"]),
    "record_progress": _rule(team=TEAM),
    "add_driver": _rule(team=TEAM),
    "add_change_idea": _rule(team=TEAM),
    # slice: projects (an archived project's team holds no roles on it, so staff restore it)
    "update_project": _rule(team=TEAM),
    "archive_project": _rule(team=["lead"]),
    "restore_project": _rule(roles=["staff"]),
    # end slice: projects
    # slice: team (the lead manages the team; the team edits its driver diagram)
    "update_team_member": _rule(team=["lead"]),
    "remove_team_member": _rule(team=["lead"]),
    "restore_team_member": _rule(team=["lead"]),
    "update_driver": _rule(team=TEAM),
    "move_driver": _rule(team=TEAM),
    "remove_driver": _rule(team=TEAM),
    "restore_driver": _rule(team=TEAM),
    "update_change_idea": _rule(team=TEAM),
    "remove_change_idea": _rule(team=TEAM),
    "restore_change_idea": _rule(team=TEAM),
    # end slice: team
    # measures and data
    "define_measure": _rule(team=TEAM, theme_roles=["leader"]),
    "update_chart_settings": _rule(team=TEAM, theme_roles=["leader"]),
    "record_data_points": _rule(team=TEAM, theme_roles=["leader"]),
    "set_point_excluded": _rule(team=TEAM, theme_roles=["leader"]),
    # slice: measures and data — edit a measure's definition, save the data table (as define_measure)
    "update_measure": _rule(team=TEAM, theme_roles=["leader"]),
    "save_data_points": _rule(team=TEAM, theme_roles=["leader"]),
    # slice: no event this period — a quiet week of an event measure (as record_data_points)
    "record_no_event_period": _rule(team=TEAM, theme_roles=["leader"]),
    "remove_no_event_period": _rule(team=TEAM, theme_roles=["leader"]),
    # slice: import — a file's rows saved as one action (as save_data_points)
    "import_data_points": _rule(team=TEAM, theme_roles=["leader"]),
    # PDSA cycles
    "start_cycle": _rule(team=TEAM),
    "update_cycle": _rule(team=TEAM),
    # slice: measures — archive and restore measures (as define_measure) and cycles (as update_cycle)
    "archive_measure": _rule(team=TEAM, theme_roles=["leader"]),
    "restore_measure": _rule(team=TEAM, theme_roles=["leader"]),
    "archive_cycle": _rule(team=TEAM),
    "restore_cycle": _rule(team=TEAM),
    # slice: worksheet — comments on a cycle (the team, its patient partners, patient
    # representatives attached to the project's pathway) and the team's answers
    "comment_on_cycle": _rule(team=("lead", "member", "patient_partner"), attached=True),
    "answer_cycle_comment": _rule(team=TEAM),
    # end slice: worksheet
    # slice: themes — leaders edit themes and choose what contributes to them
    "update_theme": _rule(roles=["leader"]),
    "set_theme_contributions": _rule(roles=["leader"]),
    "archive_theme": _rule(roles=["leader"]),
    "restore_theme": _rule(roles=["leader"]),
    # end slice: themes
    # patients' and staff's words
    "add_observation": _rule(roles=["staff"], team=("lead", "member", "patient_partner"), attached=True),
    # slice: patient voice — one's own observation edited or withdrawn (staff: any)
    "edit_observation": _rule(roles=["staff"], attached=True, own_only=True),
    "withdraw_observation": _rule(roles=["staff"], attached=True, own_only=True),
    "restore_observation": _rule(roles=["staff"], attached=True, own_only=True),
    # end slice: patient voice
    # accounts and the whole database: administrators only
    "create_user": _rule(),
    "set_user_password": _rule(),
    "set_user_roles": _rule(),
    "disable_user": _rule(),
    "grant_identity": _rule(),
    "load_demo": _rule(),
}


def is_named(actor: Actor) -> bool:
    return bool(actor.name and actor.name.strip()) and not contains_cpr(actor.name)


def can(actor: Actor, action: str, target: Scope | None = None) -> bool:
    """True when the actor may do the action on the target (see :data:`PERMISSIONS`)."""
    rule = PERMISSIONS.get(action)
    if rule is None or not is_named(actor):
        return False
    if "administrator" in actor.roles:
        return True
    scope = target or Scope()
    if rule.roles & actor.roles:
        return True
    if scope.project_id is not None and rule.team & actor.project_roles.get(scope.project_id, frozenset()):
        return True
    if scope.theme_id is not None and rule.theme_roles & actor.roles:
        return True
    if rule.attached and "patient_representative" in actor.roles:
        attached = (scope.pathway_id in actor.attached_pathways
                    or "patient_partner" in actor.project_roles.get(scope.project_id, frozenset()))
        own = not rule.own_only or (scope.created_by is not None and scope.created_by == actor.user_id)
        return attached and own
    return False


def require(actor: Actor, action: str, target: Scope | None = None) -> None:
    if not can(actor, action, target):
        raise NotAllowed(actor, action)


# --- the README's table ------------------------------------------------------------------------

_ROLE_COLUMNS = ("administrator", "leader", "staff", "team lead", "team member", "patient representative", "reader")


def _cell(rule: Rule, column: str) -> str:
    if column == "administrator":
        return "yes"
    if column in ("leader", "staff", "reader"):
        if column in rule.roles:
            return "yes"
        return "own theme's" if column == "leader" and column in rule.theme_roles else ""
    if column == "team lead":
        return "own project" if "lead" in rule.team else ""
    if column == "team member":
        return "own project" if "member" in rule.team else ""
    if column == "patient representative":
        if rule.attached:
            return "attached pathway or project" + (" (own rows)" if rule.own_only else "")
        return "own project" if "patient_partner" in rule.team else ""
    raise ValueError(column)


def markdown_table() -> str:
    """The permission matrix as the README shows it (generated: ``python -m actions.permissions``)."""
    lines = ["| action | " + " | ".join(_ROLE_COLUMNS) + " |", "|---|" + "---|" * len(_ROLE_COLUMNS)]
    for action, rule in PERMISSIONS.items():
        lines.append(f"| `{action}` | " + " | ".join(_cell(rule, c) for c in _ROLE_COLUMNS) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
