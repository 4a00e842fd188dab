"""The Danish demo data set: three cross-sector pathways, four improvement projects.

The content lives in readable files under ``data/demo`` (see its README.md): units,
pathways, problems and observations in YAML, one YAML file per project (team, progress,
driver diagram, measures with their series specs, PDSA cycles), and the data points in
``data_points.csv``. The points are generated deterministically from the seeds in the
series specs (:func:`generate_points`); ``python -m pdsa.demo`` regenerates the CSV
(:func:`write_points_csv`), and a test checks that regenerating gives the same file.

This module only reads and generates; ``actions.demo.load_demo`` saves it all through the
actions, validated by the models, in one transaction: completely or not at all.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from pdsa.core.db import PROJECT_ROOT
from pdsa.core.periods import check_period_start, next_period, parse_period, period_label
from pdsa.models import EVENT_DATA_TYPES

DEMO_DIR: Path = PROJECT_ROOT / "data" / "demo"
POINTS_CSV = "data_points.csv"
CSV_COLUMNS: tuple[str, ...] = ("measure", "period", "value", "numerator", "denominator", "note", "excluded")

Progress = Callable[[float, str], None]


# --- reading the files --------------------------------------------------------------------

@dataclass(frozen=True)
class DemoFiles:
    """The demo's content as read from the YAML files (plain dicts and lists)."""

    units: list[dict]
    pathways: list[dict]
    projects: list[dict]
    problems: list[dict]
    observations: list[dict]
    # slice: patient voice — the demo patient representative's words, links and comments
    patient_voice: dict = field(default_factory=dict)


# libyaml's loader when PyYAML has it: the pure-Python one takes a noticeable part of a second.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_YamlLoader)


def read_projects(demo_dir: Path = DEMO_DIR) -> list[dict]:
    """The project files of ``projects/``, one project each, in file-name order."""
    return [_read_yaml(path) for path in sorted((demo_dir / "projects").glob("*.yaml"))]


def read_demo(demo_dir: Path = DEMO_DIR) -> DemoFiles:
    """Read all the YAML files of the demo."""
    return DemoFiles(
        units=_read_yaml(demo_dir / "units.yaml"),
        pathways=_read_yaml(demo_dir / "pathways.yaml"),
        projects=read_projects(demo_dir),
        problems=_read_yaml(demo_dir / "problems.yaml"),
        observations=_read_yaml(demo_dir / "observations.yaml"),
        patient_voice=_read_yaml(demo_dir / "patient_voice.yaml") if (demo_dir / "patient_voice.yaml").exists() else {},
    )


# slice: themes — the demo's themes (data/demo/themes.yaml): goals, contributions, own measures
THEMES_YAML = "themes.yaml"


def read_themes(demo_dir: Path = DEMO_DIR) -> list[dict]:
    """The themes of ``themes.yaml`` (none when the file is absent)."""
    path = demo_dir / THEMES_YAML
    return (_read_yaml(path) or []) if path.exists() else []
# end slice: themes


def measure_specs(projects: list[dict] | None = None) -> list[dict]:
    """Every measure of every project (default: the demo's), each with ``project`` (the project's key) added."""
    projects = read_projects() if projects is None else projects
    return [{**measure, "project": project["key"]} for project in projects for measure in project["measures"]]


# --- generating the data points -------------------------------------------------------------

def as_period(value: Any, period: str) -> date:
    """A date or label (2026-W05, 2026-03, 2026-03-02) as the start of its period, checked."""
    return check_period_start(parse_period(value), period)


def _levels(spec: Mapping, count: int, position_of_change: int | None) -> np.ndarray:
    """The true level of each period: baseline, then (from the change) a straight line to the new level."""
    levels = np.full(count, float(spec["level"]))
    change = spec.get("change")
    if change is None or position_of_change is None:
        return levels
    ramp = int(change.get("ramp", 1))
    base, new = float(spec["level"]), float(change["level"])
    for offset in range(count - position_of_change):
        step = min(offset + 1, ramp) / ramp
        levels[position_of_change + offset] = base + (new - base) * step
    return levels


def _period_series(key: str, data_type: str, period: str, spec: Mapping) -> list[dict]:
    """Rows for a measure with one value per week or month."""
    rng = np.random.default_rng(int(spec["seed"]))
    count = int(spec["periods"])
    periods = [as_period(spec["start"], period)]
    while len(periods) < count:
        periods.append(next_period(periods[-1], period))
    change = spec.get("change")
    position = None
    if change is not None:
        at = as_period(change["at"], period)
        if at not in periods:
            raise ValueError(f"{key}: change.at {change['at']} is not one of the series' periods")
        position = periods.index(at)
    level = _levels(spec, count, position)
    noise = float(spec.get("noise", 0) or 0)
    rows = [{"measure": key, "period": p, "value": None, "numerator": None, "denominator": None} for p in periods]

    if data_type == "proportion":
        den = spec["denominator"]
        n = np.maximum(int(den.get("min", 1)), rng.poisson(float(den["mean"]), count))
        p = level + rng.normal(0.0, noise, count) if noise else level
        numerator = rng.binomial(n, np.clip(p, 0.0, 1.0))
        for row, a, b in zip(rows, numerator, n):
            row["numerator"], row["denominator"] = int(a), int(b)
    elif data_type == "rate":
        den = spec["denominator"]
        n = np.round(np.maximum(float(den.get("min", 0.01)), rng.normal(float(den["mean"]), float(den["sd"]), count)), 2)
        numerator = rng.poisson(level * n)
        for row, a, b in zip(rows, numerator, n):
            row["numerator"], row["denominator"] = int(a), float(b)
    elif data_type == "count":
        for row, value in zip(rows, rng.poisson(level)):
            row["value"] = int(value)
    elif data_type == "continuous":
        values = np.round(rng.normal(level, noise), int(spec.get("decimals", 1)))
        for row, value in zip(rows, values):
            row["value"] = float(value)
    else:
        raise ValueError(f"{key}: a {data_type} measure has no periods; see the event series")
    return rows


