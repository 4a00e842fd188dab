"""Every page opens in both languages, on the demo and on an empty database (AppTest)."""

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from conftest import add_edge_case_measures
from pdsa.db import connect
from pdsa.i18n import LANGUAGES, translate

PAGES = {"views/overview.py": "overview.title", "views/pathways.py": "pathways.title", "views/projects.py": "projects.title"}


@pytest.fixture(scope="module")
def demo_path(demo_db_file):
    return demo_db_file


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


def everything_shown(at: AppTest) -> str:
    """All text on the page: elements, expander and metric labels, and every table cell."""
    parts = [texts(at)]
    parts += [e.label for e in at.expander] + [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    for table in at.dataframe:
        parts += [str(c) for c in table.value.columns] + [str(v) for v in table.value.to_numpy().ravel()]
    return " ".join(parts)


RAW = re.compile(r"\bNone\b|\bnan\b|\bNaT\b|\b[a-z]+_[a-z_]+\b|\b(?:pathway|project|measure|step)_?id\b")


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_internal_ids_or_raw_values_on_screen(monkeypatch, demo_path, language):
    for page in PAGES:
        at = open_page(monkeypatch, demo_path, page, language)
        selectors = [s for s in at.selectbox if s.key in ("project", "pathway")]
        for index in range(len(selectors[0].options) if selectors else 1):
            if selectors:
                at.selectbox(key=selectors[0].key).select_index(index).run()
            shown = everything_shown(at)
            assert not RAW.findall(shown), f"{page} ({language}) shows {sorted(set(RAW.findall(shown)))}"


def test_every_project_shows_charts_for_its_measures(monkeypatch, demo_path):
    at = open_page(monkeypatch, demo_path, "views/projects.py", "da")
    projects = at.selectbox(key="project").options
    assert len(projects) >= 4
    cur = connect(demo_path).cursor()
    measures_per_project = dict(cur.execute(
        "SELECT p.title, count(m.id) FROM project p JOIN measure m ON m.project_id = p.id GROUP BY p.title").fetchall())
    for index, title in enumerate(projects):
        at.selectbox(key="project").select_index(index).run()
        assert not at.exception, at.exception
        specs = [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]
        charts = [spec for spec in specs if "vconcat" not in spec]  # Making Data Count icons stand beside
        assert len(charts) == measures_per_project[title], f"{title}: one chart per measure"
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


def test_a_database_held_by_another_program_is_explained_in_the_users_language(monkeypatch, tmp_path):
    import subprocess
    import sys

    path = tmp_path / "held.duckdb"
    connect(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ready', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        monkeypatch.setenv("PDSA_DB", str(path))
        at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
        at.session_state["lang"] = "da"
        at.run()
        assert not at.exception
        assert "er i brug af et andet program" in at.error[0].value
    finally:
        holder.kill()
        holder.wait()


def test_the_chosen_project_survives_a_visit_to_another_page(monkeypatch, demo_path):
    at = open_page(monkeypatch, demo_path, "views/projects.py", "en")
    at.selectbox(key="project").select_index(2).run()
    chosen = at.selectbox(key="project").value
    at.switch_page("views/overview.py").run()
    at.switch_page("views/projects.py").run()
    assert at.selectbox(key="project").value == chosen


def test_measures_without_a_chart_yet_say_so_and_the_page_still_works(monkeypatch, tmp_path):
    path = tmp_path / "edge.duckdb"
    con = connect(path)
    add_edge_case_measures(con.cursor())
    con.close()
    at = open_page(monkeypatch, path, "views/projects.py", "en")
    assert not at.exception, at.exception
    assert any("There are no data for this measure yet" in i.value for i in at.info)  # the lone first event
    at.switch_page("views/overview.py").run()
    assert not at.exception, at.exception


def _settings_page(monkeypatch, demo_db_file, tmp_path, name: str):
    import shutil

    path = tmp_path / "settings.duckdb"
    shutil.copyfile(demo_db_file, path)
    at = open_page(monkeypatch, path, "views/projects.py", "en")
    at.text_input(key="user_name").input(name).run()
    return path, at


def test_chart_settings_are_saved_with_the_measure_and_its_audit_trail(monkeypatch, demo_db_file, tmp_path):
    from pdsa.audit import list_events
    from pdsa.store.measures import get_measure

    path, at = _settings_page(monkeypatch, demo_db_file, tmp_path, "Anna Sygeplejerske")
    freeze = next(s for s in at.selectbox if s.key and s.key.startswith("set-freeze-"))
    measure_id = int(freeze.key.rsplit("-", 1)[1])
    split = at.multiselect(key=f"set-splits-{measure_id}")
    freeze.select_index(5)
    split.select(split.options[20])
    at.button(key=f"FormSubmitter:settings-{measure_id}-{'Save settings'}").click().run()
    assert not at.exception, at.exception
    assert not at.error, at.error[0].value
    cur = connect(path).cursor()
    measure = get_measure(cur, measure_id)
    assert len(measure.splits) == 1 and measure.freeze_until is not None
    events = [e for e in list_events(cur, entity="measure", entity_id=measure_id) if e.action == "update"]
    assert events and {e.who for e in events} == {"Anna Sygeplejerske"}


def test_saving_settings_needs_a_name_and_a_valid_target(monkeypatch, demo_db_file, tmp_path):
    path, at = _settings_page(monkeypatch, demo_db_file, tmp_path, "")
    target = next(n for n in at.number_input if n.key and n.key.startswith("set-target-"))
    measure_id = int(target.key.rsplit("-", 1)[1])
    submit = f"FormSubmitter:settings-{measure_id}-Save settings"
    at.button(key=submit).click().run()
    assert "Write your name" in at.error[0].value
    at.text_input(key="user_name").input("Bo").run()
    at.radio(key=f"set-rules-{measure_id}").set_value("mdc")
    at.button(key=submit).click().run()
    assert not at.exception
    assert "Nothing was saved" in at.error[0].value and "**Rule set**: Making Data Count rules apply" in at.error[0].value
