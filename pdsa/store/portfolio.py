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
    WHERE NOT m.archived
), plotted AS (
    SELECT measure_id, period, event_no, excluded,
           CASE WHEN data_type IN ('proportion', 'rate') THEN numerator
                WHEN data_type = 'days_between' THEN period - previous_event
                ELSE value END AS y,
           CASE WHEN data_type IN ('proportion', 'rate') THEN denominator END AS n
    FROM raw
    WHERE NOT (data_type = 'days_between' AND previous_event IS NULL)
      AND NOT (rules = 'mdc' AND excluded)
)
SELECT measure_id AS series,
       row_number() OVER (PARTITION BY measure_id ORDER BY period, event_no) AS x,
       period, CAST(y AS DOUBLE PRECISION) AS y, n, excluded AS exclude
FROM plotted
ORDER BY series, x
"""

def all_measure_series(cur: Cursor) -> pd.DataFrame:
    """series (measure id), x (1-based position), period, y, n, exclude — one row per plotted point."""
    frame = cur.execute(_SERIES_SQL).df()
    frame["period"] = pd.to_datetime(frame["period"])
    return frame


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
    before = before.merge(lengths, left_on="series", right_index=True)
    before = before[(before["k"] > 0) & (before["k"] < before["n_points"])]
    parts = before.groupby("series")["k"].agg(lambda ks: sorted({int(k) for k in ks})).rename("part")

    result = lengths.to_frame().join(freeze).join(parts)
    inside = (result["freeze"] > 0) & (result["freeze"] < result["n_points"])
    result["freeze"] = result["freeze"].where(inside).astype("Float64")
    result["part"] = result["part"].where(result["part"].notna(), None)
    return result.reset_index()
