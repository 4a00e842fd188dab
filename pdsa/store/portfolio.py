"""Every measure's plotted series and chart positions, fetched at once for the portfolio.

Mirrors pdsa.series (one measure at a time) in SQL, so the leaders' overview evaluates the
whole database with one fetch and one vectorised analysis.
"""

from __future__ import annotations

import base64
import io
import json
from typing import NamedTuple

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

Cursor = duckdb.DuckDBPyConnection

# Plotted value per row, as pdsa.series.measure_series computes it: numerator/denominator for
# proportions and rates, days since the previous event (the first event only starts the count),
# else the value. Making Data Count does not define exclusion, so excluded points are left out.
# The database only reads the rows in order (no window functions: their sort took most of the
# fetch on PostgreSQL); the previous event and the positions are worked out here with numpy.
# Only what differs per point travels: the period as a day number (numpy makes dates of it at
# once, where a million date objects took seconds), and what a measure's type decides is read
# once per measure. Each column costs PostgreSQL about 0.1 s per million rows.
_POINTS_SQL = """
SELECT d.measure_id AS series, CAST(d.period - DATE '1970-01-01' AS INTEGER) AS day,
       CAST(CASE WHEN m.data_type IN ('proportion', 'rate') THEN d.numerator ELSE d.value END
            AS DOUBLE PRECISION) AS y,
       CAST(CASE WHEN m.data_type IN ('proportion', 'rate') THEN d.denominator END AS DOUBLE PRECISION) AS n,
       d.excluded AS exclude
FROM data_point d JOIN measure m ON m.id = d.measure_id
WHERE NOT m.archived{only}
ORDER BY d.measure_id, d.period, d.event_no
"""
_SERIES_KIND_SQL = """
SELECT m.id AS series, m.data_type = 'days_between' AS days_between, m.rules = 'mdc' AS mdc
FROM measure m WHERE NOT m.archived{only}
"""
_ONLY = " AND m.id IN (SELECT unnest(CAST(? AS INTEGER[])))"
_RANGE = " AND m.id BETWEEN {first:d} AND {last:d}"  # numbers, not parameters: PgCursor.df's one-row read


def _per_point(series: np.ndarray, kinds: pd.DataFrame, column: str) -> np.ndarray:
    """A per-measure flag spread to each point of ``series``."""
    flags = kinds.set_index("series")[column].fillna(False).astype(bool)
    return flags.reindex(series, fill_value=False).to_numpy(dtype=bool)


def all_measure_series(cur: Cursor, measure_ids=None, *, id_range: tuple[int, int] | None = None) -> pd.DataFrame:
    """series (measure id), x (1-based position), period, y, n, exclude — one row per plotted point
    of every measure not archived, of those with an id in ``id_range`` (first, last), or of those
    in ``measure_ids``."""
    if measure_ids is None:
        only = "" if id_range is None else _RANGE.format(first=int(id_range[0]), last=int(id_range[1]))
        raw = cur.execute(_POINTS_SQL.format(only=only)).df()
        kinds = cur.execute(_SERIES_KIND_SQL.format(only=only)).df()
    else:  # a refresh: only these measures' points and kinds
        ids = [[int(i) for i in measure_ids]]
        raw = cur.execute(_POINTS_SQL.format(only=_ONLY), ids).df()
        kinds = cur.execute(_SERIES_KIND_SQL.format(only=_ONLY), ids).df()
    series = raw["series"].to_numpy(dtype=np.int64)
    period = raw["day"].to_numpy(dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]")
    first = np.ones(len(raw), dtype=bool)  # a series' first row (its first event only starts the count)
    first[1:] = series[1:] != series[:-1]
    days = np.empty(len(raw), dtype=float)
    days[0:1] = np.nan
    days[1:] = (period[1:] - period[:-1]) / np.timedelta64(1, "D")
    days_between = _per_point(series, kinds, "days_between")
    exclude = raw["exclude"].fillna(False).to_numpy(dtype=bool)
    y = np.where(days_between, days, raw["y"].to_numpy(dtype=float, na_value=np.nan))
    keep = ~(days_between & first) & ~(_per_point(series, kinds, "mdc") & exclude)
    series, period, y, exclude = series[keep], period[keep], y[keep], exclude[keep]
    n = raw["n"].to_numpy(dtype=float, na_value=np.nan)[keep]
    del raw
    starts = np.flatnonzero(np.r_[True, series[1:] != series[:-1]]) if len(series) else np.zeros(0, dtype=int)
    lengths = np.diff(np.r_[starts, len(series)])
    x = np.arange(1, len(series) + 1, dtype=np.int64) - np.repeat(starts, lengths)
    return pd.DataFrame({"series": series, "x": x, "period": period, "y": y, "n": n, "exclude": exclude})


