"""Download buttons for the exports: the file is made only when the button is clicked.

Streamlit 1.67's ``st.download_button`` takes a callable as its data and runs it, on another
thread, when the user clicks; so a page with many measures draws its buttons at once and no
PDF or workbook is made for a look. The callable cannot read the session, so the language is
read here and a cursor is opened for the thread inside it (``ui.state.cursor``).
"""

from __future__ import annotations

import re
from datetime import date

import streamlit as st

from actions.actor import Actor
from pdsa.exports.measure_data import file_name, measure_csv, measure_excel
from pdsa.exports.project_workbook import project_workbook
from pdsa.exports.small_numbers import small_periods_frame, warning_text
from pdsa.exports.storyboard import storyboard_html, storyboard_pdf
from pdsa.models import Measure, Project
from pdsa.store.measures import list_data_points
from ui.state import cursor, language, saved_data_key, t
from ui.visibility import reads_everything

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _stem(text: str, fallback: str) -> str:
    return re.sub(r"[^\w-]+", "-", text.lower()).strip("-")[:60] or fallback


def measure_downloads(actor: Actor | None, measure: Measure) -> None:
    """The measure's data as CSV and Excel, for those who read data (not a patient representative)."""
    if not reads_everything(actor):
        return
    lang = language()

    def data(kind: str):
        def build() -> bytes:
            cur = cursor()
            points = list_data_points(cur, measure.id)
            return measure_csv(measure, points, lang) if kind == "csv" else measure_excel(measure, points, lang)
        return build

    row = st.container(horizontal=True, key=f"measure-downloads-{measure.id}")
    row.download_button(t("exports.download_csv"), data=data("csv"), file_name=file_name(measure, "csv"),
                        mime="text/csv", on_click="ignore", key=f"csv-{measure.id}", icon=":material/table:",
                        help=t("exports.download_csv_help"))
    row.download_button(t("exports.download_excel"), data=data("xlsx"), file_name=file_name(measure, "xlsx"),
                        mime=XLSX, on_click="ignore", key=f"xlsx-{measure.id}", icon=":material/table:",
                        help=t("exports.download_csv_help"))


def small_numbers_warning(measure: Measure, points) -> None:
    """Under a measure's chart: the warning when it shows a small count (points: the data frame)."""
    text = warning_text(language(), measure, small_periods_frame(measure, points))
    if text:
        st.caption(f":orange[:material/visibility_off:] {text}")


def _storyboard_key(project_id: int, lang: str) -> tuple:
    """What a storyboard is made from: the database and its data version (any save changes it),
    the day it is made on (it says so), the project and the language; not the reader, who
    gets the same storyboard as anyone who may see the project."""
    return *saved_data_key(), date.today(), project_id, lang


@st.cache_resource(show_spinner=False, max_entries=16)
def _storyboard(database_key: str, version: tuple, today: date, project_id: int, lang: str, kind: str) -> bytes:
    """The storyboard as HTML or PDF, made once per key and shared (bytes are not changed by
    anyone): a second download, the other format or a colleague's download is not made again
    (a storyboard takes one to a few seconds: every measure's chart is drawn)."""
    if kind == "pdf":
        return storyboard_pdf(_storyboard(database_key, version, today, project_id, lang, "html").decode("utf-8"))
    return storyboard_html(cursor(), project_id, lang, today=today).encode("utf-8")


def project_downloads(actor: Actor | None, project: Project) -> None:
    """The storyboard (PDF, HTML) for whoever sees the project; the workbook of all its data
    for those who read data."""
    lang = language()
    stem = _stem(project.title, "project")
    project_id = project.id

    def html() -> bytes:
        return _storyboard(*_storyboard_key(project_id, lang), "html")

    def pdf() -> bytes:
        return _storyboard(*_storyboard_key(project_id, lang), "pdf")

    def workbook() -> bytes:
        return project_workbook(cursor(), project_id, lang)

    row = st.container(horizontal=True, key="project-downloads")
    row.download_button(t("exports.download_storyboard_pdf"), data=pdf, file_name=f"storyboard-{stem}.pdf",
                        mime="application/pdf", on_click="ignore", key=f"storyboard-pdf-{project_id}",
                        icon=":material/picture_as_pdf:", help=t("exports.download_storyboard_help"))
    row.download_button(t("exports.download_storyboard_html"), data=html, file_name=f"storyboard-{stem}.html",
                        mime="text/html", on_click="ignore", key=f"storyboard-html-{project_id}",
                        icon=":material/description:", help=t("exports.download_storyboard_help"))
    if reads_everything(actor):
        row.download_button(t("exports.download_workbook"), data=workbook, file_name=f"{stem}.xlsx", mime=XLSX,
                            on_click="ignore", key=f"workbook-{project_id}", icon=":material/table:",
                            help=t("exports.download_workbook_help"))
