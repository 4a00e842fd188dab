"""What needs doing in a person's projects: the team's home page reads it here (read only).

Everything is read for all of the person's projects at once, a handful of queries in all:

* cycles still in Do after their planned end (``plan_end``);
* cycles in Study for more than two weeks, counted from the audit event that ended Do (the
  first save after which the cycle reads as being studied; a cycle saved straight into Study
  counts from its creation);
* measures with no data for the last two periods: nothing entered for the two whole periods
  before the current one, nor since (for measures of days or cases between events, reviewed by
  the ISO week: no event and no "no event this week" entry, pdsa.store.events);
* new problems in the person's pathways that nobody has triaged yet;
* observations on the person's projects and pathways from the last 14 days;
* comments on the projects' cycles from outside the working team, not yet answered.

Only projects being worked on count (planning, active, sustaining); a completed or stopped
project asks nothing of anyone. ``today`` is passed in, so the answers are reproducible. The SQL
runs unchanged on DuckDB and PostgreSQL (arrays passed as ``INTEGER[]``, JSON read as text on
DuckDB and parsed on PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from pdsa.core.db import fetch_records
from pdsa.core.periods import period_start
from pdsa.core.vocabulary import PROJECT_STATUSES
from pdsa.models import EVENT_DATA_TYPES, PdsaCycle
from pdsa.store.cycles import ramps
from pdsa.store.events import REVIEW_PERIOD

Cursor = Any  # a DuckDB cursor, or the PostgreSQL adapter's (pdsa.core.postgres)

WORKED_ON: tuple[str, ...] = ("planning", "active", "sustaining")  # project statuses that ask for work
STUDY_DAYS = 14          # a cycle in Study longer than this is listed
OBSERVATION_DAYS = 14    # observations from this many days back (today included) are new
PERIODS_WITHOUT_DATA = 2  # whole periods with nothing entered before a measure is listed

_STAGE_FIELDS = ("do_start", "do_end", "do_what_happened", "study_results", "study_learning", "act_decision")


# --- what the page is given --------------------------------------------------------------------

@dataclass(frozen=True)
class MyProject:
    """A project the person is on the team of, with their team roles there."""

    id: int
    title: str
    pathway_id: int
    pathway_name: str
    status: str
    aim_what: str
    aim_how_much: str
    aim_by_when: date
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CycleTodo:
    """A PDSA cycle that waits: still in Do after its planned end, or long in Study.

    ``label`` is its place in the project's ramps as the projects page shows it ("3.2");
    ``since`` is the planned end (overdue in Do) or the day Do ended (in Study); ``days`` how
    many days have passed since then."""

    cycle_id: int
    project_id: int
    project_title: str
    title: str
    label: str
    stage: str
    since: date
    days: int


@dataclass(frozen=True)
class MeasureTodo:
    """A measure with nothing entered for the last two periods; ``last_period`` is the latest
    period (or event day) that has data, None when it has none at all."""

    measure_id: int
    project_id: int
    project_title: str
    name: str
    period: str
    data_type: str
    last_period: date | None
    expected_from: date   # the first of the two periods with nothing entered

    @property
    def is_event_measure(self) -> bool:
        return self.data_type in EVENT_DATA_TYPES


@dataclass(frozen=True)
class ProblemTodo:
    problem_id: int
    title: str
    pathway_id: int
    pathway_name: str
    source: str
    reported_on: date


@dataclass(frozen=True)
class ObservationTodo:
    observation_id: int
    text: str
    kind: str
    author_role: str | None
    observed_on: date
    pathway_id: int
    pathway_name: str
    project_id: int | None       # its project, or its cycle's project
    project_title: str | None
    cycle_id: int | None
    problem_id: int | None


# slice: patients' voice — comments on the team's cycles that wait for an answer
@dataclass(frozen=True)
class CommentTodo:
    """A comment on one of the team's cycles from someone outside the working team (a patient
    partner, a patient representative, a sponsor, staff), with no answer yet."""

    comment_id: int
    cycle_id: int
    cycle_title: str
    project_id: int
    project_title: str
    stage: str
    author_role: str
    text: str
    written_on: date


@dataclass(frozen=True)
class Todo:
    """Everything that waits, each list in the order the page shows it (most urgent first)."""

    overdue_cycles: list[CycleTodo] = field(default_factory=list)
    studied_too_long: list[CycleTodo] = field(default_factory=list)
    measures_without_data: list[MeasureTodo] = field(default_factory=list)
    new_problems: list[ProblemTodo] = field(default_factory=list)
    new_observations: list[ObservationTodo] = field(default_factory=list)
    unanswered_comments: list[CommentTodo] = field(default_factory=list)  # slice: patients' voice

    @property
    def count(self) -> int:
        return (len(self.overdue_cycles) + len(self.studied_too_long) + len(self.measures_without_data)
                + len(self.new_problems) + len(self.new_observations) + len(self.unanswered_comments))


# --- reading it ------------------------------------------------------------------------------------

_IDS = "(SELECT unnest(CAST(? AS INTEGER[])))"


def my_projects(cur: Cursor, project_roles: dict[int, Iterable[str]]) -> list[MyProject]:
    """The projects (not archived) named in ``project_roles`` (project id -> the person's team
    roles), those being worked on first, then by title."""
    ids = sorted(project_roles)
    if not ids:
        return []
    order = " ".join(f"WHEN '{status}' THEN {n}" for n, status in enumerate(PROJECT_STATUSES))
    rows = fetch_records(
        cur,
        "SELECT p.id, p.title, p.pathway_id, w.name AS pathway_name, p.status, p.aim_what, p.aim_how_much,"
        " p.aim_by_when FROM project p JOIN pathway w ON w.id = p.pathway_id"
        f" WHERE NOT p.archived AND p.id IN {_IDS}"
        f" ORDER BY CASE p.status {order} ELSE 99 END, p.title, p.id",
        [ids],
    )
    return [MyProject(**row, roles=frozenset(project_roles[row["id"]])) for row in rows]


def pathway_names(cur: Cursor, pathway_ids: Iterable[int]) -> dict[int, str]:
    """Names of the given pathways (archived ones left out), by name."""
    ids = sorted(set(pathway_ids))
    if not ids:
        return {}
    rows = cur.execute(
        f"SELECT id, name FROM pathway WHERE NOT archived AND id IN {_IDS} ORDER BY name, id", [ids]
    ).fetchall()
    return {row[0]: row[1] for row in rows}


def todo(cur: Cursor, projects: list[MyProject], *, today: date,
         pathway_ids: Iterable[int] = ()) -> Todo:
    """What waits in these projects (those being worked on) and in their pathways plus
    ``pathway_ids`` (e.g. the pathways a person is attached to), as of ``today``."""
    worked_on = {p.id: p for p in projects if p.status in WORKED_ON}
    pathways = sorted({p.pathway_id for p in projects} | set(pathway_ids))
    overdue, studied = _cycles(cur, worked_on, today)
    return Todo(
        overdue_cycles=overdue,
        studied_too_long=studied,
        measures_without_data=_measures_without_data(cur, worked_on, today),
        new_problems=_new_problems(cur, pathways),
        new_observations=_new_observations(cur, sorted(worked_on), pathways, today),
        unanswered_comments=_unanswered_comments(cur, worked_on),
    )


# slice: patients' voice
def _unanswered_comments(cur: Cursor, projects: dict[int, MyProject]) -> list[CommentTodo]:
    """Comments (not archived) on the projects' cycles with no answer yet, oldest first."""
    if not projects:
        return []
    rows = fetch_records(
        cur,
        "SELECT m.id AS comment_id, m.cycle_id, c.title AS cycle_title, c.project_id, m.stage, m.author_role,"
        " m.text, m.created_at FROM cycle_comment m JOIN pdsa_cycle c ON c.id = m.cycle_id"
        f" WHERE NOT m.archived AND NOT c.archived AND m.reply_to IS NULL AND c.project_id IN {_IDS}"
        " AND m.author_role NOT IN ('lead', 'member')"  # the working team asks itself nothing
        " AND NOT EXISTS (SELECT 1 FROM cycle_comment a WHERE a.reply_to = m.id AND NOT a.archived)"
        " ORDER BY m.created_at, m.id",
        [sorted(projects)],
    )
    return [CommentTodo(**{k: v for k, v in row.items() if k != "created_at"},
                        project_title=projects[row["project_id"]].title,
                        written_on=row["created_at"].date() if isinstance(row["created_at"], datetime)
                        else row["created_at"])
            for row in rows]
