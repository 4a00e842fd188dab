"""The leaders' overview at the scale of a region, on DuckDB and on PostgreSQL (issue 12).

    python bench/region.py                          # both engines, 1,000 projects, 1,000,000 points
    python bench/region.py --engine duckdb --scale 0.1
    python bench/region.py --rebuild                # build the databases again
    python bench/region.py --profile 25             # also profile the portfolio's first render

**The database.** 1,000 projects (x ``--scale``) on 12 pathways, 40 units in four sectors and 8
themes; per project 4 team members (lead, member, patient partner, sponsor), 3 progress scores,
2 primary and 4 secondary drivers, 2 change ideas, 8 PDSA cycles in a ramp (five acted on with
adopt/adapt/abandon, one being studied, one being done, one planned; each judged by the key
measure), 3 problems (two linked to the project) and 2 observations; and 10 measures, 10,000 in
all, with 40-160 points each (1,000,000 in all). The measures go round every chart the app
offers: p, pp and run (proportions), u and up (rates), c and run (counts), i, i with Making Data
Count rules and a target, mr (measured values), t (days between events) and g (cases between);
weekly, monthly and (events) daily; a level shift half-way in a third of them, one point in
fifty excluded, one measure in seven with a frozen baseline and one in nine split in two, one in
thirteen stale (no data for its last six periods), some targets. Every value is arithmetic on
the measure's and the point's number, so both engines hold the same data.

It is built with bulk SQL (``INSERT … SELECT … FROM generate_series``, the same text on both
engines) into a database migrated by the app's own migrations, in a process of its own. The
audit trail gets one "create" event per project (not per generated row); the users are made
through the store: a leader ("Regional leder") and an administrator. The DuckDB file stays in
``--dir`` (default /tmp/pdsa-region) and the PostgreSQL database (``pdsa_region_<scale>`` on
the server of ``PDSA_TEST_POSTGRES``) stays too: a later run reuses them (``--rebuild`` builds
them again).

**The measurements**, per engine, in a fresh process (the "app process") that opens the pages
with Streamlit's ``AppTest`` on ``streamlit_app.py`` as a signed-in leader, exactly as a browser
session runs them, timing the page script's thread (callbacks, script, reruns: the server's
time, without AppTest's parsing of the result):

* ``start``: the first page of the process (imports, opening the database: the home page);
* ``portfolio first``: the overview/portfolio page, first time in the process (no cache warm);
  the evaluation the app keeps in the database is deleted first, so the region is evaluated
  afresh as on the very first start; with ``--stored`` it is kept from the last run, and the
  first render starts from it as a restarted server does;
* ``portfolio next``: another leader opening it after that;
* ``filter``: the same session after choosing a filter (the first filter widget on the page:
  a multiselect or selectbox whose key names a pathway, unit, sector, theme, status or signal);
* ``sort``: the same session after changing the sort widget (a key containing "sort");
* ``project``: a project's page (the project summary page if the app has one), a new session;
* ``10 leaders``: ten new sessions opening the portfolio at the same moment, each AppTest in
  its own thread of the one app process (a barrier starts them together); the slowest and the
  median session. Streamlit runs each browser session's script in a thread of one server
  process, so ten AppTests in threads load the server as ten browsers do (the same scripts on
  one interpreter and one database connection), without a browser's rendering or the
  WebSocket's transfer, which are not server time. Measured twice: with the caches as the
  first leaders left them, and right after a measure's data are saved (through the action,
  as a team would), which must refresh whatever is cached;
* ``peak memory``: the app process's peak resident set (``ru_maxrss``), beside its size after
  ``start``.

Targets (issue 12, this 2-core machine): first render ≤ 2 s, filter or sort ≤ 0.3 s, project
page ≤ 1 s, each of the 10 simultaneous leaders ≤ 5 s, peak memory ≤ 500 MB on DuckDB. The last
line holds every figure of every engine.
"""

from __future__ import annotations

import argparse
import json
import re
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_URL = os.environ.get("PDSA_TEST_POSTGRES", "postgresql://pdsa:pdsa@localhost:5432/postgres")
APP = ROOT / "streamlit_app.py"
LEADER, ADMIN = "region-leader", "region-admin"
TARGETS = {"first": 2.0, "filter": 0.3, "sort": 0.3, "project": 1.0, "leaders": 5.0, "memory_mb": 500}
MARK = "bench_region"  # database_mark: the parameters of a complete build

MEASURES_PER_PROJECT = 10
PATHWAYS, UNITS, THEMES, STEPS = 12, 40, 8, 6
# slot = (measure id - 1) % 12: data type, chart, period, rules
SLOTS = [
    ("proportion", "p", "week", "anhoej"),
    ("proportion", "pp", "week", "anhoej"),
    ("proportion", "run", "month", "anhoej"),
    ("rate", "u", "week", "anhoej"),
    ("rate", "up", "month", "anhoej"),
    ("count", "c", "week", "anhoej"),
    ("count", "run", "week", "anhoej"),
    ("continuous", "i", "week", "anhoej"),
    ("continuous", "i", "week", "mdc"),
    ("continuous", "mr", "month", "anhoej"),
    ("days_between", "t", "day", "anhoej"),
    ("cases_between", "g", "day", "anhoej"),
]
SECTORS = ("hospital", "municipality", "general_practice", "region")


