"""Every measure in the database analysed at once, for leaders who look across projects.

One fetch of all plotted points and one vectorised analysis (pdsa.spc.many), giving per
measure the same findings as its own chart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pdsa.series import engine_direction
from pdsa.spc.many import analyze_many
from pdsa.store.measures import list_measures
from pdsa.store.portfolio import all_measure_series, chart_positions

PORTFOLIO_COLUMNS = (
    "measure_id", "project_id", "measure", "kind", "data_type", "chart", "rules", "n_points",
    "last_part", "runs_signal", "n_sigma_signal", "variation_icon", "assurance", "signal",
)


def _settings(measures, positions: pd.DataFrame) -> pd.DataFrame:
    by_series = positions.set_index("series")
    rows = []
    for measure in measures:
        if measure.id not in by_series.index:
            continue
        part = by_series.at[measure.id, "part"]
        # DuckDB hands a LIST back as a numpy array (or NA when there is none)
        part = [int(k) for k in part] if isinstance(part, (list, np.ndarray)) and len(part) else None
        freeze = by_series.at[measure.id, "freeze"]
        rows.append({
            "series": measure.id,
            "chart": measure.effective_chart,
            "rules": measure.rules,
            "direction": engine_direction(measure),
            "target": measure.target,
            "part": part,
            "freeze": None if part or pd.isna(freeze) else int(freeze),
        })
    return pd.DataFrame(rows)


def evaluate_portfolio(cur) -> pd.DataFrame:
    """One row per measure with data: its chart and what the latest part shows (PORTFOLIO_COLUMNS)."""
    measures = list_measures(cur)
    data = all_measure_series(cur)
    if data.empty:
        return pd.DataFrame(columns=list(PORTFOLIO_COLUMNS))
    settings = _settings(measures, chart_positions(cur, data))
    summary = analyze_many(data[["series", "x", "y", "n", "exclude"]], settings).summary
    info = pd.DataFrame([
        {"measure_id": m.id, "project_id": m.project_id, "measure": m.name, "kind": m.kind, "data_type": m.data_type}
        for m in measures
    ])
    table = info.merge(summary.rename(columns={"series": "measure_id"}), on="measure_id")
    is_mdc = table["rules"] == "mdc"
    anhoej_signal = table["runs_signal"].fillna(False).astype(bool) | (table["n_sigma_signal"] > 0)
    # as pdsa.findings.Finding.has_signal: a special-cause last point, or any point outside the limits
    mdc_signal = (table["variation_icon"].notna() & (table["variation_icon"] != "common_cause")) | (
        table["n_sigma_signal"] > 0)
    table["signal"] = (is_mdc & mdc_signal) | (~is_mdc & anhoej_signal)
    return table[list(PORTFOLIO_COLUMNS)]
