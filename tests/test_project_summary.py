"""A project in two minutes (issue 12): the summary page shows the aim, the key measure's chart
with its PDSA cycles marked, the latest learning from Act, the next step, the team and the
patient partner, in both languages, and carries the print rules that put it on one A4 page
(the browser test prints it). AppTest on the demo."""

from __future__ import annotations

from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from conftest import read_from
import actions
from actions import Actor
from pdsa.core.db import connect
from pdsa.i18n import LANGUAGES, translate
from pdsa.models import Project
from pdsa.store.projects import list_projects
from test_pages import texts, user_id

ADMIN = Actor(None, "test", roles=frozenset({"administrator"}))
HOME = "Godt hjem efter hoftebrud"


def _project_id(path, title: str) -> int:
    return read_from(path, lambda cur: next(p.id for p in list_projects(cur) if p.title == title))


def open_summary(monkeypatch, path, language: str, project_id: int, user="demo-leader") -> AppTest:
    monkeypatch.setenv("PDSA_DB", str(path))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=90)
    at.session_state["lang"] = language
    at.session_state["signed_in_user_id"] = user_id(path, user)
    at.session_state["summary-project"] = project_id
    at.run()
    at.switch_page("views/summary.py").run()
    assert not at.exception, at.exception
    return at


def _texts_on(chart) -> set[str]:
    """The labels the chart writes (Streamlit sends its data apart from the spec, as Arrow)."""
    import pyarrow as pa

    found: set[str] = set()
    for dataset in chart.proto.datasets:
        frame = pa.ipc.open_stream(dataset.data.data).read_all().to_pandas()
        if "_text" in frame:
            found |= {str(text) for text in frame["_text"].dropna()}
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_summary_shows_aim_key_measure_learning_next_step_and_team(monkeypatch, demo_copy, language):
    at = open_summary(monkeypatch, demo_copy, language, _project_id(demo_copy, HOME))
    shown = texts(at).replace("\\", "")
    assert at.title[0].value == translate(language, "summary.title")
    assert f"## {HOME}" in shown
    # the aim
    assert "Færre ældre genindlægges inden for 30 dage efter udskrivelse med hoftebrud" in shown
    assert "fra 21 % til 12 % af de udskrevne" in shown
    # the key measure (the first outcome measure: the demo marks none) and its chart with the cycles
    key = translate(language, "summary.key_measure")
    assert f"### {key}: Andel genindlagt inden for 30 dage efter hoftebrud" in shown
    [chart] = at.get("vega_lite_chart")
    assert {"PDSA 1.1", "PDSA 1.2", "PDSA 2.1"} <= _texts_on(chart), "the cycles are marked on the chart"
    signals = [translate(language, f"themes.signal.{tone}") for tone in
               ("improvement", "deterioration", "non_random", "random", "too_few_to_tell")]
    assert any(word in shown for word in signals)
    # the latest learning from Act, and the next step: the cycle under way
    assert translate(language, "summary.learning") in shown
    assert "Udskrivelse før kl. 13 med fast skabelon – 2 borgere" in shown
    assert translate(language, "decision.adapt") in shown
    assert "Transporten skal bestilles dagen før." in shown
    under_way = translate(language, "summary.next_cycle_doing", cycle="PDSA", title="").split("PDSA")[0]
    assert f"{under_way}PDSA" in shown and "Udskrivelse før kl. 13 – alle hverdage i 6 uger" in shown
    # the team and the patient partner
    assert "Pia Rasmussen" in shown and "Thomas Kirk" in shown
    assert f"### {translate(language, 'summary.patient_partner')}" in shown and "Erik Frandsen" in shown
    # the print rules: one A4 page without the app's chrome
    css = next(m.value for m in at.markdown if "@media print" in m.value)
    assert "size: A4" in css and 'data-testid="stSidebar"' in css