# --- building -------------------------------------------------------------------------------

def _case(expr: str, values: list[str]) -> str:
    return f"CASE {expr} " + " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(values)) + " END"


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def fill_sql(projects: int, today: date) -> list[str]:
    """The statements that fill a migrated, empty database (the same text on both engines).

    Project p has id p, measure k id k (project 1 + (k - 1) // 10), and so on: every id is
    arithmetic, so the links between the tables need no look-ups.
    """
    measures = projects * MEASURES_PER_PROJECT
    last_monday = today - timedelta(days=today.weekday() + 7)  # the last whole week
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # the last whole month
    yesterday = today - timedelta(days=1)
    themes = ["Sammenhængende udskrivelse", "Færre genindlæggelser", "Patienten som partner", "Tryg overgang til eget hjem",
              "Rettidig behandling", "Færre tryksår og fald", "Mental sundhed i nærmiljøet", "Sikker medicinering"]
    sectors = [_q(s) for s in SECTORS]
    sql = [
        "INSERT INTO unit (id, name, sector) SELECT i, 'Enhed ' || CAST(i AS VARCHAR), "
        + _case("i % 4", sectors) + f" FROM generate_series(1, {UNITS}) AS g(i)",
        "INSERT INTO pathway (id, name, description) SELECT i, 'Forløb ' || CAST(i AS VARCHAR),"
        " 'Patientforløb på tværs af sektorer nr. ' || CAST(i AS VARCHAR)"
        f" FROM generate_series(1, {PATHWAYS}) AS g(i)",
        "INSERT INTO pathway_step (id, pathway_id, name, sector, unit_id)"
        f" SELECT i, 1 + (i - 1) / {STEPS}, 'Trin ' || CAST(1 + (i - 1) % {STEPS} AS VARCHAR), "
        + _case("i % 4", sectors) + f", 1 + i % {UNITS} FROM generate_series(1, {PATHWAYS * STEPS}) AS g(i)",
        "INSERT INTO pathway_step_position (pathway_id, position, step_id)"
        f" SELECT 1 + (i - 1) / {STEPS}, 1 + (i - 1) % {STEPS}, i FROM generate_series(1, {PATHWAYS * STEPS}) AS g(i)",
        "INSERT INTO theme (id, name, goal) VALUES " + ", ".join(
            f"({i}, {_q(name)}, {_q('80 % af borgerne oplever: ' + name.lower())})" for i, name in enumerate(themes, 1)),
        # projects: every third without a theme; statuses mostly active
        "INSERT INTO project (id, title, pathway_id, aim_what, aim_how_much, aim_by_when, theme_id, status, start_date)"
        " SELECT p, 'Projekt ' || CAST(p AS VARCHAR) || ': bedre overgange', 1 + p % 12,"
        " 'Flere patienter udskrives med en aftalt plan', 'fra 50 % til 80 %',"
        f" DATE '{today.year + 1}-06-30', CASE WHEN p % 3 = 0 THEN NULL ELSE 1 + p % 8 END, "
        + _case("p % 10", ["'planning'", "'active'", "'active'", "'active'", "'active'", "'active'",
                           "'sustaining'", "'sustaining'", "'completed'", "'stopped'"])
        + f", DATE '{today.year - 3}-01-05' + p % 700 FROM generate_series(1, {projects}) AS g(p)",
        f"INSERT INTO project_unit (project_id, unit_id) SELECT p, 1 + p % {UNITS} FROM generate_series(1, {projects}) AS g(p)",
        f"INSERT INTO project_unit (project_id, unit_id) SELECT p, 1 + (p + 17) % {UNITS}"
        f" FROM generate_series(1, {projects}) AS g(p) WHERE p % 2 = 0",
        "INSERT INTO team_member (id, project_id, position, name, discipline, sector, role)"
        " SELECT i, 1 + (i - 1) / 4, 1 + (i - 1) % 4, 'Person ' || CAST(i AS VARCHAR), "
        + _case("(i - 1) % 4", ["'Sygeplejerske'", "'Læge'", "NULL", "'Chef'"]) + ", "
        + _case("i % 4", sectors) + ", "
        + _case("(i - 1) % 4", ["'lead'", "'member'", "'patient_partner'", "'sponsor'"])
        + f" FROM generate_series(1, {projects * 4}) AS g(i)",
        "INSERT INTO progress_score (id, project_id, scored_on, score, comment)"
        f" SELECT i, 1 + (i - 1) / 3, DATE '{today - timedelta(days=300)}' + 90 * ((i - 1) % 3),"
        " 1 + ((i + (i - 1) % 3) % 8) / 2.0, NULL"
        f" FROM generate_series(1, {projects * 3}) AS g(i)",
        # drivers: per project ids 6(p-1)+1..+2 primary, +3..+6 secondary under them
        "INSERT INTO driver (id, project_id, kind, text, parent_id, position)"
        " SELECT i, 1 + (i - 1) / 6, CASE WHEN (i - 1) % 6 < 2 THEN 'primary' ELSE 'secondary' END,"
        " 'Drivkraft ' || CAST(i AS VARCHAR),"
        " CASE WHEN (i - 1) % 6 < 2 THEN NULL ELSE 6 * ((i - 1) / 6) + 1 + (i - 1) % 2 END,"
        " CASE WHEN (i - 1) % 6 < 2 THEN 1 + (i - 1) % 6 ELSE 1 + CAST(floor(((i - 1) % 6 - 2) / 2) AS INTEGER) END"
        f" FROM generate_series(1, {projects * 6}) AS g(i)",
        "INSERT INTO change_idea (id, project_id, text, description)"
        " SELECT i, 1 + (i - 1) / 2, 'Ændringsidé ' || CAST(i AS VARCHAR), 'Vi afprøver en ny tjekliste'"
        f" FROM generate_series(1, {projects * 2}) AS g(i)",
        "INSERT INTO change_idea_driver (change_idea_id, driver_id)"
        " SELECT i, 6 * ((i - 1) / 2) + 3 + (i - 1) % 2 FROM generate_series(1, " + str(projects * 2) + ") AS g(i)",
        # measures: the slot decides data type, chart, period and rules; the first of a project is its key
        "INSERT INTO measure (id, project_id, name, kind, definition, data_type, period, direction, target, unit,"
        " is_key, chart, rules, freeze_until)"
        f" SELECT k, 1 + (k - 1) / {MEASURES_PER_PROJECT}, 'Indikator ' || CAST(k AS VARCHAR),"
        " CASE k % 3 WHEN 0 THEN 'outcome' WHEN 1 THEN 'process' ELSE 'balancing' END,"
        " 'Optælles hver periode', "
        + _case("(k - 1) % 12", [_q(s[0]) for s in SLOTS]) + ", "
        + _case("(k - 1) % 12", [_q(s[2]) for s in SLOTS]) + ","
        " CASE WHEN k % 2 = 0 THEN 'up' ELSE 'down' END,"
        " CASE WHEN (k - 1) % 12 = 8 THEN 48.0 WHEN (k - 1) % 12 = 0 AND k % 5 = 1 THEN 0.7 END,"
        " NULL, (k - 1) % 10 = 0, "
        + _case("(k - 1) % 12", [_q(s[1]) for s in SLOTS]) + ", "
        + _case("(k - 1) % 12", [_q(s[3]) for s in SLOTS]) + ", NULL"
        f" FROM generate_series(1, {measures}) AS g(k)",
    ]
    # n points for measure k: 40 + (37k mod 121), 100 on average; point j = 1..n, oldest first;
    # the last one in the last whole period, or six periods earlier for one measure in thirteen
    n = "(40 + (k * 37) % 121)"
    stale = "(CASE WHEN k % 13 = 0 THEN 6 ELSE 0 END)"
    back = f"({n} - j + {stale})"  # periods before the last whole one
    shift = f"(CASE WHEN k % 3 = 0 AND j > CAST(floor({n} / 2) AS INTEGER) THEN 1 ELSE 0 END)"
    period = (
        f"CASE m.period WHEN 'week' THEN DATE '{last_monday}' - 7 * {back}"
        f" WHEN 'month' THEN CAST(DATE '{last_month}' - {back} * INTERVAL '1 month' AS DATE)"
        f" ELSE DATE '{yesterday}' - (4 * {back} + (j * k) % 4) END"
    )
    sql.append(
        "INSERT INTO data_point (id, measure_id, period, event_no, value, numerator, denominator, note, excluded,"
        " entered_by)"
        f" SELECT 160 * (k - 1) + j, k, {period}, 0,"
        " CASE WHEN m.data_type = 'count' THEN 5 + (j * 37 + k * 11) % 13 + 4 * " + shift
        + " WHEN m.data_type = 'continuous' THEN 40 + k % 17 + ((j * 37 + k * 11) % 23) / 2.0 + 8 * " + shift
        + " WHEN m.data_type = 'cases_between' THEN (j * 7 + k) % 40 + 10 * " + shift + " END,"
        " CASE WHEN m.data_type = 'proportion' THEN floor((CASE WHEN m.chart = 'pp' THEN 400 ELSE 20 END"
        "   + (j * 13 + k * 7) % 31) * (50 + (j * 17 + k) % 30 + 10 * " + shift + ") / 100.0)"
        "  WHEN m.data_type = 'rate' THEN (j * 13 + k * 7) % 11 + 3 * " + shift + " END,"
        " CASE WHEN m.data_type = 'proportion' THEN (CASE WHEN m.chart = 'pp' THEN 400 ELSE 20 END) + (j * 13 + k * 7) % 31"
        "  WHEN m.data_type = 'rate' THEN 300 + (j * 29 + k) % 120 END,"
        " CASE WHEN j % 25 = 0 THEN 'Ny procedure indført' END,"
        " (j * 7 + k) % 50 = 0 AND m.data_type NOT IN ('days_between'), 'bench'"
        f" FROM measure m, generate_series(1, 160) AS h(j), (SELECT m2.id AS k FROM measure m2) AS mk"
        f" WHERE mk.k = m.id AND j <= {n}"
    )
    sql += [
        f"UPDATE measure SET freeze_until = ({_first_period('measure.period', last_monday, last_month, yesterday, 25)})"
        " WHERE id % 7 = 3",
        "INSERT INTO measure_split (measure_id, starts_on, note)"
        f" SELECT id, {_first_period('period', last_monday, last_month, yesterday, 55)}, 'Ny arbejdsgang'"
        " FROM measure WHERE id % 9 = 4",
        # cycles: per project 8 in a ramp; 1-5 acted on, 6 studied, 7 being done, 8 planned
        "INSERT INTO pdsa_cycle (id, project_id, change_idea_id, parent_id, title, cycle_number, plan_objective,"
        " plan_questions, plan_predictions, plan_who, plan_what, plan_where, plan_when, plan_data_collection,"
        " do_start, do_end, do_what_happened, study_results, study_learning, act_decision, act_next_step)"
        " SELECT c, 1 + (c - 1) / 8, 2 * ((c - 1) / 8) + 1 + (c - 1) % 2,"
        " CASE WHEN (c - 1) % 8 = 0 THEN NULL ELSE c - 1 END,"
        " 'Afprøvning ' || CAST(1 + (c - 1) % 8 AS VARCHAR), 1 + (c - 1) % 8,"
        " 'Afprøve tjeklisten ved udskrivelse', 'Virker tjeklisten?', 'Halvdelen bruger den', 'Sygeplejersker',"
        " 'Tjekliste ved udskrivelse', 'Afsnit A', 'Næste uge', 'Optælling på tavlen',"
        f" CASE WHEN (c - 1) % 8 < 7 THEN DATE '{today}' - 14 * (8 - (c - 1) % 8) - (c % 5) END,"
        f" CASE WHEN (c - 1) % 8 < 6 THEN DATE '{today}' - 14 * (8 - (c - 1) % 8) - (c % 5) + 7 END,"
        " CASE WHEN (c - 1) % 8 < 7 THEN 'Gennemført på dagvagt' END,"
        " CASE WHEN (c - 1) % 8 < 6 THEN 'Brugt ved 14 af 20 udskrivelser' END,"
        " CASE WHEN (c - 1) % 8 < 6 THEN 'Tjeklisten virker, når den ligger ved medicinkortet' END,"
        " CASE WHEN (c - 1) % 8 < 5 THEN " + _case("c % 3", ["'adopt'", "'adapt'", "'abandon'"]) + " END,"
        " CASE WHEN (c - 1) % 8 < 5 THEN 'Afprøv på nattevagt' END"
        f" FROM generate_series(1, {projects * 8}) AS g(c)",
        f"INSERT INTO cycle_measure (cycle_id, measure_id) SELECT c, {MEASURES_PER_PROJECT} * ((c - 1) / 8) + 1"
        f" FROM generate_series(1, {projects * 8}) AS g(c)",
        "INSERT INTO problem (id, title, description, pathway_id, step_id, source, reported_by_role, reported_on,"
        " status, impact, effort)"
        " SELECT i, 'Problem ' || CAST(i AS VARCHAR) || ': medicinlisten mangler ved udskrivelse',"
        " 'Set på afsnittet', 1 + (1 + (i - 1) / 3) % 12,"
        f" {STEPS} * ((1 + (i - 1) / 3) % 12) + 1 + i % {STEPS}, "
        + _case("i % 6", ["'staff'", "'patient_or_relative'", "'complaint'", "'incident_report'", "'audit'",
                          "'other'"])
        + f", 'Sygeplejerske', DATE '{today}' - i % 400, "
        + _case("i % 5", ["'new'", "'triaged'", "'being_tested'", "'solved'", "'not_pursued'"])
        + f", 1 + i % 5, 1 + (i * 3) % 5 FROM generate_series(1, {projects * 3}) AS g(i)",
        "INSERT INTO problem_project (problem_id, project_id) SELECT i, 1 + (i - 1) / 3"
        f" FROM generate_series(1, {projects * 3}) AS g(i) WHERE (i - 1) % 3 < 2",
        "INSERT INTO observation (id, text, kind, author_role, observed_on, pathway_id, project_id, cycle_id)"
        " SELECT i, 'Patienten fortalte, at hun ikke vidste, hvem hun skulle ringe til', "
        + _case("i % 3", ["'experience'", "'suggestion'", "'concern'"])
        + f", 'Patientrepræsentant', DATE '{today}' - i % 200, 1 + (1 + (i - 1) / 2) % 12, 1 + (i - 1) / 2,"
        " 8 * ((i - 1) / 2) + 1"
        f" FROM generate_series(1, {projects * 2}) AS g(i)",
        "INSERT INTO audit_event (id, who, entity, entity_id, action, after)"
        " SELECT p, 'bench', 'project', p, 'create', CAST('{\"title\": \"Projekt ' || CAST(p AS VARCHAR) || '\"}' AS JSON)"
        f" FROM generate_series(1, {projects}) AS g(p)",
    ]
    # integer division: "/" divides whole numbers into whole numbers on PostgreSQL, into decimals on DuckDB
    # and generate_series gives BIGINT on DuckDB, which date arithmetic refuses: INTEGER on both
    sql = [re.sub(r"\(([a-z]) - 1\) / (\d+|\{\w+\})", r"CAST(floor((\1 - 1) / \2) AS INTEGER)", s) for s in sql]
    return [re.sub(r"generate_series\(1, (\d+)\) AS (\w)\((\w)\)",
                   r"(SELECT CAST(x AS INTEGER) AS \3 FROM generate_series(1, \1) AS s(x)) AS \2", s) for s in sql]


