"""The leaders' portfolio as one virtualised table: cached evaluation, filters, sorting, downloads.

The evaluation (pdsa.portfolio.build_portfolio: every measure in one vectorised pass, the
projects' facts and the filter lists) is cached for every session of this server under the
database, the data version and the day. The data version is the newest audit event's id (and
the count of events just below it, for a save that commits late), read per run: every saving
action writes one, on this server or on another one sharing the PostgreSQL database, so a save
anywhere shows at the next run, and nothing else re-evaluates.
A new version evaluates again only the measures whose points or settings changed.
The table in the reader's language is cached beside it, so switching language only relabels.
"""

from __future__ import annotations

import base64
import ctypes
import io
import math
import threading
from datetime import date
from functools import cache

import numpy as np
import pandas as pd
import streamlit as st

from actions.actor import Actor
from pdsa.mdc_marks import (
    ASSURANCE_COLOURS,
    ASSURANCE_LETTERS,
    MDC_COLOURS,
    variation_letter,
)
from pdsa.models import PROPORTION_DATA_TYPES
from pdsa.portfolio import TONES, Portfolio, build_portfolio
from ui.format import fmt_number
from ui.state import cursor, language, saved_data_key, t
from ui.visibility import reads_everything

SORTS = ("project", "signal", "stale")
TABLE_PAGE_ROWS = 1000  # rows sent to the browser at a time (see table_window)
FILTER_KEYS = ("portfolio-pathway", "portfolio-unit", "portfolio-sector", "portfolio-theme", "portfolio-status",
               "portfolio-signal")
PROJECT_STATUSES = ("planning", "active", "sustaining", "completed", "stopped")
SECTORS = ("hospital", "municipality", "general_practice", "region", "other")


# --- the cached evaluation --------------------------------------------------------------------

_latest: dict[str, Portfolio] = {}  # per database: the newest evaluation, for the next refresh
_latest_lock = threading.Lock()


@st.cache_resource(show_spinner=False, max_entries=2)
def _evaluated(database_key: str, version: tuple[int, int], today: date) -> Portfolio:
    """Shared by every session (read-only: callers never change it); one evaluation per key,
    starting from the newest one of the same database, so that only changed measures are
    evaluated again (pdsa.portfolio.build_portfolio)."""
    with _latest_lock:
        previous = _latest.get(database_key)
    portfolio = build_portfolio(cursor(), today, previous=previous)
    with _latest_lock:
        for key in [k for k in _latest if k != database_key]:
            del _latest[key]  # a database this server no longer opens: let it go
        _latest[database_key] = portfolio
    _give_back_memory()
    return portfolio


