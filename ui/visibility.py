"""What a signed-in person may read: everything, except that a patient representative reads
only the pathways and projects they are attached to (as the project's patient partner).

Pages filter their lists through these before showing anything; the actions guard changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from actions.actor import Actor

# Roles that read every pathway and project.
READS_EVERYTHING = frozenset({"administrator", "leader", "staff", "reader"})


def reads_everything(actor: Actor | None) -> bool:
    if actor is None:  # nobody signed in reads nothing (the app shows them only the sign-in page)
        return False
    return bool(actor.roles & READS_EVERYTHING) or any(
        roles & {"lead", "member", "sponsor"} for roles in actor.project_roles.values())


def visible_projects(actor: Actor | None, projects: Iterable) -> list:
    projects = list(projects)
    if reads_everything(actor):
        return projects
    if actor is None:
        return []
    return [p for p in projects if "patient_partner" in actor.project_roles.get(p.id, frozenset())]


def visible_pathway_ids(actor: Actor | None, pathways: Iterable, projects: Iterable) -> set[int]:
    pathways = list(pathways)
    if reads_everything(actor):
        return {p.id for p in pathways}
    if actor is None:
        return set()
    return set(actor.attached_pathways) | {p.pathway_id for p in visible_projects(actor, projects)}