def _first_period(column: str, last_monday: date, last_month: date, yesterday: date, after: int) -> str:
    """The period ``after`` points into measure ``id``'s series (as fill_sql lays them out)."""
    back = f"(40 + (id * 37) % 121 - {after} + CASE WHEN id % 13 = 0 THEN 6 ELSE 0 END)"
    return (f"CASE {column} WHEN 'week' THEN DATE '{last_monday}' - 7 * {back}"
            f" WHEN 'month' THEN CAST(DATE '{last_month}' - {back} * INTERVAL '1 month' AS DATE)"
            f" ELSE DATE '{yesterday}' - 4 * {back} END")


SEQUENCES = {
    "unit_id_seq": "unit", "pathway_id_seq": "pathway", "pathway_step_id_seq": "pathway_step", "theme_id_seq": "theme",
    "project_id_seq": "project", "team_member_id_seq": "team_member", "progress_score_id_seq": "progress_score",
    "driver_id_seq": "driver", "change_idea_id_seq": "change_idea", "measure_id_seq": "measure",
    "data_point_id_seq": "data_point", "pdsa_cycle_id_seq": "pdsa_cycle", "problem_id_seq": "problem",
    "observation_id_seq": "observation", "audit_event_id_seq": "audit_event",
}


def _move_sequences(cur, dialect: str) -> None:
    """The explicit ids bypassed the sequences: move each past its table's largest id."""
    for sequence, table in SEQUENCES.items():
        top = cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]
        if dialect == "postgresql":
            if top:
                cur.execute(f"SELECT setval('{sequence}', {top})")
        else:  # DuckDB has no setval: draw the numbers
            now = cur.execute(f"SELECT nextval('{sequence}')").fetchone()[0]
            if top > now:
                cur.execute(f"SELECT max(nextval('{sequence}')) FROM range({top - now})").fetchone()


