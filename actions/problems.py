"""What people do with problems beyond registering them: triage many at once, merge duplicates.

Registering, triaging one problem and linking it live in actions/pathways.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from actions.actor import Actor
from actions.pathways import triage_problem
from actions.perform import Cursor, perform
from actions.permissions import Scope
from pathways import problems as store
from pathways.models import Problem
from pathways.store import get_problem
from pdsa.core.db import write


@dataclass(frozen=True)
class Triage:
    """One row of the triage table as the user left it, with the version they saw."""

    problem_id: int
    status: str
    impact: int | None
    effort: int | None
    expected_version: int


def triage_problems(cur: Cursor, actor: Actor, rows: list[Triage]) -> list[Problem]:
    """Triage several problems with one Save: each is the action triage_problem, and all of
    them are saved in one transaction or none is (a stale row, a refusal, a bad value)."""
    return write(cur, lambda c: [
        triage_problem(c, actor, row.problem_id, status=row.status, impact=row.impact, effort=row.effort,
                       expected_version=row.expected_version)
        for row in rows
    ])


def merge_problems(
    cur: Cursor, actor: Actor, keep_id: int, duplicate_id: int, *,
    keep_version: int | None = None, duplicate_version: int | None = None,
) -> Problem:
    """Merge a duplicate into the problem kept: its links to projects and change ideas and its
    observations move to the one kept, and it is archived pointing at it. Returns the one kept."""

    def scope(c: Cursor) -> Scope:
        return Scope(pathway_id=get_problem(c, keep_id).pathway_id)

    def change(c: Cursor) -> Problem:
        store.merge_problems(c, keep_id, duplicate_id, keep_version=keep_version,
                             duplicate_version=duplicate_version)
        return get_problem(c, keep_id)

    return perform(cur, actor, "merge_problems", change, target=scope)


def edit_problem(cur: Cursor, actor: Actor, problem: Problem) -> Problem:
    """Correct what a problem says (title, what happened, step, source, date), on the version the
    user saw. Staff; a patient representative their own problems on an attached pathway."""

    def scope(c: Cursor) -> Scope:
        stored = get_problem(c, problem.id)
        return Scope(pathway_id=stored.pathway_id, created_by=stored.created_by)

    def change(c: Cursor) -> Problem:
        store.edit_problem(c, problem)
        return get_problem(c, problem.id)

    return perform(cur, actor, "edit_problem", change, target=scope)