def chart_positions(cur: Cursor, points: pd.DataFrame) -> pd.DataFrame:
    """series, n_points, freeze (or NA), part (list or None) for every measure in points (as
    all_measure_series returns them).

    Freeze and splits are stored as dates; here they become positions in the plotted series,
    kept only where they fall inside it (as pdsa.series.freeze_position/split_positions). The
    points already fetched are counted in pandas, so data_point is scanned once, the same way
    on both engines.
    """
    periods = points[["series", "period"]]
    lengths = periods.groupby("series").size().rename("n_points")
    freezes = cur.execute("SELECT id AS series, freeze_until FROM measure WHERE freeze_until IS NOT NULL").df()
    splits = cur.execute("SELECT measure_id AS series, starts_on FROM measure_split").df()
    freezes["freeze_until"] = pd.to_datetime(freezes["freeze_until"])
    splits["starts_on"] = pd.to_datetime(splits["starts_on"])

    frozen = periods.merge(freezes, on="series")
    freeze = (frozen["period"] <= frozen["freeze_until"]).groupby(frozen["series"]).sum().rename("freeze")

    split_points = splits.merge(periods, on="series", how="inner")
    before = (split_points["period"] < split_points["starts_on"]).groupby(
        [split_points["series"], split_points["starts_on"]]).sum().rename("k").reset_index()
    before = before.merge(lengths.reset_index(), on="series")
    before = before[(before["k"] > 0) & (before["k"] < before["n_points"])]
    parts = before.groupby("series")["k"].agg(lambda ks: sorted({int(k) for k in ks})).rename("part")

    result = lengths.to_frame().join(freeze).join(parts)
    inside = (result["freeze"] > 0) & (result["freeze"] < result["n_points"])
    result["freeze"] = result["freeze"].where(inside).astype("Float64")
    result["part"] = result["part"].where(result["part"].notna(), None)
    return result.reset_index()


# --- the evaluation kept in the database (migration 017) ----------------------------------------
# A cache, not data: written without audit events (an event would change the data version the
# portfolio is cached under, and so make it again), read only by a new process's first view.
_STAMPS = b"pdsa_stamps"  # the stream's metadata key for the measure versions

def read_snapshot(cur: Cursor, evaluation: str) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """The evaluated rows and their stamps as last stored, if the code that stored them is
    ``evaluation``; None otherwise (none stored, other code, or a body that cannot be read)."""
    row = cur.execute("SELECT evaluation, body FROM portfolio_snapshot WHERE id = 1").fetchone()
    if row is None or row[0] != evaluation:
        return None
    try:
        table = pa.ipc.open_stream(base64.b64decode(row[1])).read_all()
        stamps = json.loads((table.schema.metadata or {})[_STAMPS])
        evaluated = table.to_pandas()
    except (ValueError, KeyError, OSError, pa.ArrowException):  # not a snapshot this code can read
        return None
    evaluated["recent"] = [[float(v) for v in r] if r is not None else [] for r in evaluated["recent"]]
    kept = pd.DataFrame(stamps, columns=["measure_id", "version", "data_version"], dtype=object)
    return evaluated, _ints(kept, "measure_id", "version", "data_version")


def write_snapshot(cur: Cursor, evaluation: str, evaluated: pd.DataFrame, stamps: pd.DataFrame) -> None:
    """Keep ``evaluated`` (with the ``stamps`` it was evaluated at: in the stream's metadata, as
    they cover measures without data too) for the next process, in place of what was kept."""
    table = pa.Table.from_pandas(evaluated.reset_index(drop=True), preserve_index=False)
    kept = [[int(v) for v in stamp] for stamp in stamps[["measure_id", "version", "data_version"]].itertuples(index=False)]
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), _STAMPS: json.dumps(kept).encode()})
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema, options=pa.ipc.IpcWriteOptions(compression="zstd")) as writer:
        writer.write_table(table)
    cur.execute(
        "INSERT INTO portfolio_snapshot (id, evaluation, saved_at, body) VALUES (1, ?, LOCALTIMESTAMP, ?)"
        " ON CONFLICT (id) DO UPDATE SET evaluation = excluded.evaluation, saved_at = excluded.saved_at,"
        " body = excluded.body",
        [evaluation, base64.b64encode(sink.getvalue()).decode("ascii")])


# --- what the leaders' portfolio shows beside the analysis -------------------------------------
# Trusted reads: the rows were validated when they were written, so they come back as plain
# DataFrames (no models, no re-validation), each list in one query.