def build(engine: str, target: str, projects: int) -> dict:
    """Fill a new database at ``target`` (a DuckDB file or a PostgreSQL URL); returns counts."""
    from pdsa.core.audit import Author, acting_as
    from pdsa.core.db import connect, connect_postgres, write
    from pdsa.store.users import add_user, set_mark

    began = time.perf_counter()
    con = connect_postgres(target) if engine == "postgres" else connect(Path(target))
    cur = con.cursor()
    dialect = "postgresql" if engine == "postgres" else "duckdb"
    statements = fill_sql(projects, date.today())

    def fill(c):
        for statement in statements:
            c.execute(statement)

    write(cur, fill)
    _move_sequences(cur, dialect)
    with acting_as(Author(user_id=None, name="bench/region.py")):
        add_user(cur, LEADER, "Regional leder", password_hash=None, roles={"leader"})
        add_user(cur, ADMIN, "Regional administrator", password_hash=None, roles={"administrator"})
    counts = {table: cur.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
              for table in ("project", "measure", "data_point", "pdsa_cycle", "problem", "measure_split")}
    counts["frozen"] = cur.execute("SELECT count(*) FROM measure WHERE freeze_until IS NOT NULL").fetchone()[0]
    with acting_as(Author(user_id=None, name="bench/region.py")):
        set_mark(cur, MARK, json.dumps({"projects": projects}))
    if dialect == "postgresql":
        cur.execute("ANALYZE")
    else:
        cur.execute("CHECKPOINT")
    cur.close()
    con.close()
    counts["seconds"] = round(time.perf_counter() - began, 1)
    return counts


