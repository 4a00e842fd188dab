""""You said – we did": what became of the words patients and relatives gave the teams (read only).

The patient representative's home page reads it here. An *item* is an observation or a problem
that the person raised themselves (``created_by``), or that a patient, a relative or a patient
partner raised on a pathway or project the person follows (an observation's ``author_role``, a
problem's ``source`` and ``reported_by_role``). Its *trail* is what happened to it, each step
with its date:

* registered (the day observed or reported);
* linked to a problem (an observation), triaged, linked to a project;
* became a change idea in a project (the problem linked to the idea);
* planned or tested in a PDSA cycle (a cycle testing that idea, or the cycle the observation is
  linked to), and the team's decision: adopted, adapted or abandoned;
* solved, or not pursued (the problem's status).

Dates of later changes come from the audit trail (``audit_event``): the day the status left
"new", the day a link was made, the day the decision was saved. A change saved within a minute
of the row's creation belongs to its registration and carries the registration's date; a
cycle's test and decision carry the cycle's own dates when they were entered with it.

The steps are shown newest first. Each step is ordered no earlier than the step it follows from
(a problem's triage comes after the observation was linked to it, even when the problem was
triaged before), while the date shown is the step's own. Everything is read for all items at
once, in nine queries at most, on DuckDB and PostgreSQL. A person's name is never read: the
role is a closed value (:data:`VOICE_ROLES`) for the page to put into words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pdsa.core.db import fetch_records
from pdsa.models import CycleComment, PdsaCycle

Cursor = Any  # a DuckDB cursor, or the PostgreSQL adapter's (pdsa.core.postgres)

VOICE_ROLES: tuple[str, ...] = ("patient", "relative", "patient_partner", "patient_or_relative")
WORKED_ON: tuple[str, ...] = ("planning", "active", "sustaining")  # projects that test things
SAME_SAVE = timedelta(minutes=1)  # a change this soon after the creation belongs to the registration

# The order of a trail's steps on the same day: how one follows from the other.
STEP_ORDER: dict[str, int] = {
    "registered": 0, "linked_problem": 1, "triaged": 2, "linked_project": 3, "change_idea": 4,
    "linked_cycle": 5, "planned": 6, "tested": 7, "adopt": 8, "adapt": 8, "abandon": 8, "solved": 9,
    "not_pursued": 9,
}

_IDS = "(SELECT unnest(CAST(? AS INTEGER[])))"

# Words in a typed role that say who spoke, checked in this order ("Pårørende via Patientkontoret"
# is a relative; "Patientpartner" a patient partner, not a patient).
_ROLE_WORDS: tuple[tuple[str, re.Pattern], ...] = (
    ("patient_partner", re.compile(r"patient[\s_-]*(partner|repræsentant|representative)", re.IGNORECASE)),
    ("relative", re.compile(r"pårørende|relative|next of kin|datter|søn\b|ægtefælle|hustru|mand\b|daughter|son\b"
                            r"|spouse|wife|husband|carer", re.IGNORECASE)),
    ("patient", re.compile(r"patient|borger|citizen", re.IGNORECASE)),
)


def voice_role(text: str | None) -> str | None:
    """Who a typed role names, as one of :data:`VOICE_ROLES` (None: staff or unknown)."""
    if not text:
        return None
    for role, words in _ROLE_WORDS:
        if words.search(text):
            return role
    return None


# --- what the page is given --------------------------------------------------------------------

@dataclass(frozen=True)
class TrailStep:
    """One thing that happened. ``what`` is a key of :data:`STEP_ORDER`; ``name`` the problem's
    title, the change idea's text or the cycle's title; ``project_*`` where it happened."""

    what: str
    on: date
    name: str | None = None
    project_id: int | None = None
    project_title: str | None = None
    cycle_id: int | None = None
    sort_on: date | None = field(default=None, compare=False)  # on, or the day of the step it follows


@dataclass(frozen=True)
class TrailItem:
    """An observation or a problem and its trail, newest step first."""

    kind: str            # "observation" or "problem"
    id: int
    text: str            # the observation's words, or the problem's title
    role: str            # one of VOICE_ROLES
    mine: bool           # raised by the person reading
    pathway_id: int
    pathway_name: str
    steps: tuple[TrailStep, ...]

    @property
    def latest(self) -> date:
        return self.steps[0].sort_on or self.steps[0].on


@dataclass(frozen=True)
class FollowedProject:
    id: int
    title: str
    pathway_id: int
    pathway_name: str
    status: str
    aim_what: str
    partner: bool        # the person is its patient partner (else it is on a pathway they follow)


@dataclass(frozen=True)
class CycleNow:
    """A cycle being planned, tested or studied, with one sentence from its plan."""

    id: int
    project_id: int
    project_title: str
    title: str
    stage: str           # planning, doing or studying
    sentence: str
    do_start: date | None
    plan_end: date | None


# --- the projects and cycles a patient representative follows ----------------------------------

def followed_projects(cur: Cursor, project_ids: Iterable[int], pathway_ids: Iterable[int]) -> list[FollowedProject]:
    """Projects (not archived) the person is patient partner of, and those on pathways they are
    attached to; theirs first, then those being worked on, then by title."""
    mine, pathways = sorted(set(project_ids)), sorted(set(pathway_ids))
    if not mine and not pathways:
        return []
    rows = fetch_records(
        cur,
        "SELECT p.id, p.title, p.pathway_id, w.name AS pathway_name, p.status, p.aim_what"
        " FROM project p JOIN pathway w ON w.id = p.pathway_id"
        f" WHERE NOT p.archived AND (p.id IN {_IDS} OR p.pathway_id IN {_IDS})",
        [mine, pathways],
    )
    projects = [FollowedProject(**row, partner=row["id"] in mine) for row in rows]
    return sorted(projects, key=lambda p: (not p.partner, p.status not in WORKED_ON, p.title, p.id))


def _first_sentence(*texts: str | None) -> str:
    for text in texts:
        words = " ".join((text or "").split())
        if words:
            found = re.match(r"(.+?[.!?])(?=\s+[A-ZÆØÅ\"»]|$)", words)
            return found.group(1) if found else words
    return ""


def cycles_now(cur: Cursor, projects: Iterable[FollowedProject]) -> list[CycleNow]:
    """Cycles in Plan, Do or Study in those of the projects being worked on, newest first."""
    titles = {p.id: p.title for p in projects if p.status in WORKED_ON}
    if not titles:
        return []
    rows = fetch_records(
        cur,
        "SELECT id, project_id, title, plan_objective, plan_what, plan_end, do_start, do_end, do_what_happened,"
        " study_results, study_learning, act_decision FROM pdsa_cycle"
        f" WHERE NOT archived AND act_decision IS NULL AND project_id IN {_IDS} ORDER BY id DESC",
        [sorted(titles)],
    )
    found = []
    for row in rows:
        stage = PdsaCycle.model_construct(**row).stage
        found.append(CycleNow(id=row["id"], project_id=row["project_id"], project_title=titles[row["project_id"]],
                              title=row["title"], stage=stage,
                              sentence=_first_sentence(row["plan_objective"], row["plan_what"], row["title"]),
                              do_start=row["do_start"], plan_end=row["plan_end"]))
    return found


@dataclass(frozen=True)
class CommentThread:
    """A comment the person wrote on a cycle, the team's answers to it, and the cycle's decision."""

    comment: CycleComment
    answers: tuple[CycleComment, ...]
    cycle_title: str
    project_id: int
    project_title: str
    decision: str | None


def own_comments(cur: Cursor, user_id: int | None, *, leave_out: Iterable[int] = ()) -> list[CommentThread]:
    """The person's comments (not archived) on cycles other than ``leave_out``, with the answers,
    the newest first; one query."""
    if user_id is None:
        return []
    columns = ", ".join(f"m.{c}" for c in ("id", "cycle_id", "stage", "text", "author_id", "author_name",
                                           "author_role", "reply_to", "created_at", "version", "archived"))
    rows = fetch_records(
        cur,
        f"SELECT {columns}, c.title AS cycle_title, c.project_id, p.title AS project_title, c.act_decision"
        " FROM cycle_comment m JOIN pdsa_cycle c ON c.id = m.cycle_id JOIN project p ON p.id = c.project_id"
        " WHERE NOT m.archived AND NOT c.archived AND NOT p.archived"
        " AND (m.author_id = ? OR m.reply_to IN (SELECT id FROM cycle_comment WHERE author_id = ?))"
        f" AND m.cycle_id NOT IN {_IDS} ORDER BY m.id",
        [user_id, user_id, sorted(set(leave_out))],
    )
    extra = ("cycle_title", "project_id", "project_title", "act_decision")
    comments = [(CycleComment(**{k: v for k, v in row.items() if k not in extra}), row) for row in rows]
    threads = []
    for comment, row in comments:
        if comment.reply_to is None:
            answers = tuple(a for a, _ in comments if a.reply_to == comment.id)
            threads.append(CommentThread(comment, answers, row["cycle_title"], row["project_id"],
                                         row["project_title"], row["act_decision"]))
    return threads[::-1]


# --- the trail -----------------------------------------------------------------------------------

def _json(value: Any) -> dict:
    if value is None:
        return {}
    return value if isinstance(value, dict) else json.loads(value)


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


@dataclass
class _Event:
    at: datetime
    action: str
    before: dict
    after: dict


class _Events:
    """The audit events of the rows a trail needs, by (entity, id), oldest first."""

    def __init__(self, cur: Cursor, problems: list[int], observations: list[int], cycles: list[int]):
        self.rows: dict[tuple[str, int], list[_Event]] = {}
        if not (problems or observations or cycles):
            return
        rows = cur.execute(
            "SELECT entity, entity_id, happened_at, action, before, after FROM audit_event"
            f" WHERE (entity = 'problem' AND entity_id IN {_IDS})"
            f" OR (entity = 'observation' AND entity_id IN {_IDS})"
            f" OR (entity = 'pdsa_cycle' AND entity_id IN {_IDS}) ORDER BY id",
            [problems, observations, cycles],
        ).fetchall()
        for entity, entity_id, at, action, before, after in rows:
            self.rows.setdefault((entity, entity_id), []).append(_Event(at, action, _json(before), _json(after)))

    def of(self, entity: str, row_id: int) -> list[_Event]:
        return self.rows.get((entity, row_id), [])

    def created(self, entity: str, row_id: int) -> datetime | None:
        return next((e.at for e in self.of(entity, row_id) if e.action == "create"), None)

    def day(self, entity: str, row_id: int, event: _Event | None, registered: date) -> date:
        """The day of a change: the registration's day when it came with the creation."""
        if event is None:
            return registered
        created = self.created(entity, row_id)
        if event.action == "create" or (created is not None and created <= event.at < created + SAME_SAVE):
            return registered
        return _day(event.at)

    def set_to(self, entity: str, row_id: int, column: str, value: Any) -> _Event | None:
        """The last event that gave the column this value (from another), None if none did."""
        found = None
        for event in self.of(entity, row_id):
            if column in event.after and event.after[column] == value and (
                    event.action == "create" or event.before.get(column) != value):
                found = event
        return found


