"""Problems beyond registering and triage: merging duplicates, and what a change idea answers.

Registering, triage and the links to projects and change ideas live in :mod:`pathways.store`;
this module builds on them. Plain SQL for DuckDB and PostgreSQL; every change is audited.

A merge keeps one problem and retires its duplicate: the duplicate's links to projects and
change ideas, and the observations that speak of it, move to the one kept; the duplicate
points at it (``merged_into_id``) and is archived, so no list shows it again while its
history stays readable. The link rows (which nothing references) are deleted and inserted;
the problem rows only get plain UPDATEs of columns no index holds (DuckDB's rule, see
migration 003).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from pathways.models import Problem
from pathways.store import (
    check_step_in_pathway,
    get_problem,
    link_problem_to_change_idea,
    link_problem_to_project,
    list_problems,
)
from pdsa.core.audit import check_version, record_event, update_audited
from pdsa.core.db import write

Cursor = duckdb.DuckDBPyConnection


@dataclass(frozen=True)
class MergeResult:
    """What a merge moved to the problem kept."""

    kept_id: int
    duplicate_id: int
    projects: tuple[int, ...]
    change_ideas: tuple[int, ...]
    observations: tuple[int, ...]


def merge_problems(
    cur: Cursor, keep_id: int, duplicate_id: int, *,
    keep_version: int | None = None, duplicate_version: int | None = None,
) -> MergeResult:
    """Merge ``duplicate_id`` into ``keep_id`` (same pathway, neither merged before): all or nothing.

    The versions are the ones the user saw; a problem changed since raises StaleEdit.
    """

    def change(c: Cursor) -> MergeResult:
        if keep_id == duplicate_id:
            raise ValueError("duplicate_id: choose two different problems")
        keep, duplicate = get_problem(c, keep_id), get_problem(c, duplicate_id)
        if keep.pathway_id != duplicate.pathway_id:
            raise ValueError("duplicate_id: the two problems belong to different pathways")
        for problem in (keep, duplicate):
            if problem.merged_into_id is not None:
                raise ValueError("duplicate_id: a problem that was merged already cannot be merged again")
        check_version(c, "problem", keep_id, keep_version)
        check_version(c, "problem", duplicate_id, duplicate_version)

        projects = tuple(p for p in duplicate.project_ids if p not in keep.project_ids)
        ideas = tuple(i for i in duplicate.change_idea_ids if i not in keep.change_idea_ids)
        c.execute("DELETE FROM problem_project WHERE problem_id = ?", [duplicate_id])
        c.execute("DELETE FROM problem_change_idea WHERE problem_id = ?", [duplicate_id])
        for project_id in projects:
            link_problem_to_project(c, keep_id, project_id)
        for idea_id in ideas:
            link_problem_to_change_idea(c, keep_id, idea_id)
        observations = tuple(r[0] for r in c.execute(
            "SELECT id FROM observation WHERE problem_id = ? ORDER BY id", [duplicate_id]).fetchall())
        for observation_id in observations:
            update_audited(c, "observation", observation_id, {"problem_id": keep_id})

        update_audited(c, "problem", duplicate_id, {"merged_into_id": keep_id, "archived": True})
        # the problem kept tells it too: its project's history shows the merge
        record_event(c, entity="problem", entity_id=keep_id, action="update",
                     after={"merged_from_id": duplicate_id})
        return MergeResult(keep_id, duplicate_id, projects, ideas, observations)

    return write(cur, change)


def problems_for_change_idea(cur: Cursor, change_idea_id: int) -> list[Problem]:
    """The problems a change idea answers (the other side of link_problem_to_change_idea)."""
    ids = {r[0] for r in cur.execute(
        "SELECT problem_id FROM problem_change_idea WHERE change_idea_id = ?", [change_idea_id]).fetchall()}
    if not ids:
        return []
    return [p for p in list_problems(cur) if p.id in ids]


def merged_into(cur: Cursor, problem_id: int) -> list[Problem]:
    """The duplicates that were merged into the problem, newest first."""
    rows = cur.execute("SELECT id FROM problem WHERE merged_into_id = ? ORDER BY id DESC", [problem_id]).fetchall()
    return [get_problem(cur, r[0]) for r in rows]


EDITABLE_FIELDS: tuple[str, ...] = ("title", "description", "step_id", "source", "reported_by_role", "reported_on")


def edit_problem(cur: Cursor, problem: Problem) -> bool:
    """Save what a problem says (title, what happened, step, source, who told it, date) on the
    version the user saw (``problem.version``; StaleEdit when someone saved since). The
    pathway stays: its links belong to that pathway. True when anything changed."""

    def change(c: Cursor) -> bool:
        stored = get_problem(c, problem.id)
        if problem.pathway_id != stored.pathway_id:
            raise ValueError("pathway_id: a problem stays in the pathway it was registered in")
        check_step_in_pathway(c, problem.step_id, stored.pathway_id)
        return update_audited(c, "problem", problem.id, problem.model_dump(include=set(EDITABLE_FIELDS)),
                              expected_version=problem.version)

    return write(cur, change)