LATE_COMMIT_WINDOW = 1000  # audit ids behind the newest in which a late commit is still noticed


def data_version(cur: Cursor) -> tuple[int, int]:
    """A value that changes whenever anything is saved, by this server or another: the newest
    audit event's id (every saving action writes one), and how many events hold the ids just
    below it. Ids are handed out when a save starts, not when it commits: a save that took id
    100 and commits after one that took 101 leaves the newest id as it was, but adds a row
    among the newest ids. Both are read through the primary key's index over at most
    LATE_COMMIT_WINDOW rows, so it costs next to nothing per page run."""
    row = cur.execute(
        "SELECT max(id), count(*) FROM audit_event WHERE id > (SELECT max(id) FROM audit_event) - ?",
        [LATE_COMMIT_WINDOW]).fetchone()
    if not row or row[0] is None:
        return (0, 0)
    return (int(row[0]), int(row[1]))


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_datetime(frame[column]).dt.date.astype(object).where(frame[column].notna(), None)
    return frame


def _ints(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.array(frame[column].to_numpy(dtype=object), dtype="Int64")
    return frame


def portfolio_measures(cur: Cursor) -> pd.DataFrame:
    """Every measure the portfolio lists (not archived; a project's measure only while its project
    is not archived, a theme's own measure only while its theme is not): its owner, definition,
    target and chart settings, its version and data_version (one goes up with every change to
    its settings, the other with every change to what its chart draws), the newest period it
    has data for (also an excluded point: data came) and the themes it contributes to on its
    own (theme_measure)."""
    frame = cur.execute(
        """
        SELECT m.id AS measure_id, m.project_id, m.theme_id, m.name, m.kind, m.data_type, m.period,
               m.direction, m.target, m.unit, m.is_key,
               COALESCE(m.chart, '') AS chart, m.rules, m.freeze_until, m.version, m.data_version,
               (SELECT max(d.period) FROM data_point d WHERE d.measure_id = m.id) AS last_data
        FROM measure m
        LEFT JOIN project p ON p.id = m.project_id
        LEFT JOIN theme th ON th.id = m.theme_id
        WHERE NOT m.archived
          AND (m.project_id IS NULL OR NOT p.archived)
          AND (m.theme_id IS NULL OR NOT th.archived)
        ORDER BY m.project_id, m.theme_id,
                 CASE m.kind WHEN 'outcome' THEN 1 WHEN 'process' THEN 2 ELSE 3 END, m.id
        """
    ).df()
    frame = _ints(_dates(frame, "freeze_until", "last_data"), "measure_id", "project_id", "theme_id", "version",
                  "data_version")
    frame["target"] = pd.to_numeric(frame["target"], errors="coerce").astype(float)
    frame["is_key"] = frame["is_key"].astype(bool)
    return frame.reset_index(drop=True)


class ProjectRef(NamedTuple):
    id: int
    title: str


def project_refs(cur: Cursor) -> list[ProjectRef]:
    """Every project not archived, by title (as pdsa.store.projects.list_projects orders them):
    its id and title only, for a page that lets the reader choose one and reads only that one."""
    rows = cur.execute("SELECT id, title FROM project WHERE NOT archived ORDER BY title, id").fetchall()
    return [ProjectRef(int(i), title) for i, title in rows]


def theme_measure_links(cur: Cursor) -> pd.DataFrame:
    """theme_id, measure_id: single measures a leader chose for a theme."""
    return _ints(cur.execute("SELECT theme_id, measure_id FROM theme_measure").df(), "theme_id", "measure_id")


def portfolio_projects(cur: Cursor, today) -> pd.DataFrame:
    """Every project not archived: title, status, pathway, own theme, aim, the latest progress
    score, the date the newest PDSA cycle's test (Do) started, how many cycles were tested in the
    90 days up to ``today`` (Do started on or before today and started or ended within them), and
    how many cycles are running (no Act decision yet) — counted in SQL."""
    since = pd.Timestamp(today).date() - pd.Timedelta(days=90)
    frame = cur.execute(
        """
        WITH latest AS (
            SELECT project_id, score, scored_on,
                   row_number() OVER (PARTITION BY project_id ORDER BY scored_on DESC, id DESC) AS k
            FROM progress_score
        ), cycles AS (
            SELECT project_id,
                   max(do_start) AS last_cycle_on,
                   sum(CASE WHEN do_start IS NOT NULL AND do_start <= CAST(? AS DATE)
                             AND COALESCE(do_end, do_start) >= CAST(? AS DATE) THEN 1 ELSE 0 END) AS cycles_90,
                   sum(CASE WHEN act_decision IS NULL THEN 1 ELSE 0 END) AS running_cycles
            FROM pdsa_cycle WHERE NOT archived GROUP BY project_id
        )
        SELECT p.id AS project_id, p.title, p.status, p.pathway_id, p.theme_id, p.aim_what, p.aim_how_much,
               p.aim_by_when, CAST(l.score AS DOUBLE PRECISION) AS progress, l.scored_on AS progress_on,
               c.last_cycle_on, COALESCE(c.cycles_90, 0) AS cycles_90, COALESCE(c.running_cycles, 0) AS running_cycles
        FROM project p
        LEFT JOIN latest l ON l.project_id = p.id AND l.k = 1
        LEFT JOIN cycles c ON c.project_id = p.id
        WHERE NOT p.archived
        ORDER BY p.id
        """,
        [pd.Timestamp(today).date(), since],
    ).df()
    frame = _ints(_dates(frame, "aim_by_when", "progress_on", "last_cycle_on"),
                  "project_id", "pathway_id", "theme_id", "cycles_90", "running_cycles")
    frame["progress"] = pd.to_numeric(frame["progress"], errors="coerce").astype(float)
    return frame.reset_index(drop=True)


def portfolio_lists(cur: Cursor) -> dict[str, pd.DataFrame]:
    """The small lists the portfolio's filters offer, each one query, archived rows left out:

    pathways (pathway_id, name), units (unit_id, name, sector), themes (theme_id, name),
    project_themes (project_id, theme_id: the project's own theme and those a leader added),
    project_units (project_id, unit_id: the project's own units, else the units of its
    pathway's steps), project_sectors (project_id, sector: its units' and its team's sectors).
    """
    pathways = _ints(cur.execute("SELECT id AS pathway_id, name FROM pathway WHERE NOT archived ORDER BY name, id").df(),
                     "pathway_id")
    units = _ints(cur.execute("SELECT id AS unit_id, name, sector FROM unit WHERE NOT archived ORDER BY name, id").df(),
                  "unit_id")
    themes = _ints(cur.execute("SELECT id AS theme_id, name FROM theme WHERE NOT archived ORDER BY name, id").df(),
                   "theme_id")
    project_themes = _ints(cur.execute(
        """
        SELECT id AS project_id, theme_id FROM project WHERE theme_id IS NOT NULL AND NOT archived
        UNION
        SELECT project_id, theme_id FROM theme_project
        """).df(), "project_id", "theme_id")
    project_units = _ints(cur.execute(
        """
        SELECT pu.project_id, pu.unit_id FROM project_unit pu
        UNION
        SELECT p.id AS project_id, s.unit_id
        FROM project p JOIN pathway_step s ON s.pathway_id = p.pathway_id
        WHERE s.unit_id IS NOT NULL AND NOT s.archived
          AND NOT EXISTS (SELECT 1 FROM project_unit own WHERE own.project_id = p.id)
        """).df(), "project_id", "unit_id")
    project_sectors = _ints(cur.execute(
        """
        SELECT pu.project_id, u.sector FROM project_unit pu JOIN unit u ON u.id = pu.unit_id
        UNION
        SELECT project_id, sector FROM team_member WHERE NOT archived
        """).df(), "project_id")
    return {"pathways": pathways, "units": units, "themes": themes, "project_themes": project_themes,
            "project_units": project_units, "project_sectors": project_sectors}


def open_problems_by_pathway(cur: Cursor) -> pd.DataFrame:
    """pathway_id, open_problems: problems not solved, not pursued, merged or archived — counted in SQL."""
    return _ints(cur.execute(
        """
        SELECT pathway_id, count(*) AS open_problems FROM problem
        WHERE NOT archived AND merged_into_id IS NULL AND status NOT IN ('solved', 'not_pursued')
        GROUP BY pathway_id
        """).df(), "pathway_id", "open_problems")


def recent_problems(cur: Cursor, pathway_ids: list[int], limit: int = 5) -> pd.DataFrame:
    """The newest problems on these pathways: id, title, source, status, reported_on, pathway_id."""
    frame = cur.execute(
        """
        SELECT id, title, source, status, reported_on, pathway_id FROM problem
        WHERE NOT archived AND merged_into_id IS NULL AND pathway_id IN (SELECT unnest(CAST(? AS INTEGER[])))
        ORDER BY reported_on DESC, id DESC
        LIMIT ?
        """, [[int(i) for i in pathway_ids], int(limit)]).df()
    return _ints(_dates(frame, "reported_on"), "id", "pathway_id")