def _give_back_memory() -> None:
    """The evaluation's per-point arrays are freed when it ends, but the C allocator keeps their
    pages (on the region database some 100 MB): hand them back to the system, so the server
    grows from what it holds, not from the evaluation's high-water mark. Only where the C
    library has malloc_trim (glibc, Linux); elsewhere nothing happens."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def current_portfolio(today: date | None = None) -> tuple[Portfolio, tuple]:
    """The portfolio as it is now, and the key it is cached under."""
    key = (*saved_data_key(), today or date.today())
    return _evaluated(*key), key


# --- icons and words ------------------------------------------------------------------------
# The table's icons are plain SVG text in the chart's colours and letters (pdsa.mdc_marks), so
# this page does not import Altair (pdsa.charts_icons draws the chart's icons with it).


@cache
def _icon(letter: str, colour: str) -> str:
    """A Making Data Count icon as a small SVG data URL: a ring in the colour, the letter inside."""
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="28" height="28" viewBox="0 0 28 28">'
           f'<circle cx="14" cy="14" r="11" fill="white" stroke="{colour}" stroke-width="3"/>'
           f'<text x="14" y="18.5" font-family="Arial,sans-serif" font-size="12" font-weight="bold" '
           f'text-anchor="middle" fill="{colour}">{letter}</text></svg>')
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def variation_icon(point_type: object, direction: str) -> str | None:
    if not isinstance(point_type, str) or point_type not in MDC_COLOURS:
        return None
    engine = "decrease" if direction == "down" else "increase"
    return _icon(variation_letter(point_type, engine) or "~", MDC_COLOURS[point_type])


def assurance_icon(assurance: object) -> str | None:
    if not isinstance(assurance, str) or assurance not in ASSURANCE_COLOURS:
        return None
    return _icon(ASSURANCE_LETTERS[assurance], ASSURANCE_COLOURS[assurance])


def _number_text(values: pd.Series, percent: pd.Series, lang: str) -> pd.Series:
    """Values as the language writes them: percentages without decimals, else one decimal."""
    decimal = "," if lang == "da" else "."
    out = []
    for value, is_percent in zip(values.to_numpy(dtype=float), percent.to_numpy(dtype=bool)):
        if np.isnan(value):
            out.append("")
        elif is_percent:
            out.append(f"{value * 100:.0f} %")
        else:
            out.append(f"{value:.1f}".replace(".", decimal))
    return pd.Series(out, index=values.index, dtype=object)


# --- the table in the reader's language ----------------------------------------------------------

def measure_link(project_id, theme_id, measure_id) -> str:
    """The measure's chart: its project's page (or its theme's), with the measure in the address."""
    if pd.notna(project_id):
        return f"projects?project={int(project_id)}&measure={int(measure_id)}"
    return f"themes?theme={int(theme_id)}&measure={int(measure_id)}"


@st.cache_resource(show_spinner=False, max_entries=4)
def _shown(database_key: str, version: tuple[int, int], today: date, lang: str, _portfolio: Portfolio) -> pd.DataFrame:
    """Every measure's row as the table shows it (texts in ``lang``), with the codes beside it
    that the filters and sorts use. Read-only, shared by every session."""
    m = _portfolio.measures
    lists = _portfolio.lists
    titles = _portfolio.projects.set_index("project_id")["title"]
    themes = lists["themes"].set_index("theme_id")["name"]
    pathways = lists["pathways"].set_index("pathway_id")["name"]

    def tr(key: str, **values) -> str:
        from pdsa.i18n import translate
        return translate(lang, key, **values)

    def words(codes: pd.Series, word) -> np.ndarray:
        """word(code) for every row, each distinct code translated once (as categories: no
        Python loop over the rows)."""
        found = pd.Categorical(codes)
        table = [word(code) for code in found.categories]
        table.append(word(None) if (found.codes == -1).any() else "")  # code -1: missing
        return np.array(table, dtype=object)[found.codes]

    # as objects before filling: mapped through an empty list (no themes) the column is numeric
    theme_owner = {theme_id: tr("portfolio.theme_owner", name=name) for theme_id, name in themes.items()}
    owner = np.where(m["project_id"].notna(), m["project_id"].map(titles).astype(object).fillna(""),
                     m["theme_id"].map(theme_owner).astype(object).fillna(""))
    percent = m["data_type"].isin(PROPORTION_DATA_TYPES)
    meets = m["meets_target"]
    # the order "grouped by project": projects as the store lists them, then the themes' own measures
    group = np.where(m["project_id"].notna(), 0, 1)
    shown = pd.DataFrame({
        "owner": owner,
        "measure": m["measure"].to_numpy(),
        "chart": [measure_link(p, th, i) for p, th, i in zip(m["project_id"], m["theme_id"], m["measure_id"])],
        "signal": words(m["tone"], lambda tone: tr(f"portfolio.tone.{tone}")),
        "recent": m["recent"].to_numpy(),
        # "" rather than None: the table shows a missing value as the word "None"
        "variation": [variation_icon(v, d) or "" for v, d in zip(m["variation_icon"], m["direction"])],
        "assurance": [assurance_icon(a) or "" for a in m["assurance"]],
        "latest": _number_text(m["latest"], percent, lang).to_numpy(),
        "latest_period": m["latest_period"].to_numpy(),
        "target": _number_text(m["target"], percent, lang).to_numpy(),
        "meets_target": np.where(meets.isna(), "", np.where(meets.fillna(False), tr("portfolio.yes"), tr("portfolio.no"))),
        "progress": m["progress"].to_numpy(dtype=float),
        "last_cycle": m["last_cycle_on"].to_numpy(),
        "cycles_90": m["cycles_90"].to_numpy(),
        "data": np.where(m["stale"], tr("portfolio.stale"), ""),
        "last_data": m["last_data"].to_numpy(),
        "pathway": m["pathway_id"].map(pathways).fillna("").to_numpy(),
        "status": words(m["status"], lambda s: tr(f"project_status.{s}") if isinstance(s, str) else ""),
        "kind": words(m["kind"], lambda k: tr(f"measure_kind.{k}")),
        # codes for filtering, sorting and the downloads (never shown as columns)
        "_measure_id": m["measure_id"].to_numpy(),
        "_project_id": m["project_id"].to_numpy(),
        "_theme_id": m["theme_id"].to_numpy(),
        "_pathway_id": m["pathway_id"].to_numpy(),
        "_status": m["status"].to_numpy(),
        "_tone": m["tone"].to_numpy(),
        "_stale": m["stale"].to_numpy(dtype=bool),
        "_periods_since": m["periods_since"].to_numpy(),
        "_group": group,
        "_order": np.arange(len(m)),
        "_latest": m["latest"].to_numpy(dtype=float),
        "_target": m["target"].to_numpy(dtype=float),
        "_point_type": m["variation_icon"].to_numpy(),
        "_assurance": m["assurance"].to_numpy(),
    })
    return shown


def visible_rows(shown: pd.DataFrame, actor: Actor | None) -> pd.DataFrame:
    """What this reader may see: everything, or (a patient representative) the measures of the
    projects they are the patient partner of."""
    if reads_everything(actor):
        return shown
    if actor is None:
        return shown.iloc[0:0]
    mine = [pid for pid, roles in actor.project_roles.items() if "patient_partner" in roles]
    return shown[shown["_project_id"].isin(mine)]


def visible_project_ids(portfolio: Portfolio, actor: Actor | None) -> set[int]:
    ids = set(int(i) for i in portfolio.projects["project_id"])
    if reads_everything(actor):
        return ids
    if actor is None:
        return set()
    return {pid for pid, roles in actor.project_roles.items() if "patient_partner" in roles} & ids


# --- filters and sorting -----------------------------------------------------------------------

def projects_matching(portfolio: Portfolio, *, pathways=(), units=(), sectors=(), themes=(), statuses=()) -> set[int]:
    """The projects every chosen filter lets through (an empty choice lets all through)."""
    projects = portfolio.projects
    keep = pd.Series(True, index=projects.index)
    lists = portfolio.lists
    if pathways:
        keep &= projects["pathway_id"].isin(pathways)
    if statuses:
        keep &= projects["status"].isin(statuses)
    if units:
        pu = lists["project_units"]
        keep &= projects["project_id"].isin(pu.loc[pu["unit_id"].isin(units), "project_id"])
    if sectors:
        ps = lists["project_sectors"]
        keep &= projects["project_id"].isin(ps.loc[ps["sector"].isin(sectors), "project_id"])
    if themes:
        pt = lists["project_themes"]
        keep &= projects["project_id"].isin(pt.loc[pt["theme_id"].isin(themes), "project_id"])
    return set(int(i) for i in projects.loc[keep, "project_id"])


def filter_rows(shown: pd.DataFrame, portfolio: Portfolio, *, pathways=(), units=(), sectors=(), themes=(),
                statuses=(), tones=()) -> pd.DataFrame:
    """The rows the filters let through. A theme's own measure belongs to no pathway, unit,
    sector or project status: those filters leave it out; the theme filter keeps it, as it
    keeps single measures a leader chose for the theme."""
    keep = np.ones(len(shown), dtype=bool)
    project_filters = bool(pathways or units or sectors or statuses)
    if project_filters or themes:
        projects = projects_matching(portfolio, pathways=pathways, units=units, sectors=sectors, themes=(),
                                     statuses=statuses)
        in_project = shown["_project_id"].isin(projects).to_numpy()
        if themes:
            theme_projects = projects_matching(portfolio, themes=themes)
            links = portfolio.theme_links
            chosen = links.loc[links["theme_id"].isin(themes), "measure_id"] if links is not None else []
            of_theme = (shown["_project_id"].isin(theme_projects) | shown["_measure_id"].isin(chosen)).to_numpy()
            own = shown["_theme_id"].isin(themes).to_numpy()
            keep &= (in_project & of_theme) if project_filters else (of_theme | own)
        else:
            keep &= in_project
    if tones:
        keep &= shown["_tone"].isin(tones).to_numpy()
    return shown[keep]


def sort_rows(rows: pd.DataFrame, how: str) -> pd.DataFrame:
    """Grouped by project (as listed), by signal (bad news first) or by staleness (stale first,
    longest without data first; measures without any data after them)."""
    if how == "signal":
        rank = rows["_tone"].map({tone: k for k, tone in enumerate(TONES)})
        return rows.assign(_rank=rank).sort_values(["_rank", "_group", "_order"], kind="stable").drop(columns="_rank")
    if how == "stale":
        since = pd.to_numeric(rows["_periods_since"], errors="coerce").astype(float)
        return rows.assign(_since=since.fillna(-1.0)).sort_values(
            ["_stale", "_since", "_group", "_order"], ascending=[False, False, True, True], kind="stable"
        ).drop(columns="_since")
    return rows.sort_values(["_group", "_order"], kind="stable")


# --- showing and downloading --------------------------------------------------------------------

TABLE_COLUMNS = ("owner", "measure", "chart", "signal", "recent", "variation", "assurance", "latest", "latest_period",
                 "target", "meets_target", "progress", "last_cycle", "cycles_90", "data", "last_data", "pathway",
                 "status", "kind")


def column_config() -> dict:
    dates = "DD-MM-YYYY" if language() == "da" else "YYYY-MM-DD"  # as ui.format.fmt_date writes them
    col = lambda name: t(f"portfolio.col.{name}")  # noqa: E731
    helptext = lambda name: t(f"portfolio.col_help.{name}")  # noqa: E731
    return {
        "owner": st.column_config.TextColumn(col("owner"), width="medium"),
        "measure": st.column_config.TextColumn(col("measure"), width="medium"),
        "chart": st.column_config.LinkColumn(col("chart"), display_text=t("portfolio.open_chart"), width="small"),
        "signal": st.column_config.TextColumn(col("signal"), help=helptext("signal")),
        "recent": st.column_config.LineChartColumn(col("recent"), help=helptext("recent"), width="small"),
        "variation": st.column_config.ImageColumn(col("variation"), help=helptext("variation"), width="small"),
        "assurance": st.column_config.ImageColumn(col("assurance"), help=helptext("assurance"), width="small"),
        "latest": st.column_config.TextColumn(col("latest")),
        "latest_period": st.column_config.DateColumn(col("latest_period"), format=dates),
        "target": st.column_config.TextColumn(col("target")),
        "meets_target": st.column_config.TextColumn(col("meets_target"), help=helptext("meets_target")),
        "progress": st.column_config.NumberColumn(col("progress"), help=helptext("progress"), format="%.1f"),
        "last_cycle": st.column_config.DateColumn(col("last_cycle"), format=dates),
        "cycles_90": st.column_config.NumberColumn(col("cycles_90"), help=helptext("cycles_90"), format="%d"),
        "data": st.column_config.TextColumn(col("data"), help=helptext("data")),
        "last_data": st.column_config.DateColumn(col("last_data"), format=dates),
        "pathway": st.column_config.TextColumn(col("pathway")),
        "status": st.column_config.TextColumn(col("status")),
        "kind": st.column_config.TextColumn(col("kind")),
    }


def table_window(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows of the page the reader chose, TABLE_PAGE_ROWS at a time: the browser draws only
    the rows in view, but every row shown is sent to it and held by the server while the page is
    made (5 MB for a region's 10,000 measures, per leader opening it). The chooser and the line
    saying which rows are shown appear only when there is more than one page; a filter that
    changes the number of pages starts again at page 1."""
    pages = math.ceil(len(rows) / TABLE_PAGE_ROWS)
    if pages <= 1:
        return rows
    page = int(st.number_input(t("portfolio.table_page", pages=pages), min_value=1, max_value=pages, step=1,
                               key="portfolio-table-page",
                               help=t("portfolio.table_page_help", rows=fmt_number(TABLE_PAGE_ROWS, 0))))
    start = (page - 1) * TABLE_PAGE_ROWS
    window = rows.iloc[start:start + TABLE_PAGE_ROWS]
    st.caption(t("portfolio.table_window", first=fmt_number(start + 1, 0), last=fmt_number(start + len(window), 0),
                 total=fmt_number(len(rows), 0)))
    return window


def show_table(rows: pd.DataFrame) -> None:
    """One virtualised table (the browser draws only the rows in view) of the rows given."""
    st.dataframe(rows[list(TABLE_COLUMNS)], hide_index=True, width="stretch", height=min(38 + 35 * len(rows), 640),
                 column_config=column_config(), key="portfolio-table", placeholder="–")  # nothing yet, not "None"


def download_frame(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The rows as a spreadsheet holds them: words without symbols, numbers as numbers."""
    from pdsa.i18n import translate

    def tr(key: str) -> str:
        return translate(lang, key)

    frame = pd.DataFrame({
        tr("portfolio.col.owner"): rows["owner"].to_numpy(),
        tr("portfolio.col.measure"): rows["measure"].to_numpy(),
        tr("portfolio.col.pathway"): rows["pathway"].to_numpy(),
        tr("portfolio.col.status"): rows["status"].to_numpy(),
        tr("portfolio.col.kind"): rows["kind"].to_numpy(),
        tr("portfolio.col.signal"): rows["_tone"].map(lambda tone: tr(f"portfolio.tone_word.{tone}")).to_numpy(),
        tr("portfolio.col.variation"): rows["_point_type"].map(
            lambda v: tr(f"point_type.{v}") if isinstance(v, str) else "").to_numpy(),
        tr("portfolio.col.assurance"): rows["_assurance"].map(
            lambda a: tr(f"assurance.{a}") if isinstance(a, str) else "").to_numpy(),
        tr("portfolio.col.latest"): rows["_latest"].to_numpy(),
        tr("portfolio.col.latest_period"): rows["latest_period"].to_numpy(),
        tr("portfolio.col.target"): rows["_target"].to_numpy(),
        tr("portfolio.col.meets_target"): rows["meets_target"].str.replace(r"^\W+\s*", "", regex=True).to_numpy(),
        tr("portfolio.col.progress"): rows["progress"].to_numpy(),
        tr("portfolio.col.last_cycle"): rows["last_cycle"].to_numpy(),
        tr("portfolio.col.cycles_90"): rows["cycles_90"].to_numpy(),
        tr("portfolio.col.data"): rows["data"].str.replace(r"^\W+\s*", "", regex=True).to_numpy(),
        tr("portfolio.col.last_data"): rows["last_data"].to_numpy(),
        tr("portfolio.col.chart"): rows["chart"].to_numpy(),
    })
    return frame


def csv_bytes(frame: pd.DataFrame, lang: str) -> bytes:
    """CSV as the reader's spreadsheet opens it: Danish with semicolons and decimal commas."""
    if lang == "da":
        return frame.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")
    return frame.to_csv(index=False).encode("utf-8-sig")


def excel_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()


def download_buttons(rows: pd.DataFrame) -> None:
    """CSV and Excel of the rows shown (filtered and sorted); made only when clicked."""
    lang = language()
    sheet = t("portfolio.sheet_name")
    name = f"{t('portfolio.file_name')}-{date.today().isoformat()}"
    left, right = st.columns(2)
    left.download_button(t("portfolio.download_csv"), lambda: csv_bytes(download_frame(rows, lang), lang),
                         file_name=f"{name}.csv", mime="text/csv", key="portfolio-csv", on_click="ignore",
                         icon=":material/download:")
    right.download_button(t("portfolio.download_excel"),
                          lambda: excel_bytes(download_frame(rows, lang), sheet),
                          file_name=f"{name}.xlsx", key="portfolio-xlsx", on_click="ignore",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          icon=":material/table_view:")


def shown_rows(portfolio: Portfolio, key: tuple) -> pd.DataFrame:
    """Every measure's row in the reader's language (cached per language)."""
    return _shown(*key, language(), portfolio)


def clear_filters() -> None:
    for key in FILTER_KEYS:
        st.session_state[key] = []
