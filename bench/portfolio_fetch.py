"""The portfolio's fetch on both engines: 1,000,000 data points in DuckDB and in PostgreSQL.

    python bench/portfolio_fetch.py [--measures 10000 --points 100 --repeat 3]
                                    [--pg postgresql://pdsa:pdsa@localhost:5432/postgres]

Builds the same database twice — a DuckDB file in a temporary folder and a new PostgreSQL
database created through the administrator URL ``--pg`` (and dropped afterwards) — migrated
by the app's own migrations, then filled by bulk SQL (``INSERT … SELECT … FROM
generate_series``; the actions would take hours for a million points): ``--measures`` weekly
measures of ``--points`` points each, spread over ten projects and the data types proportion,
rate, count and continuous (a quarter each); every tenth measure frozen half-way, every tenth
split in two, one point in fifty excluded, a sixth of the continuous measures on the Making
Data Count rules. Values are deterministic functions of the measure and the week, so both
engines hold exactly the same data.

Then, on each engine, through the app's own code and cursor (``pdsa.core.db.connect`` /
``connect_postgres``), it times

* ``pdsa.store.portfolio.all_measure_series(cur)`` — the one query that fetches every plotted
  point into a DataFrame (the portfolio's fetch);
* ``pdsa.portfolio.evaluate_portfolio(cur)`` — the whole portfolio: the measures, the fetch,
  the chart positions and the vectorised analysis;
* on PostgreSQL also the query alone on the server (``EXPLAIN ANALYZE``, rows not sent), and
  the fetch as ``PgCursor.df()`` made it before issue 7 (row by row: a Python tuple per row);

each ``--repeat`` times (the first call, and the best of the rest), checks that both engines
returned the same frame and the same portfolio, and prints the figures. Its last line holds
them all: ``fetch duckdb … s, postgresql … s (… x); portfolio duckdb … s, postgresql … s (… x)``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pdsa.core.db import connect, connect_postgres, write  # noqa: E402
from pdsa.core.postgres import without_password  # noqa: E402
from pdsa.portfolio import evaluate_portfolio  # noqa: E402
from pdsa.store.portfolio import all_measure_series  # noqa: E402

ADMIN_URL = os.environ.get("PDSA_TEST_POSTGRES", "postgresql://pdsa:pdsa@localhost:5432/postgres")
PROJECTS = 10
DATA_TYPES = ("proportion", "rate", "count", "continuous")  # measure k has DATA_TYPES[k % 4]


def _fill_sql(measures: int, points: int) -> list[str]:
    """The statements that fill a migrated, empty database; the same text on both engines.

    Measure k (1-based) has id k; point j (1-based) of it falls on the Monday j - 1 weeks after
    2015-01-05. The values are arithmetic on k and j (no random()), so both engines agree.
    """
    return [
        "INSERT INTO pathway (id, name) VALUES (1, 'Benchmark pathway')",
        (
            "INSERT INTO project (id, title, pathway_id, aim_what, aim_how_much, aim_by_when, status, start_date)"
            " SELECT i, 'Benchmark project ' || CAST(i AS VARCHAR), 1, 'aim', 'much', DATE '2030-01-01', 'active',"
            f" DATE '2015-01-01' FROM generate_series(1, {PROJECTS}) AS g(i)"
        ),
        # kind/direction vary; continuous measures k % 24 = 3 use Making Data Count with a target
        (
            "INSERT INTO measure (id, project_id, name, kind, data_type, period, direction, target, rules,"
            " freeze_until)"
            f" SELECT k, 1 + (k - 1) % {PROJECTS}, 'Measure ' || CAST(k AS VARCHAR),"
            "  CASE k % 3 WHEN 0 THEN 'outcome' WHEN 1 THEN 'process' ELSE 'balancing' END,"
            "  CASE k % 4 WHEN 0 THEN 'proportion' WHEN 1 THEN 'rate' WHEN 2 THEN 'count' ELSE 'continuous' END,"
            "  'week', CASE k % 2 WHEN 0 THEN 'up' ELSE 'down' END,"
            "  CASE WHEN k % 24 = 3 THEN 45.0 END,"
            "  CASE WHEN k % 24 = 3 THEN 'mdc' ELSE 'anhoej' END,"
            f"  CASE WHEN k % 10 = 5 THEN DATE '2015-01-05' + {7 * (points // 2 - 1)} END"
            f" FROM generate_series(1, {measures}) AS g(k)"
        ),
        (
            "INSERT INTO measure_split (measure_id, starts_on)"
            f" SELECT k, DATE '2015-01-05' + {7 * (points * 3 // 5)} FROM generate_series(1, {measures}) AS g(k)"
            " WHERE k % 10 = 7"
        ),
        # counts whole, measured values in halves, numerator <= denominator; a level shift half-way
        # for a third of the measures, a weekly wiggle for all
        (
            "INSERT INTO data_point (measure_id, period, value, numerator, denominator, excluded)"
            " SELECT k, DATE '2015-01-05' + CAST(7 * (j - 1) AS INTEGER),"
            "  CASE WHEN k % 4 = 2 THEN 20 + (k % 17) + (j * 37 + k * 11) % 23"
            "       WHEN k % 4 = 3 THEN 40 + (k % 17) + ((j * 37 + k * 11) % 23) / 2.0 END"
            f"  + CASE WHEN k % 4 IN (2, 3) AND k % 3 = 0 AND j > {points // 2} THEN 8 ELSE 0 END,"
            "  CASE WHEN k % 4 IN (0, 1) THEN 20 + (j * 13 + k * 7) % 31"
            f"       + CASE WHEN k % 3 = 0 AND j > {points // 2} THEN 10 ELSE 0 END END,"
            "  CASE WHEN k % 4 IN (0, 1) THEN 80 + (j * 29 + k) % 41 END,"
            "  (j * 7 + k) % 50 = 0"
            f" FROM generate_series(1, {measures}) AS g(k), generate_series(1, {points}) AS h(j)"
        ),
    ]


def _fill(cur, measures: int, points: int) -> float:
    began = time.perf_counter()

    def change(c):
        for sql in _fill_sql(measures, points):
            c.execute(sql)

    write(cur, change)
    for sequence, table in (("pathway_id_seq", "pathway"), ("project_id_seq", "project"),
                            ("measure_id_seq", "measure")):
        # the explicit ids above bypassed the sequences; move them past (PostgreSQL only, the
        # DuckDB file is thrown away)
        if getattr(cur, "dialect", "duckdb") == "postgresql":
            cur.execute(f"SELECT setval('{sequence}', (SELECT max(id) FROM {table}))")
    if getattr(cur, "dialect", "duckdb") == "postgresql":
        cur.execute("ANALYZE")
    else:
        cur.execute("CHECKPOINT")
    return time.perf_counter() - began


def _timed(function, cur, repeat: int) -> tuple[float, float, object]:
    """(first call, best of the others, the last result)."""
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function(cur)
        times.append(time.perf_counter() - began)
    return times[0], min(times[1:] or times), result


def _server_seconds(cur) -> float:
    """How long PostgreSQL itself takes to run the portfolio's query, without sending the rows."""
    from pdsa.store.portfolio import _SERIES_SQL

    times = []
    for _ in range(2):
        plan = cur.execute(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) {_SERIES_SQL}").fetchone()[0]
        times.append(plan[0]["Execution Time"] / 1000)
    return min(times)