def _pg_url(name: str) -> str:
    return urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}"))


def _built(engine: str, target: str, projects: int) -> bool:
    """Whether ``target`` holds a complete build of this size."""
    try:
        if engine == "duckdb":
            if not Path(target).exists():
                return False
            import duckdb

            con = duckdb.connect(target, read_only=True)
        else:
            import psycopg

            con = psycopg.connect(target, connect_timeout=5)
        try:
            row = con.execute("SELECT value FROM database_mark WHERE name = %s" if engine == "postgres"
                              else "SELECT value FROM database_mark WHERE name = ?", [MARK]).fetchone()
        finally:
            con.close()
        return row is not None and json.loads(row[0]) == {"projects": projects}
    except Exception:  # noqa: BLE001 — anything missing or half-built is built again
        return False


def prepare(engine: str, folder: Path, projects: int, rebuild: bool) -> str:
    """The database for ``engine`` (built in a process of its own unless a complete one is kept)."""
    tag = f"{projects}p"
    if engine == "duckdb":
        folder.mkdir(parents=True, exist_ok=True)
        target = str(folder / f"region-{tag}.duckdb")
    else:
        target = _pg_url(f"pdsa_region_{tag}")
    if not rebuild and _built(engine, target, projects):
        print(f"{engine}: reusing {_shown(target)}", flush=True)
        return target
    if engine == "duckdb":
        for path in (Path(target), Path(target + ".wal")):
            path.unlink(missing_ok=True)
    else:
        import psycopg

        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=10)
        name = urlsplit(target).path.lstrip("/")
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {name}")
        admin.close()
    print(f"{engine}: building {_shown(target)} ...", flush=True)
    out = subprocess.run([sys.executable, __file__, "_build", "--engine", engine, "--target", target,
                          "--projects", str(projects)], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        print(out.stdout[-3000:], out.stderr[-5000:], sep="\n")
        raise SystemExit(f"{engine}: building failed")
    counts = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"{engine}: built in {counts.pop('seconds')} s: "
          + ", ".join(f"{v:,} {k}" for k, v in counts.items()), flush=True)
    return target