def test_a_project_without_measures_or_cycles_says_what_to_do(monkeypatch, demo_copy):
    con = connect(demo_copy)
    cur = con.cursor()
    pathway = list_projects(cur)[0].pathway_id
    project = actions.create_project(cur, ADMIN, Project(
        title="Nyt projekt uden data", pathway_id=pathway, aim_what="Færre fald", aim_how_much="fra 10 til 5 om måneden",
        aim_by_when=date(2027, 6, 30), start_date=date(2026, 11, 1)))
    con.close()
    at = open_summary(monkeypatch, demo_copy, "en", project.id)
    said = [info.value for info in at.info]
    assert translate("en", "summary.no_measure") in said
    shown = texts(at)
    assert translate("en", "summary.no_learning") in shown and translate("en", "summary.no_next_step") in shown
    assert translate("en", "summary.no_patient_partner") in shown
    assert not at.get("vega_lite_chart")


def test_the_project_page_links_to_its_summary(monkeypatch, demo_copy):
    project_id = _project_id(demo_copy, HOME)
    monkeypatch.setenv("PDSA_DB", str(demo_copy))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=90)
    at.session_state["lang"] = "da"
    at.session_state["signed_in_user_id"] = user_id(demo_copy, "demo-leader")
    at.session_state["project"] = project_id
    at.run()
    at.switch_page("views/projects.py").run()
    assert not at.exception, at.exception
    links = [link for link in at.get("page_link") if link.label == translate("da", "summary.title")]
    assert links and links[0].proto.page.endswith("summary") or "summary" in links[0].proto.page


def test_without_projects_the_summary_points_to_the_projects_page(monkeypatch, tmp_path):
    from test_pages import TERMINAL_COMMAND
    from actions.accounts import create_user

    path = tmp_path / "empty.duckdb"
    con = connect(path)
    create_user(con.cursor(), ADMIN, username="admin", display_name="Ada Admin", roles={"administrator"})
    con.close()
    at = open_summary(monkeypatch, path, "da", 0, user="admin")
    said = " ".join(info.value for info in at.info)
    assert said == translate("da", "summary.empty") and not TERMINAL_COMMAND.search(said)
    assert [link.label for link in at.get("page_link") if link.label] == [translate("da", "summary.to_projects")]


def test_a_storyboard_is_made_once_until_something_is_saved(monkeypatch, demo_copy, handed_downloads):
    """The storyboard buttons' callables (taken as the page hands them over): the PDF is made
    from the HTML already made, a colleague's download is not made again, and a save anywhere
    (a new data version) makes the next one afresh, with the change in it."""
    import ui.export_buttons as buttons
    from pdsa.store.projects import get_project

    made = []
    real_html = buttons.storyboard_html
    monkeypatch.setattr(buttons, "storyboard_html",
                        lambda cur, project_id, lang, **kw: made.append(project_id) or real_html(cur, project_id, lang, **kw))
    buttons._storyboard.clear()
    project_id = _project_id(demo_copy, HOME)

    open_summary(monkeypatch, demo_copy, "da", project_id)
    pdf = handed_downloads[f"storyboard-pdf-{project_id}"]()
    html = handed_downloads[f"storyboard-html-{project_id}"]()
    assert pdf.startswith(b"%PDF") and HOME.encode() in html
    assert made == [project_id], "the PDF is made from the HTML, and the HTML once"
    handed_downloads.clear()
    open_summary(monkeypatch, demo_copy, "da", project_id, user="demo-member")  # a colleague
    assert handed_downloads[f"storyboard-html-{project_id}"]() == html and made == [project_id]

    con = connect(demo_copy)
    try:
        cur = con.cursor()
        project = get_project(cur, project_id)
        actions.update_project(cur, ADMIN, project.model_copy(update={"title": f"{HOME} – nyt navn"}))
    finally:
        con.close()
    again = handed_downloads[f"storyboard-html-{project_id}"]()
    assert made == [project_id, project_id] and f"{HOME} – nyt navn".encode() in again