def _event_series(key: str, data_type: str, spec: Mapping) -> list[dict]:
    """Rows for days/cases between events: one row per event, dated."""
    rng = np.random.default_rng(int(spec["seed"]))
    count = int(spec["periods"])
    start = parse_period(spec["start"])
    change = spec.get("change")
    change_at = parse_period(change["at"]) if change else None
    base, new = float(spec["level"]), float(change["level"]) if change else None
    draws = rng.standard_exponential(count) if data_type == "days_between" else rng.random(count)
    rows, previous = [], start
    for draw in draws:
        level = new if change_at is not None and previous >= change_at else base
        if data_type == "days_between":
            gap, value = max(1, round(float(draw) * level)), None
        else:
            # geometric number of cases before the next event, mean = level (inverse transform)
            p = 1.0 / (level + 1.0)
            value = int(math.floor(math.log1p(-float(draw)) / math.log1p(-p)))
            gap = max(1, round((value + 1) / float(spec["cases_per_day"])))
        previous = previous + timedelta(days=gap)
        rows.append({"measure": key, "period": previous, "value": value, "numerator": None, "denominator": None})
    return rows


def generate_series(measure: Mapping) -> list[dict]:
    """The rows of one measure from its YAML spec (``key``, ``data_type``, ``period``, ``series``)."""
    spec, key, data_type = measure["series"], measure["key"], measure["data_type"]
    if data_type in EVENT_DATA_TYPES:
        rows = _event_series(key, data_type, spec)
    else:
        rows = _period_series(key, data_type, measure["period"], spec)
    by_period = {row["period"]: row for row in rows}
    for row in rows:
        row["note"], row["excluded"] = None, False
    for label, text in (spec.get("notes") or {}).items():
        _row_for(by_period, label, measure)["note"] = text
    for label, override in (spec.get("points") or {}).items():
        row = _row_for(by_period, label, measure)
        unknown = set(override) - {"value", "numerator", "denominator", "note", "excluded"}
        if unknown:
            raise ValueError(f"{key}: points.{label} has unknown fields {sorted(unknown)}")
        row.update(override)
    return rows


def _row_for(by_period: dict, label: Any, measure: Mapping) -> dict:
    day = parse_period(label)
    if day not in by_period:
        raise ValueError(f"{measure['key']}: {label} is not a period of the series")
    return by_period[day]


def generate_points(measures: Iterable[Mapping] | None = None) -> pd.DataFrame:
    """All demo data points, generated from the series specs (default: the demo's own).

    Columns: measure (key), period (date), value, numerator, denominator, note, excluded;
    in the order of the YAML files, each measure's rows in period order.
    """
    measures = measure_specs() if measures is None else list(measures)
    rows = [row for measure in measures for row in generate_series(measure)]
    frame = pd.DataFrame(rows, columns=list(CSV_COLUMNS))
    return frame.astype({"excluded": bool})


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(round(value, 6))


def points_csv_text(points: pd.DataFrame | None = None, measures: Iterable[Mapping] | None = None) -> str:
    """The CSV text of the points: periods as labels (2026-W05, 2026-03, 2026-03-02)."""
    measures = measure_specs() if measures is None else list(measures)
    points = generate_points(measures) if points is None else points
    period_kind = {m["key"]: m["period"] for m in measures}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in points.itertuples(index=False):
        note = row.note if isinstance(row.note, str) else ""
        writer.writerow([
            row.measure, period_label(row.period, period_kind[row.measure]),
            _number(row.value), _number(row.numerator), _number(row.denominator),
            note, "true" if row.excluded else "",
        ])
    return out.getvalue()


def write_points_csv(demo_dir: Path = DEMO_DIR) -> Path:
    """Regenerate data/demo/data_points.csv from the seeds in the project files."""
    path = demo_dir / POINTS_CSV
    measures = measure_specs(read_projects(demo_dir))
    path.write_text(points_csv_text(measures=measures), encoding="utf-8")
    return path


def read_points_csv(demo_dir: Path = DEMO_DIR) -> dict[str, list[dict]]:
    """The stored points, per measure key, as raw dicts ready for DataPoint validation."""
    points: dict[str, list[dict]] = {}
    with (demo_dir / POINTS_CSV).open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if tuple(row) != CSV_COLUMNS:
                raise ValueError(f"{POINTS_CSV} line {line}: columns must be {', '.join(CSV_COLUMNS)}")
            points.setdefault(row["measure"], []).append({
                "period": row["period"],
                "value": float(row["value"]) if row["value"] else None,
                "numerator": float(row["numerator"]) if row["numerator"] else None,
                "denominator": float(row["denominator"]) if row["denominator"] else None,
                "note": row["note"] or None,
                "excluded": row["excluded"].strip().lower() == "true",
            })
    return points


if __name__ == "__main__":
    written = write_points_csv()
    print(f"Wrote {written.relative_to(PROJECT_ROOT)} from the seeds in {DEMO_DIR.relative_to(PROJECT_ROOT)}/projects")
