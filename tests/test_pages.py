"""Every page opens in both languages, on the demo and on an empty database (AppTest)."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from pdsa.db import connect
from pdsa.demo import load_demo
from pdsa.i18n import LANGUAGES, translate

PAGES = {"views/overview.py": "overview.title", "views/pathways.py": "pathways.title", "views/projects.py": "projects.title"}


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("pages") / "demo.duckdb"
    con = connect(path)
    load_demo(con.cursor())
    con.close()
    return path


@pytest.fixture
def empty_path(tmp_path):
    path = tmp_path / "empty.duckdb"
    connect(path).close()
    return path


def open_page(monkeypatch, db_path, page: str, language: str) -> AppTest:
    monkeypatch.setenv("PDSA_DB", str(db_path))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = language
    at.run()
    at.switch_page(page).run()
    return at


def texts(at: AppTest) -> str:
    return " ".join(e.value for kind in ("title", "markdown", "caption", "info", "warning", "success")
                    for e in getattr(at, kind))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_on_the_demo(monkeypatch, demo_path, page, language):
    at = open_page(monkeypatch, demo_path, page, language)
    assert not at.exception, at.exception
    assert at.title[0].value == translate(language, PAGES[page])
    assert at.caption, "every page says what it is for"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_an_empty_state_that_says_what_to_do(monkeypatch, empty_path, page, language):
    at = open_page(monkeypatch, empty_path, page, language)
    assert not at.exception, at.exception
    assert "python -m pdsa demo" in at.info[0].value


def test_no_internal_ids_or_raw_values_on_screen(monkeypatch, demo_path):
    for page in PAGES:
        at = open_page(monkeypatch, demo_path, page, "en")
        shown = texts(at)
        for raw in ("pathway_id", "None", "patient_or_relative", "being_tested", "general_practice", "nan"):
            assert raw not in shown.split(), f"{page} shows {raw}"


def test_every_project_shows_charts_for_its_measures(monkeypatch, demo_path):
    at = open_page(monkeypatch, demo_path, "views/projects.py", "da")
    projects = at.selectbox(key="project").options
    assert len(projects) >= 4
    for index, title in enumerate(projects):
        at.selectbox(key="project").select_index(index).run()
        assert not at.exception, at.exception
        charts = [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]
        assert charts, f"{title} shows no chart"
        assert at.get("graphviz_chart"), f"{title} shows no driver diagram"


def test_a_measure_can_be_shown_as_a_run_chart(monkeypatch, demo_path):
    at = open_page(monkeypatch, demo_path, "views/projects.py", "en")
    radio = next(r for r in at.radio if r.key and r.key.startswith("chart-") and r.value != "run")
    assert "Run chart" in radio.options
    radio.set_value("run").run()
    assert not at.exception
    assert any("Run chart" in json.dumps(json.loads(el.proto.spec)) for el in at.get("vega_lite_chart"))


def test_first_start_on_the_default_database_loads_the_demo(monkeypatch, tmp_path):
    import pdsa.db

    default = tmp_path / "data" / "pdsa.duckdb"
    monkeypatch.setattr(pdsa.db, "DEFAULT_DB_PATH", default)
    monkeypatch.delenv("PDSA_DB", raising=False)
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    assert default.exists()
    assert not at.info, "the overview shows the demo, not the empty state"
    assert at.metric[0].value == "3"  # three demo pathways


def test_a_named_database_starts_empty(monkeypatch, tmp_path):
    named = tmp_path / "ward.duckdb"
    monkeypatch.setenv("PDSA_DB", str(named))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert named.exists()  # created and migrated on first start
    assert "python -m pdsa demo" in at.info[0].value
