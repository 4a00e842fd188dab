"""Every measure's plotted series and chart positions, fetched at once for the portfolio.

Mirrors pdsa.series (one measure at a time) in SQL, so the leaders' overview evaluates the
whole database with one fetch and one vectorised analysis.
"""

from __future__ import annotations

import duckdb
import pandas as pd

Cursor = duckdb.DuckDBPyConnection

# Plotted value per row, as pdsa.series.measure_series computes it: numerator/denominator for
# proportions and rates, days since the previous event (the first event only starts the count),
# else the value. Making Data Count does not define exclusion, so excluded points are left out.
_SERIES_SQL = """
WITH raw AS (
    SELECT d.measure_id, d.period, d.event_no, d.value, d.numerator, d.denominator, d.excluded,
           m.data_type, m.rules,
           lag(d.period) OVER (PARTITION BY d.measure_id ORDER BY d.period, d.event_no) AS previous_event
    FROM data_point d JOIN measure m ON m.id = d.measure_id
), plotted AS (
    SELECT measure_id, period, event_no, excluded,
           CASE WHEN data_type IN ('proportion', 'rate') THEN numerator
                WHEN data_type = 'days_between' THEN date_diff('day', previous_event, period)
                ELSE value END AS y,
           CASE WHEN data_type IN ('proportion', 'rate') THEN denominator END AS n
    FROM raw
    WHERE NOT (data_type = 'days_between' AND previous_event IS NULL)
      AND NOT (rules = 'mdc' AND excluded)
)
SELECT measure_id AS series,
       row_number() OVER (PARTITION BY measure_id ORDER BY period, event_no) AS x,
       period, CAST(y AS DOUBLE) AS y, n, excluded AS exclude
FROM plotted
ORDER BY series, x
"""

# Freeze and splits are stored as dates; here they become positions in the plotted series,
# kept only where they fall inside it (as pdsa.series.freeze_position/split_positions).
# It reads the points already fetched (registered as _points), so data_point is scanned once.
_POSITIONS_SQL = """
WITH lengths AS (SELECT series, count(*) AS n_points FROM _points GROUP BY series),
frozen AS (
    SELECT m.id AS series, count(p.x) AS k
    FROM measure m JOIN _points p ON p.series = m.id AND p.period <= m.freeze_until
    GROUP BY m.id
),
splits AS (
    SELECT s.measure_id AS series, s.starts_on, count(p.x) AS k
    FROM measure_split s LEFT JOIN _points p ON p.series = s.measure_id AND p.period < s.starts_on
    GROUP BY s.measure_id, s.starts_on
)
SELECT l.series, l.n_points,
       (SELECT f.k FROM frozen f WHERE f.series = l.series AND f.k > 0 AND f.k < l.n_points) AS freeze,
       (SELECT list(DISTINCT s.k ORDER BY s.k) FROM splits s
         WHERE s.series = l.series AND s.k > 0 AND s.k < l.n_points) AS part
FROM lengths l
ORDER BY l.series
"""


def all_measure_series(cur: Cursor) -> pd.DataFrame:
    """series (measure id), x (1-based position), period, y, n, exclude — one row per plotted point."""
    return cur.execute(_SERIES_SQL).df()


def chart_positions(cur: Cursor, points: pd.DataFrame) -> pd.DataFrame:
    """series, n_points, freeze (or NULL), part (list or NULL) for every measure in points
    (as all_measure_series returns them)."""
    cur.register("_points", points[["series", "x", "period"]])
    try:
        return cur.execute(_POSITIONS_SQL).df()
    finally:
        cur.unregister("_points")