# end slice: patients' voice


def _cycles(cur: Cursor, projects: dict[int, MyProject], today: date) -> tuple[list[CycleTodo], list[CycleTodo]]:
    if not projects:
        return [], []
    rows = fetch_records(
        cur,
        "SELECT id, project_id, parent_id, change_idea_id, title, cycle_number, plan_end, "
        f"{', '.join(_STAGE_FIELDS)} FROM pdsa_cycle WHERE NOT archived AND project_id IN {_IDS}"
        # the projects page's order, so the ramps are numbered as it numbers them
        " ORDER BY project_id, coalesce(do_start, DATE '9999-12-31'), id",
        [sorted(projects)],
    )
    cycles = [PdsaCycle.model_construct(**row) for row in rows]
    labels: dict[int, str] = {}
    for project_id in projects:
        for number, ramp in enumerate(ramps([c for c in cycles if c.project_id == project_id]), start=1):
            for cycle in ramp:
                labels[cycle.id] = f"{number}.{cycle.cycle_number}"

    def item(cycle: PdsaCycle, since: date) -> CycleTodo:
        return CycleTodo(cycle_id=cycle.id, project_id=cycle.project_id,
                         project_title=projects[cycle.project_id].title, title=cycle.title,
                         label=labels[cycle.id], stage=cycle.stage, since=since, days=(today - since).days)

    overdue = [item(c, c.plan_end) for c in cycles
               if c.stage == "doing" and c.plan_end is not None and c.plan_end < today]
    studying = [c for c in cycles if c.stage == "studying"]
    started = _study_started(cur, [c.id for c in studying])
    studied = []
    for cycle in studying:
        since = started.get(cycle.id) or cycle.do_end
        if since is not None and (today - since).days > STUDY_DAYS:
            studied.append(item(cycle, since))
    overdue.sort(key=lambda c: (-c.days, c.project_title, c.label))
    studied.sort(key=lambda c: (-c.days, c.project_title, c.label))
    return overdue, studied