def _shown(target: str) -> str:
    from pdsa.core.postgres import without_password

    return without_password(target) if target.startswith("postgres") else target


# --- measuring (in the app process) ----------------------------------------------------------

class ScriptClock:
    """Wall and CPU time of each page script thread (``LocalScriptRunner._run_script``: callbacks,
    the script, any ``st.rerun``), kept per AppTest so sessions in threads are timed apart; can
    profile them."""

    def __init__(self) -> None:
        from streamlit.testing.v1.local_script_runner import LocalScriptRunner

        self.lock = threading.Lock()
        self.times: dict[int, list[float]] = {}
        self.profiler = None
        original = LocalScriptRunner._run_script
        clock = self

        def run_script(runner, *args, **kwargs):
            wall, cpu = time.perf_counter(), time.thread_time()
            profiler = clock.profiler
            if profiler is not None:
                profiler.enable()
            try:
                return original(runner, *args, **kwargs)
            finally:
                if profiler is not None:
                    profiler.disable()
                with clock.lock:
                    spent = clock.times.setdefault(id(runner.session_state), [0.0, 0.0])
                    spent[0] += time.perf_counter() - wall
                    spent[1] += time.thread_time() - cpu

        LocalScriptRunner._run_script = run_script

    def timed(self, at) -> tuple[float, float]:
        """Server wall and CPU seconds of one run of ``at``; raises when the page failed."""
        key = id(at._session_state)
        before = list(self.times.get(key, [0.0, 0.0]))
        at.run()
        if at.exception:
            error = at.exception[0]
            raise RuntimeError(f"the page failed: {error.message} {' '.join(error.stack_trace[-3:])}")
        after = self.times.get(key, [0.0, 0.0])
        return after[0] - before[0], after[1] - before[1]


def _session(page: str, user_id: int, params: dict | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=600)
    at.session_state["lang"] = "da"
    at.session_state["signed_in_user_id"] = user_id
    at.switch_page(page)
    at.query_params.update(params or {})
    return at


def _portfolio_page() -> str:
    for name in ("views/portfolio.py", "views/overview.py"):
        if (ROOT / name).exists():
            return name
    raise SystemExit("no overview page")


def _summary_page() -> tuple[str, str]:
    """(page, name) of a project's page: the summary if the app has one."""
    for name in ("views/project_summary.py", "views/summary.py"):
        if (ROOT / name).exists():
            return name, "project summary"
    return "views/projects.py", "project page"


FILTER_WORDS = ("pathway", "unit", "sector", "theme", "status", "signal", "forloeb", "forløb")


def _widgets(at):
    """The main-area input widgets of the page's last run."""
    found = []
    for kind in ("multiselect", "selectbox", "segmented_control", "radio", "pills"):
        try:
            found += [(kind, w) for w in at.main.get(kind)]
        except Exception:  # noqa: BLE001 — kinds this Streamlit's AppTest does not know
            continue
    return found


def _choose(widget, kind: str) -> bool:
    """Pick another value than the current one; False when there is none."""
    options = list(getattr(widget, "options", []) or [])  # as shown (formatted)
    try:  # the values behind them: a format_func that is a dict's get names them by the dict's keys
        format_func = widget.format_func
        names = getattr(format_func, "__self__", None)
        if isinstance(names, dict):
            options = [value for value in names if format_func(value) in options]
    except Exception:  # noqa: BLE001 — options without a format_func are their own values
        pass
    if not options:
        return False
    if kind == "multiselect":
        widget.set_value([options[0]] if widget.value != [options[0]] else [options[-1]])
        return True
    current = widget.value
    for option in options:
        if option != current:
            widget.set_value(option)
            return True
    return False


def _find(at, words: tuple[str, ...]):
    for kind, widget in _widgets(at):
        key = (widget.key or "").lower()
        if any(word in key for word in words):
            return kind, widget
    return None