def _chain(steps: list[TrailStep], step: TrailStep, after: TrailStep | None) -> TrailStep:
    """Add a step that follows from ``after``: ordered no earlier than it (a step already there,
    such as the same project reached twice, is kept once)."""
    same = next((s for s in steps if (s.what, s.name, s.project_id, s.cycle_id)
                 == (step.what, step.name, step.project_id, step.cycle_id)), None)
    if same is not None:
        return same
    floor = after.sort_on if after is not None else None
    step = TrailStep(**{**step.__dict__, "sort_on": max(step.on, floor) if floor else step.on})
    steps.append(step)
    return step


def trail(cur: Cursor, *, user_id: int | None, pathway_ids: Iterable[int] = (),
          project_ids: Iterable[int] = ()) -> list[TrailItem]:
    """What became of what the person raised, and of what patients and relatives raised on these
    pathways and projects: the item whose trail moved most recently first."""
    pathways, projects = sorted(set(pathway_ids)), sorted(set(project_ids))
    observations = [
        row for row in fetch_records(
            cur,
            "SELECT o.id, o.text, o.author_role, o.observed_on, o.pathway_id, w.name AS pathway_name,"
            " o.problem_id, o.project_id, o.cycle_id, o.created_by"
            " FROM observation o JOIN pathway w ON w.id = o.pathway_id LEFT JOIN pdsa_cycle c ON c.id = o.cycle_id"
            " WHERE NOT o.archived AND (o.created_by = CAST(? AS INTEGER)"
            f" OR o.pathway_id IN {_IDS} OR coalesce(o.project_id, c.project_id) IN {_IDS})",
            [user_id, pathways, projects])
        if (user_id is not None and row["created_by"] == user_id) or voice_role(row["author_role"])
    ]
    linked = sorted({o["problem_id"] for o in observations if o["problem_id"] is not None})
    problems = {row["id"]: row for row in fetch_records(
        cur,
        "SELECT p.id, p.title, p.pathway_id, w.name AS pathway_name, p.source, p.reported_by_role, p.reported_on,"
        " p.status, p.merged_into_id, p.created_by, p.archived FROM problem p JOIN pathway w ON w.id = p.pathway_id"
        " WHERE p.created_by = CAST(? AS INTEGER)"
        f" OR (p.pathway_id IN {_IDS} AND NOT p.archived AND p.merged_into_id IS NULL) OR p.id IN {_IDS}",
        [user_id, pathways, linked])}
    kept = sorted({p["merged_into_id"] for p in problems.values() if p["merged_into_id"]} - set(problems))
    if kept:  # the problems a merge kept, where the duplicate's links went
        problems.update({row["id"]: row for row in fetch_records(
            cur,
            "SELECT p.id, p.title, p.pathway_id, w.name AS pathway_name, p.source, p.reported_by_role,"
            " p.reported_on, p.status, p.merged_into_id, p.created_by, p.archived"
            f" FROM problem p JOIN pathway w ON w.id = p.pathway_id WHERE p.id IN {_IDS}", [kept])})

    def problem_role(p: dict) -> str | None:
        role = voice_role(p["reported_by_role"])
        if p["source"] == "patient_or_relative":
            return role if role is not None else "patient_or_relative"
        return role if p["source"] in ("complaint", "other") else None

    raised = [p for p in problems.values()
              if (user_id is not None and p["created_by"] == user_id)
              or (p["pathway_id"] in pathways and not p["archived"] and problem_role(p))]
    problem_ids = sorted(problems)

    project_links: dict[int, list[int]] = {}
    idea_links: dict[int, list[int]] = {}
    if problem_ids:
        for problem_id, project_id in cur.execute(
                f"SELECT problem_id, project_id FROM problem_project WHERE problem_id IN {_IDS} ORDER BY project_id",
                [problem_ids]).fetchall():
            project_links.setdefault(problem_id, []).append(project_id)
        for problem_id, idea_id in cur.execute(
                f"SELECT problem_id, change_idea_id FROM problem_change_idea WHERE problem_id IN {_IDS}"
                " ORDER BY change_idea_id", [problem_ids]).fetchall():
            idea_links.setdefault(problem_id, []).append(idea_id)
    idea_ids = sorted({i for ids in idea_links.values() for i in ids})
    ideas = {row["id"]: row for row in fetch_records(
        cur, f"SELECT id, project_id, text FROM change_idea WHERE id IN {_IDS}", [idea_ids])} if idea_ids else {}
    observed_cycles = sorted({o["cycle_id"] for o in observations if o["cycle_id"] is not None})
    cycles = {row["id"]: row for row in fetch_records(
        cur,
        "SELECT id, project_id, change_idea_id, title, plan_end, do_start, do_end, do_what_happened, study_results,"
        " study_learning, act_decision FROM pdsa_cycle"
        f" WHERE NOT archived AND (change_idea_id IN {_IDS} OR id IN {_IDS}) ORDER BY id",
        [idea_ids, observed_cycles])} if idea_ids or observed_cycles else {}
    by_idea: dict[int, list[dict]] = {}
    for cycle in cycles.values():
        if cycle["change_idea_id"] is not None:
            by_idea.setdefault(cycle["change_idea_id"], []).append(cycle)
    project_ids_named = sorted(
        {p for ids in project_links.values() for p in ids} | {i["project_id"] for i in ideas.values()}
        | {c["project_id"] for c in cycles.values()} | {o["project_id"] for o in observations if o["project_id"]})
    titles = dict(cur.execute(f"SELECT id, title FROM project WHERE id IN {_IDS}", [project_ids_named]).fetchall()
                  ) if project_ids_named else {}
    events = _Events(cur, problem_ids, [o["id"] for o in observations], sorted(cycles))

    def cycle_steps(steps: list[TrailStep], cycle: dict, after: TrailStep, *, said_during: bool = False) -> None:
        """The cycle's test and decision after ``after``; ``said_during``: words linked to a cycle
        whose test had begun before them (the test is not what came of them, its decision is)."""
        values = PdsaCycle.model_construct(**{k: v for k, v in cycle.items() if k != "change_idea_id"})
        base = dict(name=cycle["title"], project_id=cycle["project_id"], project_title=titles.get(cycle["project_id"]),
                    cycle_id=cycle["id"])
        created = events.created("pdsa_cycle", cycle["id"])
        created_on = _day(created) if created is not None else (cycle["do_start"] or after.on)
        if values.stage == "planning":
            _chain(steps, TrailStep("planned", created_on, **base), after)
            return
        started = cycle["do_start"] or created_on
        if said_during and started < after.on:
            tested = after
        else:
            tested = _chain(steps, TrailStep("tested", started, **base), after)
        if cycle["act_decision"]:
            event = events.set_to("pdsa_cycle", cycle["id"], "act_decision", cycle["act_decision"])
            decided = events.day("pdsa_cycle", cycle["id"], event, cycle["do_end"] or started)
            _chain(steps, TrailStep(cycle["act_decision"], decided, **base), tested)

    def problem_steps(steps: list[TrailStep], problem: dict, after: TrailStep, seen: set[int]) -> None:
        """The problem's steps after ``after`` (its registration, or an observation linked to it)."""
        if problem["id"] in seen:
            return
        seen.add(problem["id"])
        pid, registered = problem["id"], problem["reported_on"]

        def day(event: _Event | None) -> date:
            return events.day("problem", pid, event, registered)

        triaged = after
        triage = next((e for e in events.of("problem", pid)
                       if e.after.get("status") not in (None, "new")
                       and (e.action == "create" or e.before.get("status") in (None, "new"))), None)
        if triage is not None:
            triaged = _chain(steps, TrailStep("triaged", day(triage)), after)
        for project_id in project_links.get(pid, []):
            event = next((e for e in events.of("problem", pid) if e.after.get("linked_project_id") == project_id), None)
            _chain(steps, TrailStep("linked_project", day(event), project_id=project_id,
                                    project_title=titles.get(project_id)), triaged)
        for idea_id in idea_links.get(pid, []):
            idea = ideas.get(idea_id)
            if idea is None:
                continue
            event = next((e for e in events.of("problem", pid) if e.after.get("linked_change_idea_id") == idea_id),
                         None)
            step = _chain(steps, TrailStep("change_idea", day(event), name=idea["text"], project_id=idea["project_id"],
                                           project_title=titles.get(idea["project_id"])), triaged)
            for cycle in by_idea.get(idea_id, []):
                cycle_steps(steps, cycle, step)
        if problem["status"] in ("solved", "not_pursued"):
            event = events.set_to("problem", pid, "status", problem["status"])
            _chain(steps, TrailStep(problem["status"], day(event)), triaged)
        kept = problems.get(problem["merged_into_id"]) if problem["merged_into_id"] else None
        if kept is not None:
            event = events.set_to("problem", pid, "merged_into_id", kept["id"])
            step = _chain(steps, TrailStep("linked_problem", day(event), name=kept["title"]), after)
            problem_steps(steps, kept, step, seen)

    items: list[TrailItem] = []
    for o in observations:
        oid, registered = o["id"], o["observed_on"]
        steps: list[TrailStep] = []
        start = _chain(steps, TrailStep("registered", registered), None)

        def linked(column: str, value: Any) -> date:
            return events.day("observation", oid, events.set_to("observation", oid, column, value), registered)

        if o["project_id"] is not None:
            _chain(steps, TrailStep("linked_project", linked("project_id", o["project_id"]), project_id=o["project_id"],
                                    project_title=titles.get(o["project_id"])), start)
        if o["problem_id"] is not None and o["problem_id"] in problems:
            problem = problems[o["problem_id"]]
            step = _chain(steps, TrailStep("linked_problem", linked("problem_id", problem["id"]),
                                           name=problem["title"]), start)
            problem_steps(steps, problem, step, set())
        if o["cycle_id"] is not None and o["cycle_id"] in cycles:
            cycle = cycles[o["cycle_id"]]
            step = _chain(steps, TrailStep("linked_cycle", linked("cycle_id", cycle["id"]), name=cycle["title"],
                                           project_id=cycle["project_id"],
                                           project_title=titles.get(cycle["project_id"]), cycle_id=cycle["id"]), start)
            if not any(s.cycle_id == cycle["id"] and s.what != "linked_cycle" for s in steps):
                cycle_steps(steps, cycle, step, said_during=True)
        mine = user_id is not None and o["created_by"] == user_id
        items.append(TrailItem("observation", oid, o["text"], voice_role(o["author_role"]) or "patient_partner", mine,
                               o["pathway_id"], o["pathway_name"], _newest_first(steps)))
    for p in raised:
        steps = []
        start = _chain(steps, TrailStep("registered", p["reported_on"]), None)
        problem_steps(steps, p, start, set())
        mine = user_id is not None and p["created_by"] == user_id
        items.append(TrailItem("problem", p["id"], p["title"], problem_role(p) or "patient_partner", mine,
                               p["pathway_id"], p["pathway_name"], _newest_first(steps)))
    return sorted(items, key=lambda i: (i.latest, i.kind == "observation", i.id), reverse=True)


def _newest_first(steps: list[TrailStep]) -> tuple[TrailStep, ...]:
    numbered = list(enumerate(steps))
    numbered.sort(key=lambda n: (n[1].sort_on, STEP_ORDER[n[1].what], n[0]), reverse=True)
    return tuple(step for _, step in numbered)