def _json(value: Any) -> dict:
    """A JSON column as read back: text on DuckDB, already parsed by psycopg on PostgreSQL."""
    if value is None:
        return {}
    return value if isinstance(value, dict) else json.loads(value)


def _stage(values: dict[str, Any]) -> str:
    return PdsaCycle.model_construct(**{k: values.get(k) for k in _STAGE_FIELDS}).stage


def _study_started(cur: Cursor, cycle_ids: list[int]) -> dict[int, date]:
    """The day each cycle's Study began: the last audit event after which the cycle read as
    being studied while it did not before (its creation, if it was saved straight into Study)."""
    if not cycle_ids:
        return {}
    rows = cur.execute(
        "SELECT entity_id, happened_at, action, after FROM audit_event"
        f" WHERE entity = 'pdsa_cycle' AND action IN ('create', 'update') AND entity_id IN {_IDS}"
        " ORDER BY entity_id, id",
        [cycle_ids],
    ).fetchall()
    state: dict[int, dict[str, Any]] = {}
    started: dict[int, date] = {}
    for cycle_id, happened_at, action, after in rows:
        values = state.setdefault(cycle_id, {})
        before = _stage(values) if action == "update" else None
        values.update({k: v for k, v in _json(after).items() if k in _STAGE_FIELDS})
        if _stage(values) == "studying" and before != "studying":
            started[cycle_id] = happened_at.date() if isinstance(happened_at, datetime) else happened_at
    return started


def _window_start(today: date, period: str) -> date:
    """The first of the last ``PERIODS_WITHOUT_DATA`` whole periods before the current one."""
    start = period_start(today, period)
    for _ in range(PERIODS_WITHOUT_DATA):
        start = _previous_period(start, period)
    return start


def _previous_period(start: date, period: str) -> date:
    if period == "month":
        return (start - timedelta(days=1)).replace(day=1)
    return start - (timedelta(days=7) if period == "week" else timedelta(days=1))