def _row_by_row(function):
    """``function`` with PgCursor.df() fetching row by row, as it did before (nothing held back
    for the one-row fetch)."""
    import pdsa.core.postgres as postgres

    def run(cur):
        original = postgres._may_hold_back
        postgres._may_hold_back = lambda sql: False
        try:
            return function(cur)
        finally:
            postgres._may_hold_back = original

    return run


def _database_url(admin_url: str, name: str) -> str:
    return urlunsplit(urlsplit(admin_url)._replace(path=f"/{name}"))


def _same_frames(duck: pd.DataFrame, pg: pd.DataFrame, what: str) -> str:
    """'' when the two frames hold the same values (dtypes may differ), else what differs."""
    if list(duck.columns) != list(pg.columns) or len(duck) != len(pg):
        return f"{what}: columns {list(duck.columns)} / {list(pg.columns)}, rows {len(duck)} / {len(pg)}"
    for column in duck.columns:
        a, b = duck[column], pg[column]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            av, bv = a.astype("float64").to_numpy(na_value=np.nan), b.astype("float64").to_numpy(na_value=np.nan)
            if not np.allclose(av, bv, equal_nan=True):
                return f"{what}: column {column} differs"
        elif a.astype(object).where(a.notna(), None).tolist() != b.astype(object).where(b.notna(), None).tolist():
            return f"{what}: column {column} differs ({a.dtype} / {b.dtype})"
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=100, help="points per measure")
    parser.add_argument("--repeat", type=int, default=3, help="calls timed per engine (first + best of the rest)")
    parser.add_argument("--pg", default=ADMIN_URL,
                        help="administrator URL of the PostgreSQL server (a role that may CREATE DATABASE)")
    args = parser.parse_args(argv)

    import psycopg

    total = args.measures * args.points
    print(f"{args.measures:,} measures x {args.points} points = {total:,} data points; "
          f"PostgreSQL at {without_password(args.pg)}", flush=True)
    name = f"pdsa_bench_fetch_{os.getpid()}"
    admin = psycopg.connect(args.pg, autocommit=True, connect_timeout=10)
    results: dict[str, dict[str, object]] = {}
    try:
        admin.execute(f"DROP DATABASE IF EXISTS {name}")
        admin.execute(f"CREATE DATABASE {name}")
        with tempfile.TemporaryDirectory() as folder:
            engines = {
                "duckdb": lambda: connect(Path(folder) / "fetch.duckdb"),
                "postgresql": lambda: connect_postgres(_database_url(args.pg, name)),
            }
            for engine, open_ in engines.items():
                con = open_()
                try:
                    cur = con.cursor()
                    filled = _fill(cur, args.measures, args.points)
                    count = cur.execute("SELECT count(*) FROM data_point").fetchone()[0]
                    print(f"\n{engine}: {count:,} data points written by bulk SQL in {filled:.1f} s", flush=True)
                    fetch_first, fetch_best, frame = _timed(all_measure_series, cur, args.repeat)
                    print(f"  all_measure_series   first {fetch_first:6.2f} s   best {fetch_best:6.2f} s   "
                          f"({len(frame):,} rows, {frame.memory_usage(deep=True).sum() / 2**20:.0f} MiB)", flush=True)
                    whole_first, whole_best, table = _timed(evaluate_portfolio, cur, args.repeat)
                    print(f"  evaluate_portfolio   first {whole_first:6.2f} s   best {whole_best:6.2f} s   "
                          f"({len(table):,} measures, {int(table['signal'].sum()):,} with a signal)", flush=True)
                    print("  dtypes: " + ", ".join(f"{c} {t}" for c, t in frame.dtypes.items()))
                    if engine == "postgresql":
                        server = _server_seconds(cur)
                        print(f"  the query alone, on the server (EXPLAIN ANALYZE, best of 2): {server:.2f} s — the rest "
                              "of the fetch is moving the rows and building the frame", flush=True)
                        rows_first, rows_best, _ = _timed(_row_by_row(all_measure_series), cur, args.repeat)
                        print(f"  all_measure_series fetched row by row (PgCursor.df() before issue 7): first "
                              f"{rows_first:6.2f} s   best {rows_best:6.2f} s", flush=True)
                    results[engine] = {"fetch": fetch_best, "fetch_first": fetch_first, "whole": whole_best,
                                       "whole_first": whole_first, "frame": frame, "table": table}
                finally:
                    con.close()
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()

    duck, pg = results["duckdb"], results["postgresql"]
    differences = [d for d in (
        _same_frames(duck["frame"], pg["frame"], "all_measure_series"),
        _same_frames(duck["table"].sort_values("measure_id", ignore_index=True),
                     pg["table"].sort_values("measure_id", ignore_index=True), "evaluate_portfolio"),
    ) if d]
    print("\nsame frame and same portfolio on both engines" if not differences
          else "\nDIFFERENT RESULTS:\n  " + "\n  ".join(differences))
    fetch_ratio = pg["fetch"] / duck["fetch"]
    whole_ratio = pg["whole"] / duck["whole"]
    print(f"fetch ratio postgresql/duckdb {fetch_ratio:.2f} x ({'within' if fetch_ratio <= 2 else 'OVER'} 2 x)")
    print(f"{total:,} points, best of {max(args.repeat - 1, 1)}: "
          f"fetch duckdb {duck['fetch']:.2f} s, postgresql {pg['fetch']:.2f} s ({fetch_ratio:.2f} x); "
          f"portfolio duckdb {duck['whole']:.2f} s, postgresql {pg['whole']:.2f} s ({whole_ratio:.2f} x)")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
