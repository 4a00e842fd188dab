"""Every measure in the database analysed at once, for leaders who look across projects.

One fetch of all plotted points and one vectorised analysis (pdsa.spc.many), giving per
measure the same findings as its own chart: whether the latest part shows a signal, what the
signal means (the ``tone`` pdsa.findings.Finding gives the chart's own sentence), the centre
line, the latest value against the target, and the recent points for a sparkline. Around it
(:func:`build_portfolio`) come the projects' facts and the lists the leaders' page filters by,
each fetched in one query: never a loop per project or per measure.
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import psycopg

from pdsa.findings import MIN_USEFUL_POINTS
from pdsa.models import CHARTS_FOR_DATA_TYPE, EVENT_DATA_TYPES
from pdsa.spc.many import analyze_many
from pdsa.spc.signals import MEANING_BY_POINT_TYPE
from pdsa.store.portfolio import (
    all_measure_series,
    chart_positions,
    open_problems_by_pathway,
    portfolio_lists,
    portfolio_measures,
    portfolio_projects,
    read_snapshot,
    theme_measure_links,
    write_snapshot,
)

PORTFOLIO_COLUMNS = (
    "measure_id", "project_id", "theme_id", "measure", "kind", "data_type", "chart", "rules", "n_points",
    "last_part", "runs_signal", "n_sigma_signal", "variation_icon", "assurance", "signal", "tone", "centre",
    "latest", "latest_period", "recent",
)
# What the latest part says, as pdsa.findings.Finding.tone, and "no_data" for a measure with
# nothing to plot yet. In the order a leader reads them when sorting by signal: bad news first.
TONES = ("deterioration", "non_random", "improvement", "too_few_to_tell", "random", "no_data")
SPARKLINE_POINTS = 20               # the recent points a row's sparkline shows
STALE_AFTER = 3                     # periods since the newest data: two whole periods with none
CYCLE_WINDOW_DAYS = 90
_DIRECTION = {"up": "increase", "down": "decrease"}   # as pdsa.series.engine_direction
_DISPERSION_CHARTS = ("mr", "s")     # no better side (pdsa.spc.engine.DISPERSION_CHARTS)


def _settings(measures: pd.DataFrame, positions: pd.DataFrame) -> pd.DataFrame:
    """One settings row per measure with points, as pdsa.series.analyze_measure sets them."""
    table = measures.merge(positions, left_on="measure_id", right_on="series")
    chart = table["chart"].where(table["chart"] != "", table["data_type"].map(lambda d: CHARTS_FOR_DATA_TYPE[d][0]))
    part = [
        [int(k) for k in p] if isinstance(p, (list, np.ndarray)) and len(p) else None for p in table["part"]
    ]
    freeze = [None if p or pd.isna(f) else int(f) for p, f in zip(part, table["freeze"])]
    return pd.DataFrame({
        "series": table["measure_id"].astype(int).to_numpy(),
        "chart": chart.to_numpy(),
        "rules": np.where(chart == "i", table["rules"], "anhoej"),
        "direction": table["direction"].map(_DIRECTION).to_numpy(),
        "target": table["target"].to_numpy(dtype=float),
        "part": part,
        "freeze": freeze,
    })


def _last_part_meanings(result, settings: pd.DataFrame) -> pd.DataFrame:
    """series, improvement, concern: whether the latest part has a signal meaning that (as the
    signals pdsa.spc.signals words for the chart: points outside the limits and long runs read
    against the better direction; Making Data Count's special-cause point types).

    Per-series settings are arrays over the series' category codes, spread to the points with
    one ``take``; per-point flags gather back per series with ``bincount``."""
    points = result.points
    labels = pd.Index(points["series"].cat.categories.astype(np.int64))
    codes = points["series"].cat.codes.to_numpy()
    n = len(labels)
    cfg = settings.set_index("series").reindex(labels)
    summary = result.summary.assign(series=result.summary["series"].astype(np.int64)).set_index("series")
    last_part = summary["last_part"].reindex(labels).to_numpy()
    chart = cfg["chart"].to_numpy()
    anhoej = (cfg["rules"] == "anhoej").to_numpy()
    sided = ~np.isin(chart, _DISPERSION_CHARTS)
    better = np.where(cfg["direction"].to_numpy() == "decrease", -1.0, 1.0)
    in_last = points["part"].to_numpy() == last_part[codes]
    y, cl, ucl = (points[c].to_numpy(dtype=float) for c in ("y", "cl", "ucl"))

    def per_series(flags: np.ndarray) -> np.ndarray:
        return np.bincount(codes[flags], minlength=n) > 0

    # points outside the limits (Anhøj): the side they are on, read against the better direction
    outside = in_last & (anhoej & sided)[codes] & points["sigma_signal"].to_numpy(dtype=bool)
    side = np.where(y > ucl, 1.0, -1.0) * better[codes]
    improvement = per_series(outside & (side > 0))
    concern = per_series(outside & (side < 0))

    # long runs (Anhøj, not on MR charts): runs of useful points on one side of the centre line
    parts = result.parts.assign(series=result.parts["series"].astype(np.int64))
    last = parts.merge(pd.DataFrame({"series": labels, "part": last_part}), on=["series", "part"])
    run_max = last.set_index("series")["longest_run_max"].reindex(labels).to_numpy(dtype=float)
    sides = np.sign(y - cl)
    useful = (in_last & (anhoej & sided & (chart != "mr"))[codes] & points["include"].to_numpy(dtype=bool)
              & np.isfinite(sides) & (sides != 0))
    idx = np.flatnonzero(useful)
    if len(idx):
        run_codes, run_sides = codes[idx], sides[idx]
        starts = np.flatnonzero(np.r_[True, (run_codes[1:] != run_codes[:-1]) | (run_sides[1:] != run_sides[:-1])])
        lengths = np.diff(np.r_[starts, len(idx)])
        owner, signed = run_codes[starts], run_sides[starts] * better[run_codes[starts]]
        long = lengths > run_max[owner]
        improvement[owner[long & (signed > 0)]] = True
        concern[owner[long & (signed < 0)]] = True

    # Making Data Count: each special-cause point's type says what it means
    if "point_type" in points:
        types = points["point_type"].astype("category")
        meaning = np.array([MEANING_BY_POINT_TYPE.get(c) for c in types.cat.categories] + [None], dtype=object)
        by_point = meaning[types.cat.codes.to_numpy()]  # code -1 (no type) takes the last: None
        mdc = in_last & (~anhoej)[codes]
        improvement |= per_series(mdc & (by_point == "improvement"))
        concern |= per_series(mdc & (by_point == "concern"))

    return pd.DataFrame({"improvement": improvement, "concern": concern}, index=labels)


def _tones(summary: pd.DataFrame, meanings: pd.DataFrame, n_useful: pd.Series) -> pd.Series:
    """pdsa.findings.Finding.tone for every series at once."""
    is_mdc = summary["rules"].to_numpy() == "mdc"
    icon = summary["variation_icon"]
    runs = summary["runs_signal"].fillna(False).astype(bool).to_numpy()
    outside = summary["n_sigma_signal"].to_numpy() > 0
    special = (icon.notna() & (icon != "common_cause")).to_numpy()
    has_signal = runs | outside | special
    short = ~is_mdc & (n_useful.reindex(summary["series"]).fillna(0).to_numpy() < MIN_USEFUL_POINTS)
    improvement = meanings["improvement"].reindex(summary["series"]).fillna(False).to_numpy(dtype=bool)
    concern = meanings["concern"].reindex(summary["series"]).fillna(False).to_numpy(dtype=bool)
    neither = ~improvement & ~concern
    improvement = improvement | (neither & (icon == "special_cause_improvement").to_numpy())
    concern = concern | (neither & (icon == "special_cause_concern").to_numpy())
    tone = np.select(
        [~has_signal & short, ~has_signal, improvement & ~concern, concern & ~improvement],
        ["too_few_to_tell", "random", "improvement", "deterioration"],
        default="non_random",
    )
    return pd.Series(tone, index=summary.index)


def _recent(points: pd.DataFrame) -> pd.DataFrame:
    """series, centre (the centre line at the latest point), latest (its plotted value) and
    recent (the last SPARKLINE_POINTS plotted values, a list) per series. The points come
    ordered by series, then position."""
    codes = points["series"].cat.codes.to_numpy()
    labels = points["series"].cat.categories.astype(np.int64)
    ends = np.flatnonzero(np.r_[codes[1:] != codes[:-1], True])
    starts = np.r_[0, ends[:-1] + 1]
    y = points["y"].to_numpy(dtype=float)
    first = np.maximum(starts, ends + 1 - SPARKLINE_POINTS)
    lengths = ends + 1 - first
    take = np.repeat(first - np.r_[0, np.cumsum(lengths)[:-1]], lengths) + np.arange(lengths.sum())
    recent = [part.tolist() for part in np.split(np.round(y[take], 6), np.cumsum(lengths)[:-1])]
    return pd.DataFrame({
        "series": np.asarray(labels)[codes[ends]],
        "centre": points["cl"].to_numpy(dtype=float)[ends],
        "latest": y[ends],
        "recent": recent,
    })


def _evaluate_chunk(data: pd.DataFrame, settings: pd.DataFrame) -> pd.DataFrame:
    """What the latest part of each series in ``data`` shows, one row per series: the summary's
    columns with tone, signal, centre, latest and recent. Only these rows are kept: the
    per-point frames the analysis makes are dropped as soon as they are read."""
    result = analyze_many(data, settings)
    summary = result.summary.assign(series=result.summary["series"].astype(np.int64))
    last = summary[["series", "last_part"]]
    parts = result.parts.assign(series=result.parts["series"].astype(np.int64))
    n_useful = parts.merge(last, left_on=["series", "part"], right_on=["series", "last_part"]).set_index(
        "series")["n_useful"].astype("Float64")
    summary["tone"] = _tones(summary, _last_part_meanings(result, settings), n_useful)
    is_mdc = summary["rules"] == "mdc"
    anhoej_signal = summary["runs_signal"].fillna(False).astype(bool) | (summary["n_sigma_signal"] > 0)
    # as pdsa.findings.Finding.has_signal: a special-cause last point, or any point outside the limits
    mdc_signal = (summary["variation_icon"].notna() & (summary["variation_icon"] != "common_cause")) | (
        summary["n_sigma_signal"] > 0)
    summary["signal"] = (is_mdc & mdc_signal) | (~is_mdc & anhoej_signal)
    return summary.merge(_recent(result.points), on="series")


def _chunks(series: np.ndarray, size: int) -> list[slice]:
    """Row slices of ``series`` (sorted, rows of a series together) of about ``size`` rows each,
    never cutting a series in two."""
    if len(series) == 0:
        return []
    starts = np.flatnonzero(np.r_[True, series[1:] != series[:-1]])
    bounds = [0]
    for start in starts:
        if start - bounds[-1] >= size:
            bounds.append(int(start))
    bounds.append(len(series))
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]


CHUNK_POINTS = 200_000  # points analysed together: every series is analysed on its own, so the
#                         figures are the same for any size; a smaller one caps the memory it takes


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The passes' rows as one pass would give them: a column that is all missing in one pass
    (say no Making Data Count series in it) takes the type the others give it."""
    dtypes = {}
    for frame in frames:
        for column, dtype in frame.dtypes.items():
            if column not in dtypes and frame[column].notna().any():
                dtypes[column] = dtype
    return pd.concat(frames, ignore_index=True).astype(dtypes)


FETCH_MEASURES = 2000  # measures fetched together in a full pass (see evaluate_portfolio)


def evaluate_portfolio(cur, measures: pd.DataFrame | None = None, only=None) -> pd.DataFrame:
    """One row per measure with data: its chart and what the latest part shows (PORTFOLIO_COLUMNS);
    of every measure in ``measures`` (default: portfolio_measures), or only of those whose ids
    are in ``only``.

    The vectorised analysis runs over a few hundred thousand points at a time (whole series
    each), so the per-point frames never exist for the whole region at once. A full pass fetches
    FETCH_MEASURES measures at a time by id, the next group on a second connection while this
    one is analysed: the database's work and ours overlap (on PostgreSQL the fetch is half the
    first render), and each measure is still read whole in one statement."""
    measures = portfolio_measures(cur) if measures is None else measures
    wanted_ids = measures["measure_id"].astype(int)
    if only is not None:
        wanted_ids = wanted_ids[wanted_ids.isin([int(i) for i in only])]
        if wanted_ids.empty:
            return pd.DataFrame(columns=list(PORTFOLIO_COLUMNS))
        found = [_evaluate_fetched(cur, measures, wanted_ids, all_measure_series(cur, wanted_ids.tolist()))]
    else:
        found = list(_evaluate_by_id_groups(cur, measures, wanted_ids))
    found = [frame for frame in found if not frame.empty]
    if not found:
        return pd.DataFrame(columns=list(PORTFOLIO_COLUMNS))
    summary = found[0] if len(found) == 1 else _concat(found)
    info = measures[["measure_id", "project_id", "theme_id", "name", "kind", "data_type"]].rename(
        columns={"name": "measure"})
    table = info.merge(summary.rename(columns={"series": "measure_id"}), on="measure_id")
    return table[list(PORTFOLIO_COLUMNS)]


def _id_groups(ids: pd.Series) -> list[tuple[int, int]]:
    """(first, last) id of each run of FETCH_MEASURES ids, in id order."""
    ordered = np.sort(ids.to_numpy(dtype=np.int64))
    return [(int(group[0]), int(group[-1])) for group in
            (ordered[i:i + FETCH_MEASURES] for i in range(0, len(ordered), FETCH_MEASURES))]


def _evaluate_by_id_groups(cur, measures: pd.DataFrame, wanted_ids: pd.Series):
    """Every wanted measure's summary rows, a group of ids at a time; while a group is analysed,
    the next one is fetched on a cursor of its own (its own connection on PostgreSQL, a second
    DuckDB connection to the same database), in a thread that mostly waits for the database."""
    groups = _id_groups(wanted_ids)
    if len(groups) <= 1:
        if groups:
            yield _evaluate_fetched(cur, measures, wanted_ids, all_measure_series(cur, id_range=groups[0]))
        return
    fetcher = cur.cursor()
    try:
        with ThreadPoolExecutor(1, thread_name_prefix="portfolio-fetch") as pool:
            coming = pool.submit(all_measure_series, fetcher, id_range=groups[0])
            for following in [*groups[1:], None]:
                data = coming.result()
                if following is not None:
                    coming = pool.submit(all_measure_series, fetcher, id_range=following)
                yield _evaluate_fetched(cur, measures, wanted_ids, data)
    finally:
        fetcher.close()


def _evaluate_fetched(cur, measures: pd.DataFrame, wanted_ids: pd.Series, data: pd.DataFrame) -> pd.DataFrame:
    """The summary rows (by series) of the wanted measures among the points fetched."""
    wanted = data["series"].isin(wanted_ids)
    if not wanted.all():
        data = data[wanted].reset_index(drop=True)
    if data.empty:
        return pd.DataFrame()
    settings = _settings(measures, chart_positions(cur, data))
    latest_period = data.groupby("series")["period"].max().dt.date.rename("latest_period")
    columns = data[["series", "x", "y", "n", "exclude"]]
    del data
    series = columns["series"].to_numpy()
    found = []
    for rows in _chunks(series, CHUNK_POINTS):
        chunk = columns.iloc[rows]
        found.append(_evaluate_chunk(chunk, settings[settings["series"].isin(np.unique(series[rows]))]))
    del columns
    summary = found[0] if len(found) == 1 else _concat(found)
    return summary.merge(latest_period, left_on="series", right_index=True)


# --- evaluating again only what changed -------------------------------------------------------------
# A measure's findings depend on its points and its chart settings only, and the measure row
# counts both: ``version`` goes up with every change to its settings (splits and freeze too),
# ``data_version`` with every change to its points. So after a save the portfolio evaluates
# the measures whose two numbers moved (or that it did not list before: a new measure, one
# restored, one of a restored project) and keeps every other row as it was: one team's save
# costs a leader the fetch of one measure, not of the region's million points. The numbers
# are read before the points, so a save in between is evaluated now and again next time.
STAMP_COLUMNS = ("measure_id", "version", "data_version")
REFRESH_AT_MOST = 0.25  # the share of measures above which one full pass is the quicker way


def changed_measures(measures: pd.DataFrame, stamps: pd.DataFrame | None) -> list[int] | None:
    """Ids of the measures in ``measures`` whose version or data_version differ from ``stamps``
    (or that are not in it); None when everything must be evaluated (no stamps, or so many
    changed that a full pass is quicker)."""
    if stamps is None:
        return None
    now = measures[list(STAMP_COLUMNS)].merge(stamps, on="measure_id", how="left", suffixes=("", "_before"))
    moved = (now["version"].ne(now["version_before"]).fillna(True)
             | now["data_version"].ne(now["data_version_before"]).fillna(True)).to_numpy(dtype=bool)
    ids = now.loc[moved, "measure_id"].astype(int).tolist()
    if len(ids) > REFRESH_AT_MOST * max(len(measures), 1):
        return None
    return ids


def reevaluate_portfolio(cur, measures: pd.DataFrame, evaluated: pd.DataFrame, ids: list[int]) -> pd.DataFrame:
    """``evaluated`` (as evaluate_portfolio gave it earlier) with the rows of ``ids`` evaluated
    again from the database and the rows of measures no longer in ``measures`` left out."""
    listed = measures["measure_id"].astype(int)
    kept = evaluated[evaluated["measure_id"].astype(int).isin(listed)
                     & ~evaluated["measure_id"].astype(int).isin(ids)]
    fresh = evaluate_portfolio(cur, measures, only=ids)
    frames = [frame for frame in (kept, fresh) if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=list(PORTFOLIO_COLUMNS))
    return frames[0].reset_index(drop=True) if len(frames) == 1 else _concat(frames)


def periods_since(last: pd.Series, period: pd.Series, today: date) -> pd.Series:
    """Whole periods from the period of ``last`` to the one ``today`` is in (days, ISO weeks or
    months, as each measure is recorded); <NA> where there is no data."""
    day = pd.Timestamp(today)
    last = pd.to_datetime(last)
    days = (day - last).dt.days
    weeks = ((day - pd.Timedelta(days=day.weekday())) - (last - pd.to_timedelta(last.dt.day_of_week, unit="D"))).dt.days // 7
    months = (day.year * 12 + day.month) - (last.dt.year * 12 + last.dt.month)
    elapsed = np.select([period == "week", period == "month"], [weeks, months], default=days)
    return pd.Series(pd.array(np.where(last.isna(), np.nan, elapsed), dtype="Float64").astype("Int64"),
                     index=last.index)


# --- the evaluation kept in the database --------------------------------------------------------
# A new app server process (a restart, another server) starts from the evaluation kept in the
# database (pdsa.store.portfolio.read_snapshot) instead of evaluating the region afresh: the
# stamps it was made at tell which measures changed since, and only those are evaluated again.
# It is kept only for the code that made it: the fingerprint of every source file the findings
# depend on, and the versions of numpy and pandas, so new statistics never read old findings.
SNAPSHOT_AFTER = 200  # measures evaluated again since the kept evaluation before it is replaced
_EVALUATION_SOURCES = ("portfolio.py", "store/portfolio.py", "findings.py", "models.py", "series.py", "spc")


@cache
def evaluation_code() -> str:
    """A fingerprint of the code that evaluates the portfolio."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"numpy {np.__version__} pandas {pd.__version__}".encode())
    for name in _EVALUATION_SOURCES:
        for path in sorted((root / name).rglob("*.py")) if (root / name).is_dir() else [root / name]:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _kept(cur) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    try:
        return read_snapshot(cur, evaluation_code())
    except (duckdb.Error, psycopg.Error):  # an older schema, a busy database: evaluate afresh
        return None


def _keep(cur, evaluated: pd.DataFrame, stamps: pd.DataFrame) -> bool:
    """Store the evaluation for the next process; False when the database would not take it now
    (a read-only file, another server writing it at the same moment): the next one will."""
    try:
        write_snapshot(cur, evaluation_code(), evaluated, stamps)
    except (duckdb.Error, psycopg.Error):
        return False
    return True


@dataclass
class Portfolio:
    """What the leaders' page shows, evaluated once per data version and day (the page caches it).

    measures: one row per measure (PORTFOLIO_COLUMNS for those with data; tone "no_data" and
              empty findings for the others) with its owner and the project's facts beside it:
              pathway_id, status, progress, last_cycle_on, cycles_90, target, meets_target,
              last_data, periods_since, stale.
    projects: pdsa.store.portfolio.portfolio_projects; lists: portfolio_lists; theme_links:
              theme_measure_links; open_problems: open problems per pathway.
    """

    measures: pd.DataFrame
    projects: pd.DataFrame
    lists: dict[str, pd.DataFrame] = field(default_factory=dict)
    theme_links: pd.DataFrame | None = None
    open_problems: pd.DataFrame | None = None
    failure: str | None = None       # the engine could not chart some stored data: why
    evaluated: pd.DataFrame | None = None   # evaluate_portfolio's rows, kept for the next refresh
    stamps: pd.DataFrame | None = None      # STAMP_COLUMNS of the measures they were evaluated at
    unkept: int = 0                         # measures evaluated again since the evaluation was stored


def build_portfolio(cur, today: date, previous: Portfolio | None = None, *, stored: bool = True) -> Portfolio:
    """The portfolio as the database holds it now. Given the ``previous`` one (of the same
    database), or else the evaluation kept in the database (``stored``), only the measures
    changed since are evaluated again (see changed_measures); the projects' facts and the lists
    are always read afresh (a few small queries). With ``stored`` a full evaluation, or one
    SNAPSHOT_AFTER measures on from the kept one, is kept in the database for the next process."""
    measures = portfolio_measures(cur)
    projects = portfolio_projects(cur, today)
    failure = None
    if previous is not None:
        base, unkept = (previous.evaluated, previous.stamps), previous.unkept
    else:
        base, unkept = (_kept(cur) if stored else None) or (None, None), 0
    ids = changed_measures(measures, base[1]) if base[0] is not None else None
    try:
        if ids is None:
            analysed = evaluate_portfolio(cur, measures)
        else:
            analysed = reevaluate_portfolio(cur, measures, base[0], ids)
        stamps = measures[list(STAMP_COLUMNS)].copy()
    except ValueError as exc:  # stored data the engine cannot chart: the rest of the page still works
        analysed, failure = pd.DataFrame(columns=list(PORTFOLIO_COLUMNS)), str(exc)
        stamps = None  # evaluate everything next time
    if stamps is not None:
        unkept = SNAPSHOT_AFTER if ids is None else unkept + len(ids)
        if stored and unkept >= SNAPSHOT_AFTER and _keep(cur, analysed, stamps):
            unkept = 0
    found = analysed.drop(columns=["project_id", "theme_id", "measure", "kind", "data_type"])
    table = measures.drop(columns=["chart", "rules", "version", "data_version"]).rename(
        columns={"name": "measure"}).merge(found, on="measure_id", how="left")
    table["chart"] = table["chart"].fillna("")
    table["tone"] = table["tone"].fillna("no_data")
    table["signal"] = table["signal"].fillna(False).astype(bool)
    for column in ("centre", "latest"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype(float)
    table["n_points"] = pd.to_numeric(table["n_points"], errors="coerce").fillna(0).astype(int)
    table["recent"] = [r if isinstance(r, list) else [] for r in table["recent"]]
    higher = table["direction"] == "up"
    meets = np.where(higher, table["latest"] >= table["target"], table["latest"] <= table["target"])
    known = table["target"].notna() & table["latest"].notna()
    table["meets_target"] = pd.array(np.where(known, meets, False), dtype="boolean")
    table.loc[~known.to_numpy(), "meets_target"] = pd.NA
    elapsed = periods_since(table["last_data"], table["period"], today)
    table["periods_since"] = elapsed
    events = table["data_type"].isin(EVENT_DATA_TYPES)  # a quiet stretch between events is no gap
    table["stale"] = ((elapsed >= STALE_AFTER).fillna(False) & ~events).astype(bool)
    facts = projects[["project_id", "pathway_id", "status", "progress", "last_cycle_on", "cycles_90"]]
    table = table.merge(facts, on="project_id", how="left")
    return Portfolio(measures=table, projects=projects, lists=portfolio_lists(cur),
                     theme_links=theme_measure_links(cur), open_problems=open_problems_by_pathway(cur),
                     failure=failure, evaluated=analysed, stamps=stamps, unkept=unkept)