def _measures_without_data(cur: Cursor, projects: dict[int, MyProject], today: date) -> list[MeasureTodo]:
    if not projects:
        return []
    starts = {period: _window_start(today, period) for period in ("day", "week", "month")}
    events = tuple(sorted(EVENT_DATA_TYPES))
    # slice: no event this period — an event measure is reviewed by the week (REVIEW_PERIOD); a week
    # recorded as having no event (no_event_period, not archived) covers it as an event would
    window = ("CASE WHEN m.data_type IN (?, ?) THEN CAST(? AS DATE) WHEN m.period = 'day' THEN CAST(? AS DATE)"
              " WHEN m.period = 'week' THEN CAST(? AS DATE) ELSE CAST(? AS DATE) END")
    window_values = [*events, starts[REVIEW_PERIOD], starts["day"], starts["week"], starts["month"]]
    rows = fetch_records(
        cur,
        "SELECT m.id AS measure_id, m.project_id, m.name, m.period, m.data_type, max(d.period) AS last_period"
        " FROM measure m LEFT JOIN data_point d ON d.measure_id = m.id"
        " LEFT JOIN (SELECT measure_id, max(period) AS last_quiet FROM no_event_period WHERE NOT archived"
        f" AND measure_id IN (SELECT id FROM measure WHERE project_id IN {_IDS}) GROUP BY measure_id) q"
        " ON q.measure_id = m.id"
        f" WHERE NOT m.archived AND m.project_id IN {_IDS}"
        " GROUP BY m.id, m.project_id, m.name, m.period, m.data_type"
        f" HAVING (max(d.period) IS NULL OR max(d.period) < {window})"
        f" AND (max(q.last_quiet) IS NULL OR max(q.last_quiet) < {window})"
        " ORDER BY m.project_id, m.id",
        [sorted(projects), sorted(projects), *window_values, *window_values],
    )
    items = [MeasureTodo(**row, project_title=projects[row["project_id"]].title,
                         expected_from=starts[REVIEW_PERIOD if row["data_type"] in EVENT_DATA_TYPES else row["period"]])
             for row in rows]
    # the longest silence first; a measure that never had data after those that had some
    return sorted(items, key=lambda m: (m.last_period is None, m.last_period or today, m.project_title, m.name))


def _new_problems(cur: Cursor, pathway_ids: list[int]) -> list[ProblemTodo]:
    if not pathway_ids:
        return []
    rows = fetch_records(
        cur,
        "SELECT p.id AS problem_id, p.title, p.pathway_id, w.name AS pathway_name, p.source, p.reported_on"
        " FROM problem p JOIN pathway w ON w.id = p.pathway_id"
        f" WHERE p.status = 'new' AND NOT p.archived AND p.merged_into_id IS NULL AND p.pathway_id IN {_IDS}"
        " ORDER BY p.reported_on, p.id",
        [pathway_ids],
    )
    return [ProblemTodo(**row) for row in rows]


def _new_observations(cur: Cursor, project_ids: list[int], pathway_ids: list[int], today: date) -> list[ObservationTodo]:
    if not project_ids and not pathway_ids:
        return []
    since = today - timedelta(days=OBSERVATION_DAYS - 1)
    rows = fetch_records(
        cur,
        "SELECT o.id AS observation_id, o.text, o.kind, o.author_role, o.observed_on, o.pathway_id,"
        " w.name AS pathway_name, coalesce(o.project_id, c.project_id) AS project_id, j.title AS project_title,"
        " o.cycle_id, o.problem_id"
        " FROM observation o JOIN pathway w ON w.id = o.pathway_id"
        " LEFT JOIN pdsa_cycle c ON c.id = o.cycle_id"
        " LEFT JOIN project j ON j.id = coalesce(o.project_id, c.project_id)"
        " WHERE NOT o.archived AND o.observed_on BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)"
        f" AND (o.pathway_id IN {_IDS} OR coalesce(o.project_id, c.project_id) IN {_IDS})"
        " ORDER BY o.observed_on DESC, o.id DESC",
        [since, today, pathway_ids, project_ids],
    )
    return [ObservationTodo(**row) for row in rows]