def measure_engine(engine: str, target: str, profile: int, stored: bool = False) -> dict:
    import logging

    os.environ["PDSA_DB"] = target
    logging.disable(logging.WARNING)
    from streamlit import config

    config.set_option("client.showErrorDetails", "full")  # a failing page says why (the app hides it)
    clock = ScriptClock()
    from actions import Actor, record_data_points
    from pdsa.core.db import connect, connect_postgres
    from pdsa.store.users import find_user

    results: dict[str, object] = {"engine": engine}
    page = _portfolio_page()
    results["portfolio_page"] = page
    # the ids the cases need, read before the app opens the database (DuckDB: then closed again)
    con = connect_postgres(target) if engine == "postgres" else connect(Path(target))
    cur = con.cursor()
    leader, admin = find_user(cur, LEADER).id, find_user(cur, ADMIN).id
    if not stored:  # the first render evaluates the region afresh, as on the first start ever
        cur.execute("DELETE FROM portfolio_snapshot")
    results["stored_snapshot"] = bool(cur.execute("SELECT count(*) FROM portfolio_snapshot").fetchone()[0])
    project = cur.execute("SELECT min(id) FROM project WHERE status = 'active'").fetchone()[0]
    measure = cur.execute("SELECT min(id) FROM measure WHERE project_id = ? AND data_type = 'continuous'",
                          [project]).fetchone()[0]
    cur.close()
    con.close()
    start = clock.timed(_session("views/home.py", leader))
    results["start"] = start[0]
    results["rss_after_start_mb"] = _rss_mb()

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        clock.profiler = profiler
    errors: dict[str, str] = {}
    results["errors"] = errors

    def step(name: str, run) -> None:
        """One measurement; a page that fails is reported with its error, and the rest go on."""
        try:
            run()
        except Exception as exc:  # noqa: BLE001
            errors[name] = f"{type(exc).__name__}: {exc}"[:600]
            results.setdefault(name, None)

    at = _session(page, leader)

    def first() -> None:
        results["first"], results["first_cpu"] = clock.timed(at)
        results["rows_on_page"] = _rows(at)

    step("first", first)
    clock.profiler = None
    results["rss_after_first_mb"] = _rss_mb()
    def timed(name: str, at) -> None:
        results[name], results[f"{name}_cpu"] = clock.timed(at)

    step("next", lambda: timed("next", _session(page, leader)))

    def change(name: str, words: tuple[str, ...]) -> None:
        found = _find(at, words)
        results[name] = None
        if found and _choose(found[1], found[0]):
            results[f"{name}_widget"] = found[1].key
            timed(name, at)

    step("filter", lambda: change("filter", FILTER_WORDS))
    step("sort", lambda: change("sort", ("sort",)))

    summary, name = _summary_page()
    results["project_page"] = name
    project_profiler = None
    if profile:
        import cProfile

        project_profiler = clock.profiler = cProfile.Profile()
    step("project", lambda: timed("project", _session(summary, leader, {"project": str(project)})))
    clock.profiler = None
    if summary != "views/projects.py":  # the whole project page too (its tabs), for comparison
        step("project_page_full", lambda: timed("project_page_full",
                                                _session("views/projects.py", leader, {"project": str(project)})))

    results["rss_before_leaders_mb"] = _rss_mb()
    results["leaders_warm"] = _leaders(clock, page, leader)

    def save() -> None:
        """A team saves a week's value: whatever the portfolio keeps must be refreshed."""
        from ui.state import cursor as app_cursor  # the app's own connection of this process

        app_cur = app_cursor()
        period = app_cur.execute("SELECT max(period) FROM data_point WHERE measure_id = ?", [measure]).fetchone()[0]
        record_data_points(app_cur, Actor(user_id=admin, name="bench", roles=frozenset({"administrator"})), measure,
                           [{"period": period, "value": 55.5}])

    step("save", save)
    results["leaders_after_save"] = _leaders(clock, page, leader)
    results["peak_mb"] = _rss_mb()
    if profiler is not None:
        import io
        import pstats

        out = io.StringIO()
        for title, which in (("portfolio, first render", profiler), (name, project_profiler)):
            out.write(f"\n=== profile: {title} ===\n")
            stats = pstats.Stats(which, stream=out)
            stats.sort_stats("cumulative").print_stats(profile)
            stats.sort_stats("tottime").print_stats(profile)
        results["profile"] = out.getvalue()
    return results


def _rows(at) -> int:
    try:
        return sum(len(frame.value) for frame in at.dataframe)
    except Exception:  # noqa: BLE001
        return -1


def _leaders(clock: ScriptClock, page: str, leader: int, n: int = 10) -> dict:
    sessions = [_session(page, leader) for _ in range(n)]
    barrier = threading.Barrier(n)
    times: list[float | None] = [None] * n
    errors: list[str] = []
    races: list[str] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            times[i] = clock.timed(sessions[i])[0]
        except Exception as exc:  # noqa: BLE001
            spent = clock.times.get(id(sessions[i]._session_state))
            if spent is not None and (not str(exc).startswith("the page failed") or "AST constructor" in str(exc)):
                # the page's script ran to its end (timed) and AppTest's own bookkeeping after it
                # tripped over another thread's run (it swaps process-wide state per run); or the
                # page's compile met CPython 3.11's ast recursion check, which is not thread-safe
                # (gh-106905) — AppTest compiles every page on every run, a server once per page
                times[i] = spent[0]
                races.append(str(exc))
            else:
                errors.append(str(exc))

    began = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done = [t for t in times if t is not None]
    return {"max": max(done) if done else None, "median": statistics.median(done) if done else None,
            "all_done": time.perf_counter() - began, "errors": errors, "apptest_races": len(races)}


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the report -----------------------------------------------------------------------------

def _s(value) -> str:
    return "n/a" if value is None else f"{value:.2f} s"


