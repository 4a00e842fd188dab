"""Stress: many threads share the app's one database connection and act on the same rows at once.

    python bench/stress.py [--threads 20 --actions 200 --seed 6 --db PATH]
    python bench/stress.py --db postgresql://pdsa:pdsa@localhost:5432/postgres --processes 4 --threads 5

As the app does it: one connection (``pdsa.core.db.connect``) on a database holding the demo,
and a cursor per thread. On PostgreSQL (``--db postgresql://…``: the server and a role that may
create databases; the run creates a database of its own there, loads the demo, and drops it at
the end) the app may run as several servers on one database, so ``--processes N`` starts N
processes, each with its own ``PgDatabase`` and ``--threads`` threads, all on the same rows at
once (DuckDB lets one process hold the file, so there it is always one process). Each thread performs ``--actions`` actions chosen by a seeded random
generator, under its own actor ("thread 3"), on a few shared targets — the first project, its
pathway, its first PDSA cycle and its first weekly continuous measure:

  problem          register_problem in the shared pathway
  new_points       record_data_points: two new weeks of the shared measure
  reenter_point    record_data_points: a new value for a demo week of the shared measure
  start_cycle      start_cycle in the shared project (a new ramp, or the next cycle of the shared one)
  edit_cycle       update_cycle of the shared cycle, on the version the thread just read
  observation      add_observation on the shared pathway (sometimes the project and cycle)
  chart_settings   update_chart_settings of the shared measure (a new target), on the version read
  project_status   set_project_status of the shared project (another status), on the version read
  team_member      add_team_member to the shared project
  pathway_step     add_pathway_step to the shared pathway, at a random position

Every action carries a marker unique to it ("stress t3 #17": title, name, text, note or
do_what_happened; a number 100000 + 1000·thread + action for targets and values; threads are
numbered across processes), so what it saved can be found afterwards. Write conflicts retried
by ``pdsa.core.db.write`` are counted by wrapping the pause it takes before each retry
(``_pause``, called while the conflict is being handled, so the conflict is at hand) for the
duration of the run, in every process; nothing is changed in the code under test.

Afterwards the checks below look at the database: every acknowledged create is there exactly
once and nothing unacknowledged is; the audit events of the threads match the acknowledged
actions one to one (who, entity, id, action, marker); edits of the shared rows were refused
as stale or saved, never lost (versions, values, each audit event's ``before`` equal to the
previous one's ``after``); team-member and step positions stay unique and contiguous.
It prints the figures (attempted, acknowledged, found, conflicts retried, refused as stale,
write conflicts when retries ran out, errors, wall time), a line per action kind, and exits
with status 1 when a check fails. tests/test_stress.py runs the same at a smaller scale.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import re
import sys
import tempfile
import threading
import time
import traceback
import types
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import actions  # noqa: E402
from actions import Actor, StaleEdit  # noqa: E402
from pathways.models import PathwayStep, Problem  # noqa: E402
from pdsa.core import db as core_db  # noqa: E402
from pdsa.core.db import WriteConflict  # noqa: E402
from pdsa.core.postgres import is_postgres_url, without_password  # noqa: E402
from pdsa.core.vocabulary import (  # noqa: E402
    OBSERVATION_KINDS,
    PROBLEM_SOURCES,
    PROJECT_STATUSES,
    SECTORS,
    TEAM_ROLES,
)
from pdsa.models import Observation, PdsaCycle, TeamMember  # noqa: E402
from pdsa.store.cycles import get_cycle  # noqa: E402
from pdsa.store.measures import get_measure  # noqa: E402
from pdsa.store.projects import get_project  # noqa: E402

Cursor = duckdb.DuckDBPyConnection

ACKNOWLEDGED, STALE, WRITE_CONFLICT, ERROR = "acknowledged", "refused as stale", "write conflict", "error"


def marker(thread: int, index: int) -> str:
    return f"stress t{thread} #{index}"


def number(thread: int, index: int) -> float:
    """A numeric marker (a measure's target, a point's value) unique to one action."""
    return float(100_000 + 1_000 * thread + index)


# --- the shared targets -------------------------------------------------------------------

@dataclass(frozen=True)
class Shared:
    """The rows every thread works on, and how they looked before the run."""

    project_id: int
    pathway_id: int
    cycle_id: int
    measure_id: int
    step_ids: tuple[int, ...]                  # the pathway's steps before the run
    reentry_point_ids: dict[date, int]         # the measure's weeks before the run -> point id
    first_new_week: date                       # the weeks from here on are new
    cycle_before: dict                         # version and do_what_happened
    measure_before: dict                       # version and target
    project_before: dict                       # version and status
    team_size: int
    step_count: int

    def new_weeks(self, thread: int, index: int, actions_per_thread: int) -> list[date]:
        """Two weeks no other action records."""
        slot = 2 * (thread * actions_per_thread + index)
        return [self.first_new_week + timedelta(weeks=slot + k) for k in (0, 1)]


def find_shared(cur: Cursor) -> Shared:
    """The first project with a weekly continuous measure (the demo's hip-fracture project)."""
    measure_id, project_id = cur.execute(
        "SELECT id, project_id FROM measure WHERE data_type = 'continuous' AND period = 'week'"
        " AND project_id IS NOT NULL ORDER BY project_id, id LIMIT 1"
    ).fetchone()
    pathway_id, project_status, project_version = cur.execute(
        "SELECT pathway_id, status, version FROM project WHERE id = ?", [project_id]).fetchone()
    cycle_id, cycle_version, cycle_text = cur.execute(
        "SELECT id, version, do_what_happened FROM pdsa_cycle WHERE project_id = ? ORDER BY id LIMIT 1",
        [project_id]).fetchone()
    measure_version, target = cur.execute("SELECT version, target FROM measure WHERE id = ?", [measure_id]).fetchone()
    points = dict(cur.execute("SELECT period, id FROM data_point WHERE measure_id = ? AND event_no = 0",
                              [measure_id]).fetchall())
    step_ids = tuple(r[0] for r in cur.execute(
        "SELECT step_id FROM pathway_step_position WHERE pathway_id = ? ORDER BY position", [pathway_id]).fetchall())
    team_size = cur.execute("SELECT count(*) FROM team_member WHERE project_id = ?", [project_id]).fetchone()[0]
    return Shared(
        project_id=project_id, pathway_id=pathway_id, cycle_id=cycle_id, measure_id=measure_id, step_ids=step_ids,
        reentry_point_ids=points, first_new_week=max(points) + timedelta(weeks=1),
        cycle_before={"version": cycle_version, "value": cycle_text},
        measure_before={"version": measure_version, "value": target},
        project_before={"version": project_version, "value": project_status},
        team_size=team_size, step_count=len(step_ids),
    )


# --- the actions --------------------------------------------------------------------------

@dataclass
class Ack:
    """What an acknowledged action says it saved: the audit events it must have left
    (entity, entity id, action, marker) and, for a create, how many rows carry its marker."""

    events: list[tuple[str, int, str, object]]
    rows: int = 0


@dataclass
class Step:
    """One action a thread is about to perform; ``based_on`` is the version an edit read."""

    cur: Cursor
    actor: Actor
    shared: Shared
    thread: int
    index: int
    rng: random.Random
    actions_per_thread: int
    based_on: int | None = None

    @property
    def marker(self) -> str:
        return marker(self.thread, self.index)

    @property
    def number(self) -> float:
        return number(self.thread, self.index)

    def some_day(self) -> date:
        return date(2026, 1, 1) + timedelta(days=self.rng.randrange(365))


def do_problem(s: Step) -> Ack:
    saved = actions.register_problem(s.cur, s.actor, Problem(
        title=s.marker, pathway_id=s.shared.pathway_id, step_id=s.rng.choice([None, *s.shared.step_ids]),
        source=s.rng.choice(PROBLEM_SOURCES), reported_on=s.some_day()))
    return Ack([("problem", saved.id, "create", s.marker)], rows=1)


def do_new_points(s: Step) -> Ack:
    weeks = s.shared.new_weeks(s.thread, s.index, s.actions_per_thread)
    saved = actions.record_data_points(s.cur, s.actor, s.shared.measure_id,
                                       [{"period": w, "value": s.number + k / 10, "note": s.marker}
                                        for k, w in enumerate(weeks)])
    ids = {p.period: p.id for p in saved}
    return Ack([("data_point", ids[w], "create", s.marker) for w in weeks], rows=len(weeks))


def do_reenter_point(s: Step) -> Ack:
    week = s.rng.choice(sorted(s.shared.reentry_point_ids))
    actions.record_data_points(s.cur, s.actor, s.shared.measure_id,
                               [{"period": week, "value": s.number, "note": s.marker}])
    return Ack([("data_point", s.shared.reentry_point_ids[week], "update", s.marker)])


def do_start_cycle(s: Step) -> Ack:
    saved = actions.start_cycle(s.cur, s.actor, PdsaCycle(
        project_id=s.shared.project_id, parent_id=s.rng.choice([None, s.shared.cycle_id]), title=s.marker,
        plan_objective=s.marker))
    return Ack([("pdsa_cycle", saved.id, "create", s.marker)], rows=1)


def do_edit_cycle(s: Step) -> Ack:
    seen = get_cycle(s.cur, s.shared.cycle_id)
    s.based_on = seen.version
    actions.update_cycle(s.cur, s.actor, seen.model_copy(update={"do_what_happened": s.marker,
                                                                 "study_results": s.marker}))
    return Ack([("pdsa_cycle", s.shared.cycle_id, "update", s.marker)])


def do_observation(s: Step) -> Ack:
    project_id = s.rng.choice([None, s.shared.project_id])
    saved = actions.add_observation(s.cur, s.actor, Observation(
        text=s.marker, kind=s.rng.choice(OBSERVATION_KINDS), observed_on=s.some_day(),
        pathway_id=s.shared.pathway_id, project_id=project_id,
        cycle_id=s.shared.cycle_id if project_id and s.rng.random() < 0.5 else None))
    return Ack([("observation", saved.id, "create", s.marker)], rows=1)


def do_chart_settings(s: Step) -> Ack:
    seen = get_measure(s.cur, s.shared.measure_id)
    s.based_on = seen.version
    actions.update_chart_settings(s.cur, s.actor, seen.model_copy(update={"target": s.number}))
    return Ack([("measure", s.shared.measure_id, "update", s.number)])


def do_project_status(s: Step) -> Ack:
    seen = get_project(s.cur, s.shared.project_id)
    s.based_on = seen.version
    status = s.rng.choice([st for st in PROJECT_STATUSES if st != seen.status])
    actions.set_project_status(s.cur, s.actor, s.shared.project_id, status, expected_version=seen.version)
    return Ack([("project", s.shared.project_id, "update", status)])


def do_team_member(s: Step) -> Ack:
    saved = actions.add_team_member(s.cur, s.actor, s.shared.project_id, TeamMember(
        name=s.marker, sector=s.rng.choice(SECTORS), role=s.rng.choice(TEAM_ROLES)))
    member = next(m for m in saved.team if m.name == s.marker)
    return Ack([("team_member", member.id, "create", s.marker)], rows=1)


def do_pathway_step(s: Step) -> Ack:
    saved = actions.add_pathway_step(s.cur, s.actor, s.shared.pathway_id, PathwayStep(
        position=s.rng.randint(1, 40), name=s.marker, sector=s.rng.choice(SECTORS)))  # past the end: appended
    step = next(st for st in saved.steps if st.name == s.marker)
    return Ack([("pathway_step", step.id, "create", s.marker)], rows=1)


KINDS: dict[str, Callable[[Step], Ack]] = {
    "problem": do_problem,
    "new_points": do_new_points,
    "reenter_point": do_reenter_point,
    "start_cycle": do_start_cycle,
    "edit_cycle": do_edit_cycle,
    "observation": do_observation,
    "chart_settings": do_chart_settings,
    "project_status": do_project_status,
    "team_member": do_team_member,
    "pathway_step": do_pathway_step,
}

# The rows each create leaves, found by their marker: kind -> SQL giving the markers found
# (``?`` in it: the shared measure, then the first new week).
CREATED_ROWS: dict[str, str] = {
    "problem": "SELECT title FROM problem WHERE title LIKE 'stress t%'",
    "new_points": "SELECT note FROM data_point WHERE note LIKE 'stress t%' AND measure_id = ?"
                  " AND period >= ?",
    "start_cycle": "SELECT title FROM pdsa_cycle WHERE title LIKE 'stress t%'",
    "observation": "SELECT text FROM observation WHERE text LIKE 'stress t%'",
    "team_member": "SELECT name FROM team_member WHERE name LIKE 'stress t%'",
    "pathway_step": "SELECT name FROM pathway_step WHERE name LIKE 'stress t%'",
}

# Which field of an audit event's ``after`` holds the action's marker.
MARKER_FIELD: dict[tuple[str, str], str] = {
    ("problem", "create"): "title",
    ("data_point", "create"): "note",
    ("data_point", "update"): "note",
    ("pdsa_cycle", "create"): "title",
    ("pdsa_cycle", "update"): "do_what_happened",
    ("observation", "create"): "text",
    ("measure", "update"): "target",
    ("project", "update"): "status",
    ("team_member", "create"): "name",
    ("pathway_step", "create"): "name",
}


# --- the run ------------------------------------------------------------------------------

@dataclass
class Outcome:
    thread: int
    index: int
    kind: str
    status: str
    marker: str
    based_on: int | None = None                # the version an edit read
    ack: Ack | None = None
    stale_version: int | None = None           # the version StaleEdit reported
    error: str | None = None                   # type and first line; the traceback in ``trace``
    trace: str | None = None


@dataclass
class StressRun:
    threads: int                               # in all, across the processes
    actions_per_thread: int
    seed: int
    shared: Shared
    outcomes: list[Outcome]
    conflicts: Counter                         # (action kind, the database's message) -> times retried
    wall_seconds: float
    crashed_threads: list[str] = field(default_factory=list)
    processes: int = 1
    engine: str = "duckdb"

    def with_status(self, status: str) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def conflicts_retried(self) -> int:
        """Conflicts ``write`` met and retried (an action's last conflict, when its attempts ran
        out, is a WriteConflict instead)."""
        return sum(self.conflicts.values())

    @property
    def conflicts_seen(self) -> int:
        return self.conflicts_retried + len(self.with_status(WRITE_CONFLICT))


def _without_values(message: str) -> str:
    """A message without the key values the database quotes in it, so like errors count together."""
    message = re.sub(r'"[^"]*"', '"…"', message)
    return re.sub(r"\(([^()=]*)\)=\([^()]*\)", r"(\1)=(…)", message)  # PostgreSQL's "Key (a)=(1)"


_current = threading.local()  # the action kind a thread is performing, for the conflict count


@contextmanager
def counting_conflicts() -> Iterator[Counter]:
    """Count the write conflicts ``pdsa.core.db.write`` retries, by action kind and message.

    ``write`` pauses before each retry, inside the ``except`` that caught the conflict (on
    either engine, and for a store's ``ConcurrentInsert``); wrapping ``_pause`` for the run
    counts every retried conflict, with its message, without touching the code under test.
    """
    counts: Counter = Counter()
    lock = threading.Lock()
    original = core_db._pause

    def counting(*args, **kwargs):
        exc = sys.exc_info()[1]
        text = str(exc).strip() if exc is not None else ""
        message = _without_values(text.splitlines()[0] if text else type(exc).__name__)
        with lock:
            counts[(getattr(_current, "kind", "?"), message)] += 1
        return original(*args, **kwargs)

    core_db._pause = counting
    try:
        yield counts
    finally:
        core_db._pause = original


def _thread(con, shared: Shared, thread: int, actions_per_thread: int, seed: int,
            start: threading.Barrier, outcomes: list[Outcome]) -> None:
    cur = con.cursor()
    # an administrator may do every action (the permission table is not what is stressed here)
    actor = Actor(user_id=None, name=f"thread {thread}", roles=frozenset({"administrator"}))
    rng = random.Random(seed * 1_000 + thread)
    start.wait(timeout=60)
    try:
        for index in range(actions_per_thread):
            kind = rng.choice(list(KINDS))
            step = Step(cur, actor, shared, thread, index, rng, actions_per_thread)
            outcome = Outcome(thread, index, kind, ACKNOWLEDGED, step.marker)
            _current.kind = kind
            try:
                outcome.ack = KINDS[kind](step)
            except StaleEdit as exc:
                outcome.status, outcome.stale_version = STALE, exc.current_version
            except WriteConflict as exc:
                outcome.status, outcome.error = WRITE_CONFLICT, str(exc)
            except Exception as exc:  # noqa: BLE001 — every other error is a finding
                outcome.status = ERROR
                outcome.error = f"{type(exc).__module__}.{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"
                outcome.trace = traceback.format_exc()
            outcome.based_on = step.based_on
            outcomes.append(outcome)
    finally:
        cur.close()


def _shared_of(con) -> Shared:
    cur = con.cursor()
    try:
        return find_shared(cur)
    finally:
        cur.close()


def run_stress(con, *, threads: int = 20, actions_per_thread: int = 200, seed: int = 6,
               shared: Shared | None = None, first_thread: int = 0,
               go: Callable[[], None] | None = None) -> StressRun:
    """``threads`` threads, each with a cursor of ``con`` (a DuckDB connection or a
    ``PgDatabase``), perform their actions at once. ``first_thread`` numbers them after those
    of other processes; ``go``, when given, is waited on once every thread is ready."""
    shared = shared or _shared_of(con)
    per_thread: list[list[Outcome]] = [[] for _ in range(threads)]
    crashed: list[str] = []
    start = threading.Barrier(threads + 1)

    def guarded(n: int) -> None:
        try:
            _thread(con, shared, first_thread + n, actions_per_thread, seed, start, per_thread[n])
        except BaseException:  # noqa: BLE001 — a thread that dies is a finding, not a hang
            crashed.append(f"thread {first_thread + n}: {traceback.format_exc()}")

    workers = [threading.Thread(target=guarded, args=(n,), name=f"stress-{first_thread + n}")
               for n in range(threads)]
    with counting_conflicts() as conflicts:
        for worker in workers:
            worker.start()
        if go is not None:
            go()
        start.wait(timeout=120)  # a thread that died before starting breaks it instead of hanging
        began = time.perf_counter()
        for worker in workers:
            worker.join()
        wall = time.perf_counter() - began
    outcomes = sorted((o for chunk in per_thread for o in chunk), key=lambda o: (o.thread, o.index))
    engine = getattr(con, "dialect", "duckdb")
    return StressRun(threads, actions_per_thread, seed, shared, outcomes, Counter(conflicts), wall, crashed,
                     engine=engine)


def _process_main(url: str, shared: Shared, process: int, threads: int, actions_per_thread: int, seed: int,
                  ready, go, results) -> None:
    """One app server: its own PgDatabase and ``threads`` threads; sends its StressRun back."""
    from pdsa.core.db import connect_postgres

    try:
        database = connect_postgres(url)
        try:
            def wait_for_go() -> None:
                ready.wait(timeout=120)
                go.wait(timeout=120)

            run = run_stress(database, threads=threads, actions_per_thread=actions_per_thread, seed=seed,
                             shared=shared, first_thread=process * threads, go=wait_for_go)
        finally:
            database.close()
        results.put((process, run, None))
    except BaseException:  # noqa: BLE001 — said by the parent
        results.put((process, None, traceback.format_exc()))


def run_stress_processes(url: str, *, processes: int = 4, threads: int = 5, actions_per_thread: int = 200,
                         seed: int = 6) -> StressRun:
    """``processes`` processes (as many app servers) of ``threads`` threads each on the
    PostgreSQL database at ``url``, all released at once; one StressRun of them all. The wall
    time runs from the release to the last process's report."""
    from pdsa.core.db import connect_postgres

    database = connect_postgres(url)
    try:
        shared = _shared_of(database)
    finally:
        database.close()
    context = multiprocessing.get_context("spawn")  # no copied connections or threads
    ready, go, results = context.Barrier(processes + 1), context.Event(), context.Queue()
    workers = [context.Process(target=_process_main, name=f"stress-process-{p}",
                               args=(url, shared, p, threads, actions_per_thread, seed, ready, go, results))
               for p in range(processes)]
    main = sys.modules["__main__"]
    if main is not sys.modules[__name__]:
        # Under pytest (or after an AppTest ran the app in this process, which leaves the app's
        # script as __main__) a spawned child would first run the parent's __main__ again: stand
        # in a module without a file, so that the children import only bench.stress.
        sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        for worker in workers:
            worker.start()
    finally:
        sys.modules["__main__"] = main
    runs, crashed = [], []
    try:
        ready.wait(timeout=180)  # every process connected, its threads started
        began = time.perf_counter()
        go.set()
        for _ in range(processes):
            process, run, failure = results.get(timeout=3600)
            if failure:
                crashed.append(f"process {process}: {failure}")
            else:
                runs.append(run)
        wall = time.perf_counter() - began
    finally:
        for worker in workers:
            worker.join(timeout=60)
            if worker.is_alive():
                worker.kill()
    outcomes = sorted((o for run in runs for o in run.outcomes), key=lambda o: (o.thread, o.index))
    conflicts = sum((run.conflicts for run in runs), Counter())
    crashed += [c for run in runs for c in run.crashed_threads]
    return StressRun(processes * threads, actions_per_thread, seed, shared, outcomes, conflicts, wall, crashed,
                     processes=processes, engine="postgresql")


# --- what the database holds afterwards ----------------------------------------------------

def _json(value) -> dict:
    """An audit event's before/after: text on DuckDB, already parsed by psycopg on PostgreSQL."""
    if not value:
        return {}
    return json.loads(value) if isinstance(value, str) else value


def _events(cur: Cursor, where: str = "who LIKE 'thread %'", params: list | None = None) -> list[dict]:
    rows = cur.execute(
        "SELECT id, who, actor_id, entity, entity_id, action, before, after FROM audit_event"
        f" WHERE {where} ORDER BY id", params or []).fetchall()
    return [{"id": r[0], "who": r[1], "actor_id": r[2], "entity": r[3], "entity_id": r[4], "action": r[5],
             "before": _json(r[6]), "after": _json(r[7])} for r in rows]


def _event_key(event: dict) -> tuple:
    field_name = MARKER_FIELD.get((event["entity"], event["action"]))
    tag = event["after"].get(field_name) if field_name else json.dumps(event["after"], sort_keys=True)
    return (event["who"], event["entity"], event["entity_id"], event["action"], tag)


def expected_events(outcome: Outcome) -> list[tuple]:
    who = f"thread {outcome.thread}"
    return [(who, *event) for event in outcome.ack.events] if outcome.ack else []


def created_markers(cur: Cursor, run: StressRun) -> dict[str, Counter]:
    """kind -> how many rows carry each marker."""
    params = [run.shared.measure_id, run.shared.first_new_week]
    found = {}
    for kind, sql in CREATED_ROWS.items():
        found[kind] = Counter(r[0] for r in cur.execute(sql, params[:sql.count("?")]).fetchall())
    return found


def count_found(cur: Cursor, run: StressRun) -> int:
    """Acknowledged actions whose audit events are all there and, for creates, whose rows are."""
    remaining = Counter(_event_key(e) for e in _events(cur))
    rows = created_markers(cur, run)
    found = 0
    for outcome in run.with_status(ACKNOWLEDGED):
        keys = expected_events(outcome)
        ok = all(remaining[k] > 0 for k in keys)
        remaining.subtract(keys)
        if outcome.kind in CREATED_ROWS:
            ok = ok and rows[outcome.kind][outcome.marker] == outcome.ack.rows
        found += ok
    return found


# --- the checks: each returns what is wrong, as sentences ------------------------------------

def unexpected_errors(run: StressRun) -> list[str]:
    """Errors other than StaleEdit and WriteConflict, and threads that died."""
    return [f"{o.kind} by thread {o.thread} (#{o.index}): {o.error}" for o in run.with_status(ERROR)] + [
        f"crashed: {c}" for c in run.crashed_threads]


def check_creates(cur: Cursor, run: StressRun) -> list[str]:
    """Every acknowledged create is there exactly once (two rows for two new weeks); nothing
    an action did not acknowledge is there."""
    problems = []
    found = created_markers(cur, run)
    for kind, markers in found.items():
        wanted = {o.marker: o.ack.rows for o in run.outcomes if o.kind == kind and o.status == ACKNOWLEDGED}
        for mark, rows in wanted.items():
            if markers[mark] != rows:
                problems.append(f"{kind} {mark!r}: acknowledged, {markers[mark]} rows found, {rows} expected")
        for mark in set(markers) - set(wanted):
            status = next((o.status for o in run.outcomes if o.marker == mark), "never attempted")
            problems.append(f"{kind} {mark!r}: {markers[mark]} rows found, but the action was {status}")
    return problems


def check_audit(cur: Cursor, run: StressRun) -> list[str]:
    """The threads' audit events match the acknowledged actions one to one: same actor name,
    entity, id, action and marker; no event for an action that was refused or failed."""
    events = _events(cur)
    actual = Counter(_event_key(e) for e in events)
    expected = Counter(k for o in run.with_status(ACKNOWLEDGED) for k in expected_events(o))
    problems = [f"missing audit event {k} ({n}x)" for k, n in (expected - actual).items()]
    problems += [f"audit event without an acknowledged action {k} ({n}x)" for k, n in (actual - expected).items()]
    problems += [f"audit event {e['id']} names user id {e['actor_id']}, the actor had none"
                 for e in events if e["actor_id"] is not None]
    return problems


def _edit_history(cur: Cursor, entity: str, entity_id: int, field_name: str) -> list[tuple]:
    """(before, after) of the field in every update event of the row that changed it, in order."""
    return [(e["before"].get(field_name), e["after"].get(field_name))
            for e in _events(cur, "entity = ? AND entity_id = ? AND action = 'update'", [entity, entity_id])
            if field_name in e["after"]]


def _check_chain(what: str, start: object, history: list[tuple], stored: object) -> list[str]:
    """Each saved edit started from what the previous one left (nothing overwritten unseen),
    and the row holds what the last one wrote."""
    problems, previous = [], start
    for number_, (before, after) in enumerate(history, start=1):
        if before != previous:
            problems.append(f"{what}: edit {number_} overwrote {before!r}, but the value was {previous!r}"
                            " (lost update)")
        previous = after
    if stored != previous:
        problems.append(f"{what}: holds {stored!r}, the last saved edit wrote {previous!r}")
    return problems


def check_edits(cur: Cursor, run: StressRun) -> list[str]:
    """Edits of the shared cycle, measure and project: each was saved or refused as stale;
    a refused edit's value is nowhere; the version went up once per saved edit; no edit
    overwrote another unseen. Re-entered points: the last saved value stands, none lost."""
    s, problems = run.shared, []
    rows = {
        "edit_cycle": ("pdsa_cycle", s.cycle_id, "do_what_happened", s.cycle_before),
        "chart_settings": ("measure", s.measure_id, "target", s.measure_before),
        "project_status": ("project", s.project_id, "status", s.project_before),
    }
    for kind, (table, row_id, field_name, before) in rows.items():
        what = f"{table} {row_id}"
        tried = [o for o in run.outcomes if o.kind == kind]
        saved = [o for o in tried if o.status == ACKNOWLEDGED]
        refused = [o for o in tried if o.status == STALE]
        version, stored = cur.execute(f"SELECT version, {field_name} FROM {table} WHERE id = ?", [row_id]).fetchone()
        if version != before["version"] + len(saved):
            problems.append(f"{what}: version {version}, expected {before['version']} + {len(saved)} saved edits")
        for o in refused:
            if o.based_on is None or o.stale_version is None or o.stale_version <= o.based_on:
                problems.append(f"{what}: thread {o.thread} #{o.index} was refused as stale, read version "
                                f"{o.based_on}, told the row is at {o.stale_version}")
        history = _edit_history(cur, table, row_id, field_name)
        if kind != "project_status":  # markers: a refused edit's value must be nowhere
            written = {after for _, after in history} | {stored}
            values = {o.marker if kind == "edit_cycle" else number(o.thread, o.index): o for o in refused}
            problems += [f"{what}: the refused edit of thread {o.thread} #{o.index} was saved ({value!r})"
                         for value, o in values.items() if value in written]
        problems += _check_chain(what, before["value"], history, stored)
    for period, point_id in sorted(s.reentry_point_ids.items()):
        history = _edit_history(cur, "data_point", point_id, "value")
        if not history:
            continue
        first = _events(cur, "entity = 'data_point' AND entity_id = ? AND action = 'create'", [point_id])
        stored = cur.execute("SELECT value FROM data_point WHERE id = ?", [point_id]).fetchone()[0]
        problems += _check_chain(f"data point {period}", first[0]["after"]["value"], history, stored)
    return problems


def check_positions(cur: Cursor, run: StressRun) -> list[str]:
    """Team-member and step positions are unique and run 1..n, n = before + acknowledged adds."""
    s, problems = run.shared, []
    added = Counter(o.kind for o in run.with_status(ACKNOWLEDGED))
    members = [r[0] for r in cur.execute(
        "SELECT position FROM team_member WHERE project_id = ? ORDER BY position", [s.project_id]).fetchall()]
    if members != list(range(1, s.team_size + added["team_member"] + 1)):
        problems.append(f"team positions {members[:5]}… ({len(members)} members) are not 1..{s.team_size} + "
                        f"{added['team_member']} added, each once")
    steps = cur.execute(
        "SELECT o.position, o.step_id FROM pathway_step s LEFT JOIN pathway_step_position o ON o.step_id = s.id"
        " WHERE s.pathway_id = ? ORDER BY o.position", [s.pathway_id]).fetchall()
    positions = [r[0] for r in steps]
    if positions != list(range(1, s.step_count + added["pathway_step"] + 1)):
        problems.append(f"step positions {positions[:5]}… ({len(steps)} steps) are not 1..{s.step_count} + "
                        f"{added['pathway_step']} added, each once")
    return problems


CHECKS: dict[str, Callable[[Cursor, StressRun], list[str]]] = {
    "every acknowledged create there once, nothing else": check_creates,
    "audit events one to one with acknowledged actions": check_audit,
    "stale edits refused, no edit lost": check_edits,
    "positions unique and contiguous": check_positions,
    "no unexpected errors": lambda cur, run: unexpected_errors(run),
}


# --- the figures --------------------------------------------------------------------------

def figures(cur: Cursor, run: StressRun) -> dict[str, object]:
    return {
        "attempted": len(run.outcomes),
        "acknowledged": len(run.with_status(ACKNOWLEDGED)),
        "found": count_found(cur, run),
        "conflicts retried": run.conflicts_retried,
        "refused as stale": len(run.with_status(STALE)),
        "write conflicts (retries ran out)": len(run.with_status(WRITE_CONFLICT)),
        "errors": len(run.with_status(ERROR)) + len(run.crashed_threads),
        "wall time": f"{run.wall_seconds:.1f} s",
    }


def report(cur: Cursor, run: StressRun) -> str:
    if run.processes > 1:
        how = (f"{run.engine}: {run.processes} processes x {run.threads // run.processes} threads x "
               f"{run.actions_per_thread} actions, seed {run.seed}, one database, a connection per thread")
    else:
        how = (f"{run.engine}: {run.threads} threads x {run.actions_per_thread} actions, seed {run.seed}, "
               "one connection, a cursor per thread")
    lines = [how, ""]
    lines += [f"{name:<34} {value}" for name, value in figures(cur, run).items()]
    statuses = (ACKNOWLEDGED, STALE, WRITE_CONFLICT, ERROR)
    lines += ["", f"{'per action kind':<16}{'attempted':>10}" + "".join(f"{s:>18}" for s in statuses)
              + f"{'conflicts retried':>19}"]
    by_kind = Counter((o.kind, o.status) for o in run.outcomes)
    conflicts_by_kind = Counter()
    for (kind, _), n in run.conflicts.items():
        conflicts_by_kind[kind] += n
    for kind in KINDS:
        attempted = sum(by_kind[(kind, s)] for s in statuses)
        lines.append(f"{kind:<16}{attempted:>10}" + "".join(f"{by_kind[(kind, s)]:>18}" for s in statuses)
                     + f"{conflicts_by_kind[kind]:>19}")
    lines += ["", "conflicts retried, by message:"]
    by_message = Counter()
    for (_, message), n in run.conflicts.items():
        by_message[message] += n
    lines += [f"  {n:>6}  {message}" for message, n in by_message.most_common()]
    errors = Counter(_without_values(o.error) for o in run.with_status(ERROR))
    if errors:
        lines += ["", "errors:"] + [f"  {n:>6}  {error}" for error, n in errors.most_common(10)]
    return "\n".join(lines)


def run_checks(cur: Cursor, run: StressRun) -> int:
    """Print every check's verdict and its first problems; the number of checks that failed."""
    failed = 0
    print("\nchecks:")
    for name, check in CHECKS.items():
        problems = check(cur, run)
        failed += bool(problems)
        verdict = f"FAIL  {name} ({len(problems)})" if problems else f"ok    {name}"
        print(f"  {verdict}")
        for problem in problems[:8]:
            print(f"          {problem}")
    return failed


def database_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url`` (same role and password)."""
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


@contextmanager
def new_postgres_database(server_url: str, name: str, *, keep: bool = False) -> Iterator[str]:
    """A new, empty database on the server (the role must be allowed to create databases), its
    URL; dropped afterwards unless ``keep``."""
    import psycopg

    admin = psycopg.connect(server_url, autocommit=True, connect_timeout=10)
    try:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
        try:
            yield database_url(server_url, name)
        finally:
            if not keep:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        admin.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=20, help="threads (per process on PostgreSQL)")
    parser.add_argument("--actions", type=int, default=200, help="actions per thread")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--db", help="a new DuckDB file (default: one in a temporary folder), or "
                                     "postgresql://user:password@host:port/any: the server to create the run's "
                                     "database on")
    parser.add_argument("--processes", type=int, default=1,
                        help="PostgreSQL only: processes, each with --threads threads, on the one database")
    parser.add_argument("--keep", action="store_true", help="PostgreSQL: keep the run's database afterwards")
    args = parser.parse_args(argv)

    from actions.demo import load_demo

    if args.db is not None and is_postgres_url(args.db):
        name = f"pdsa_stress_{os.getpid()}"
        print(f"PostgreSQL: database {name} on {without_password(database_url(args.db, ''))}"
              + (" (kept)" if args.keep else ""), flush=True)
        with new_postgres_database(args.db, name, keep=args.keep) as url:
            database = core_db.connect_postgres(url)
            try:
                load_demo(database.cursor())
            finally:
                database.close()
            if args.processes > 1:
                run = run_stress_processes(url, processes=args.processes, threads=args.threads,
                                           actions_per_thread=args.actions, seed=args.seed)
            else:
                database = core_db.connect_postgres(url)
                try:
                    run = run_stress(database, threads=args.threads, actions_per_thread=args.actions, seed=args.seed)
                finally:
                    database.close()
            database = core_db.connect_postgres(url)
            try:
                cur = database.cursor()
                print(report(cur, run))
                failed = run_checks(cur, run)
            finally:
                database.close()
        return 1 if failed else 0

    if args.processes != 1:
        parser.error("--processes needs a PostgreSQL --db: DuckDB lets one process hold the file")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.db) if args.db else Path(folder) / "stress.duckdb"
        if path.exists():
            parser.error(f"{path} exists; name a new file")
        con = core_db.connect(path)
        try:
            with con.cursor() as cur:
                load_demo(cur)
            run = run_stress(con, threads=args.threads, actions_per_thread=args.actions, seed=args.seed)
            with con.cursor() as cur:
                print(report(cur, run))
                failed = run_checks(cur, run)
        finally:
            con.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