def _sc(r: dict, name: str) -> str:
    """Wall time with the script thread's CPU time beside it (the CPU time hardly depends on the
    machine's load; the wall time does, on a shared machine)."""
    cpu = r.get(f"{name}_cpu")
    return _s(r.get(name)) + ("" if cpu is None or r.get(name) is None else f" (CPU {cpu:.2f} s)")


def report(r: dict) -> str:
    warm, saved = r["leaders_warm"], r["leaders_after_save"]
    first = "first (from the kept evaluation)" if r.get("stored_snapshot") else "first"
    return (f"{r['engine']}: {first} {_sc(r, 'first')}, next leader {_sc(r, 'next')}, filter {_sc(r, 'filter')},"
            f" sort {_sc(r, 'sort')}, {r['project_page']} {_sc(r, 'project')}"
            + (f", project page {_sc(r, 'project_page_full')}," if "project_page_full" in r else ",")
            + f" 10 leaders max {_s(warm['max'])} (median {_s(warm['median'])}),"
            f" after a save max {_s(saved['max'])} (median {_s(saved['median'])}),"
            f" peak {r['peak_mb']:.0f} MB (after start {r['rss_after_start_mb']:.0f} MB, after the first render"
            f" {r['rss_after_first_mb']:.0f} MB, before the 10 leaders {r['rss_before_leaders_mb']:.0f} MB),"
            f" start {_s(r['start'])}")


def verdict(r: dict) -> list[str]:
    over = []
    over += [f"{name} failed" for name in r["errors"]]
    for name in ("first", "filter", "sort", "project"):
        if r[name] is not None and r[name] > TARGETS[name]:
            over.append(f"{name} {r[name]:.2f} s > {TARGETS[name]} s")
    for key in ("leaders_warm", "leaders_after_save"):
        worst = r[key]["max"]
        if worst is None or worst > TARGETS["leaders"] or r[key]["errors"]:
            over.append(f"{key} {_s(worst)}" + (f" ({len(r[key]['errors'])} failed)" if r[key]["errors"] else ""))
    if r["engine"] == "duckdb" and r["peak_mb"] > TARGETS["memory_mb"]:
        over.append(f"peak {r['peak_mb']:.0f} MB > {TARGETS['memory_mb']} MB")
    return over


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=["duckdb", "postgres", "both"], default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 1,000 projects, 10,000 measures, 1,000,000 points")
    parser.add_argument("--dir", default="/tmp/pdsa-region", help="where the DuckDB file is kept")
    parser.add_argument("--rebuild", action="store_true", help="build the databases again")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="profile the first render; print the N top functions by cumulative and own time")
    parser.add_argument("--stored", action="store_true",
                        help="start from the evaluation the last run kept in the database (a restarted server);"
                             " without it the first render evaluates the region afresh (the first start ever)")
    args = parser.parse_args()
    projects = max(1, round(1000 * args.scale))
    engines = ["duckdb", "postgres"] if args.engine == "both" else [args.engine]
    lines = []
    print(f"load average at the start: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores)", flush=True)
    for engine in engines:
        target = prepare(engine, Path(args.dir), projects, args.rebuild)
        out = subprocess.run([sys.executable, __file__, "_measure", "--engine", engine, "--target", target,
                              "--profile", str(args.profile)] + (["--stored"] if args.stored else []),
                             capture_output=True, text=True, cwd=ROOT)
        if out.returncode != 0:
            print(out.stdout[-3000:], out.stderr[-5000:], sep="\n")
            raise SystemExit(f"{engine}: the measuring process failed")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        if r.get("profile"):
            print(r.pop("profile"))
        for name, error in r["errors"].items():
            print(f"{engine}: {name} FAILED: {error}")
        print(f"{engine}: page {r['portfolio_page']}, {r.get('rows_on_page', '?')} table rows; filter widget "
              f"{r.get('filter_widget', 'none found')}, sort widget {r.get('sort_widget', 'none found')}")
        for key in ("leaders_warm", "leaders_after_save"):
            if r[key]["errors"]:
                print(f"{engine}: {key}: {len(r[key]['errors'])} sessions failed: {r[key]['errors'][0]}")
            print(f"{engine}: {key}: all ten done after {r[key]['all_done']:.1f} s"
                  + (f"; {r[key]['apptest_races']} of them tripped in AppTest's bookkeeping or CPython's"
                     " thread-unsafe compile check (timed by their script thread)" if r[key]["apptest_races"] else ""))
        over = verdict(r)
        print(f"{engine}: " + ("targets met" if not over else "over target: " + "; ".join(over)), flush=True)
        lines.append(report(r) + ("" if not over else " [over: " + "; ".join(over) + "]"))
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"region x{args.scale:g} ({projects} projects): " + " | ".join(lines))


def _internal() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["_build", "_measure"])
    parser.add_argument("--engine", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--profile", type=int, default=0)
    parser.add_argument("--stored", action="store_true")
    args = parser.parse_args()
    if args.step == "_build":
        print(json.dumps(build(args.engine, args.target, args.projects)))
    else:
        print(json.dumps(measure_engine(args.engine, args.target, args.profile, args.stored), default=str))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        _internal()
    else:
        main()
