"""Every page opens in both languages, on the demo and on an empty database (AppTest)."""

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import add_edge_case_measures
from actions import Actor
from pdsa.core.db import connect
from pdsa.i18n import LANGUAGES, translate

PAGES = {"views/overview.py": "overview.title", "views/pathways.py": "pathways.title", "views/projects.py": "projects.title",
         "views/history.py": "history.title"}


@pytest.fixture(scope="module")
def demo_path(demo_db_file):
    return demo_db_file


@pytest.fixture
def empty_path(tmp_path):
    """A new database with one administrator and nothing else."""
    from actions.accounts import create_user

    path = tmp_path / "empty.duckdb"
    con = connect(path)
    create_user(con.cursor(), ADMIN, username="admin", display_name="Ada Admin", roles={"administrator"})
    con.close()
    return path


ADMIN = Actor(None, "test", roles=frozenset({"administrator"}))


def user_id(db_path, username: str) -> int:
    """The account's id; an "admin" administrator is created in a database that has none."""
    from actions.accounts import create_user
    from pdsa.store.users import find_user

    con = connect(db_path)
    try:
        user = find_user(con.cursor(), username)
        if user is None and username == "admin":
            user = create_user(con.cursor(), ADMIN, username="admin", display_name="Ada Admin",
                               roles={"administrator"})
        return user.id
    finally:
        con.close()


def open_page(monkeypatch, db_path, page: str, language: str, user: str | None = "demo-admin",
              tab: str | None = None) -> AppTest:
    """The page as the user sees it once signed in (the demo's administrator unless told); on the
    projects page ``tab`` ("measures", "cycles" …) is the tab the user chose (only it is drawn)."""
    monkeypatch.setenv("PDSA_DB", str(db_path))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = language
    if user is not None:
        at.session_state["signed_in_user_id"] = user_id(db_path, user if user != "demo-admin" or _has_demo(db_path)
                                                        else "admin")
    at.run()
    if tab is not None:
        choose_tab(at, tab, language, run=False)
    at.switch_page(page).run()
    return at


def choose_tab(at: AppTest, tab: str, language: str, *, run: bool = True) -> AppTest:
    """The projects page's tab the user clicks (no deep link in the address)."""
    from pdsa.i18n import translate

    at.session_state["project-tabs-none"] = translate(language, f"projects.tab_{tab}")
    return at.run() if run else at


def _has_demo(db_path) -> bool:
    from pdsa.store.users import find_user

    con = connect(db_path)
    try:
        return find_user(con.cursor(), "demo-admin") is not None
    finally:
        con.close()


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


# A command for a terminal: what an empty page must not send a clinician to.
TERMINAL_COMMAND = re.compile(r"python -m|\bpdsa (?:demo|user|restore)\b|`[^`]+`")


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", [*PAGES, "views/problems.py", "views/home.py"])
def test_every_page_has_an_empty_state_that_says_what_to_do(monkeypatch, empty_path, page, language):
    """On a new database each page says what is missing and offers the next step on the page or
    a link to the page that takes it (a form, a button, a page link), never a terminal command."""
    at = open_page(monkeypatch, empty_path, page, language)
    assert not at.exception, at.exception
    said = " ".join(info.value for info in at.info)
    assert said, "the empty page says what is missing"
    assert not TERMINAL_COMMAND.search(said), said
    links = [link for link in at.get("page_link") if link.label]
    actions = [button for button in at.button if button.key != "sign-out"]
    assert links or actions, f"no form, button or page link offers the next step after: {said}"


def everything_shown(at: AppTest) -> str:
    """All text on the page: elements, expander and metric labels, and every table cell."""
    parts = [texts(at)]
    parts += [e.label for e in at.expander] + [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    for table in at.dataframe:
        # what the grid shows: a column's label from its column config, and a missing value as the
        # table's placeholder (Streamlit draws "None" when there is none)
        config = json.loads(table.proto.columns) if table.proto.columns else {}
        parts += [config.get(str(c), {}).get("label", str(c)) for c in table.value.columns]
        missing = table.proto.placeholder if table.proto.HasField("placeholder") else "None"
        parts += [missing if v is None or (isinstance(v, float) and v != v) else str(v)
                  for v in table.value.to_numpy().ravel()]
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
    at = open_page(monkeypatch, demo_path, "views/projects.py", "da", tab="measures")
    projects = at.selectbox(key="project").options
    assert len(projects) >= 4
    cur = connect(demo_path).cursor()
    measures_per_project = dict(cur.execute(
        "SELECT p.title, count(m.id) FROM project p JOIN measure m ON m.project_id = p.id GROUP BY p.title").fetchall())
    for index, title in enumerate(projects):
        at.selectbox(key="project").select_index(index).run()
        assert not at.exception, at.exception
        specs = [json.loads(el.proto.spec) for el in at.get("vega_lite_chart")]
        charts = [spec for spec in specs if "vconcat" not in spec  # Making Data Count icons stand beside
                  and "chart" not in spec.get("usermeta", {})]  # slice: worksheet — the PDSA tab's ramp and Study charts
        assert len(charts) == measures_per_project[title], f"{title}: one chart per measure"
        choose_tab(at, "drivers", "da")
        assert at.get("graphviz_chart"), f"{title} shows no driver diagram"
        choose_tab(at, "measures", "da")


def test_a_measure_can_be_shown_as_a_run_chart(monkeypatch, demo_path):
    at = open_page(monkeypatch, demo_path, "views/projects.py", "en", tab="measures")
    radio = next(r for r in at.radio if r.key and r.key.startswith("chart-") and r.value != "run")
    assert "Run chart" in radio.options
    radio.set_value("run").run()
    assert not at.exception
    assert any("Run chart" in json.dumps(json.loads(el.proto.spec)) for el in at.get("vega_lite_chart"))


def test_first_start_on_the_default_database_loads_the_demo(monkeypatch, tmp_path):
    import pdsa.core.db

    default = tmp_path / "data" / "pdsa.duckdb"
    monkeypatch.setattr(pdsa.core.db, "DEFAULT_DB_PATH", default)
    monkeypatch.delenv("PDSA_DB", raising=False)
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception, at.exception
    assert default.exists()
    assert "DEMO" in at.warning[0].value, "the sign-in page says it is the demo"
    at.button(key="demo-demo-lead").click().run()  # "sign in as" the demo team lead
    assert not at.exception, at.exception
    assert at.title[0].value == "My work"  # the team's home page comes first
    at.switch_page("views/overview.py").run()
    assert not at.info, "the overview shows the demo, not the empty state"
    assert at.metric[0].value == "3"  # three demo pathways


def test_a_named_database_starts_empty_and_asks_for_its_first_administrator(monkeypatch, tmp_path, capfd):
    named = tmp_path / "ward.duckdb"
    monkeypatch.setenv("PDSA_DB", str(named))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert named.exists()  # created and migrated on first start
    assert "Nobody can sign in yet" in at.info[0].value and "python -m pdsa user add" in at.info[0].value
    code = re.search(r"Setup code for the first administrator: (\S+)", capfd.readouterr().err).group(1)
    assert code not in " ".join(e.value for kind in (at.markdown, at.info, at.caption) for e in kind)  # log only
    at.text_input(key="setup_code").input("wrong").run()
    at.text_input(key="setup_username").input("ada")
    at.text_input(key="setup_name").input("Ada Admin")
    at.text_input(key="setup_password").input("et langt kodeord")
    at.text_input(key="setup_password_again").input("et langt kodeord")
    at.button(key="FormSubmitter:first-administrator-Create the first administrator").click().run()
    assert "setup code is not right" in at.error[0].value
    at.text_input(key="setup_code").input(code)
    at.text_input(key="setup_password").input("et langt kodeord")
    at.text_input(key="setup_password_again").input("et langt kodeord")
    at.button(key="FormSubmitter:first-administrator-Create the first administrator").click().run()
    assert not at.exception, at.exception
    at.switch_page("views/overview.py").run()  # signed in, the home page first; then the overview
    assert not at.exception, at.exception  # signed in: the empty overview says what to do, with a link
    assert "python -m pdsa" not in texts(at) and at.get("page_link")


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
    at = open_page(monkeypatch, path, "views/projects.py", "en", tab="measures")
    assert not at.exception, at.exception
    assert any("There are no data for this measure yet" in i.value for i in at.info)  # the lone first event
    at.switch_page("views/overview.py").run()
    assert not at.exception, at.exception


def _settings_page(monkeypatch, source: Path, tmp_path, name: str):
    import shutil

    path = tmp_path / "settings.duckdb"
    shutil.copyfile(source, path)
    at = open_page(monkeypatch, path, "views/projects.py", "en", user=name, tab="measures")
    return path, at


def _widget(elements, key: str):
    """The settings widget with this key (or, ending in "-", the first whose key starts so)."""
    return next(e for e in elements if e.key and (e.key == key or key.endswith("-") and e.key.startswith(key)))


def _submit(at: AppTest, measure_id: int):
    button = _widget(at.button, f"FormSubmitter:settings-{measure_id}-")
    button.click().run()
    assert not at.exception, at.exception


def _stored(path: Path, measure_id: int):
    from pdsa.store.measures import get_measure

    con = connect(path)
    try:
        return get_measure(con.cursor(), measure_id)
    finally:
        con.close()


def test_chart_settings_are_saved_with_the_measure_and_its_audit_trail(monkeypatch, demo_db_file, tmp_path):
    import shutil

    from pdsa.core.audit import list_events
    from actions import Actor, update_chart_settings
    from pdsa.store.measures import get_measure

    source = tmp_path / "source.duckdb"
    shutil.copyfile(demo_db_file, source)
    con = connect(source)
    cur = con.cursor()
    unfrozen = cur.execute(  # the first project's first proportion, its freeze and target taken away
        "SELECT m.id FROM measure m JOIN project p ON p.id = m.project_id WHERE m.data_type = 'proportion'"
        " ORDER BY p.title, m.id LIMIT 1").fetchone()
    measure = get_measure(cur, unfrozen[0])
    update_chart_settings(cur, Actor(None, "setup", roles=frozenset({"administrator"})), measure.model_copy(update={"freeze_until": None, "target": None}))
    con.close()
    path, at = _settings_page(monkeypatch, source, tmp_path, "demo-admin")
    measure_id = unfrozen[0]
    freeze = _widget(at.selectbox, f"set-freeze-{measure_id}")
    periods = [d for d in freeze.options]
    freeze.select_index(5)
    split = _widget(at.multiselect, f"set-splits-{measure_id}")
    split.select(split.options[20])
    _widget(at.text_input, f"set-target-{measure_id}").input("55")
    _widget(at.selectbox, f"set-chart-{measure_id}").select_index(2)  # run chart: stored explicitly
    _submit(at, measure_id)
    assert not at.error, at.error[0].value
    measure = _stored(path, measure_id)
    assert measure.chart == "run" and measure.target == pytest.approx(0.55)
    assert measure.freeze_until is not None and len(measure.splits) == 1
    assert len(periods) > 20
    events = [e for e in list_events(connect(path).cursor(), entity="measure", entity_id=measure_id) if e.action == "update"]
    assert events and {e.who for e in events} == {"setup", "Demo-administrator"}
    assert events[0].who == "Demo-administrator"  # newest first, the signed-in user
    assert events[0].actor_id == user_id(path, "demo-admin")

    _widget(at.selectbox, f"set-chart-{measure_id}").select_index(0)  # back to the data type's own chart
    _submit(at, measure_id)
    assert _stored(path, measure_id).chart is None


def test_an_unchanged_save_keeps_settings_that_fall_between_the_plotted_periods(monkeypatch, tmp_path):
    source = tmp_path / "edge-source.duckdb"
    con = connect(source)
    measures = add_edge_case_measures(con.cursor())
    con.execute("CHECKPOINT")
    con.close()
    days = measures[2]  # days between events, frozen on a date that is not an event
    path, at = _settings_page(monkeypatch, source, tmp_path, "demo-admin")
    _submit(at, days.id)
    assert _stored(path, days.id).freeze_until == days.freeze_until


def test_only_those_who_may_change_a_measure_see_its_settings_and_a_bad_target_is_refused(
        monkeypatch, demo_db_file, tmp_path):
    for user in ("demo-reader", "demo-patient"):
        at = open_page(monkeypatch, demo_db_file, "views/projects.py", "en", user=user, tab="measures")
        assert not at.exception, at.exception
        assert not [w for w in at.text_input if w.key and w.key.startswith("set-target-")], user
    path, at = _settings_page(monkeypatch, demo_db_file, tmp_path, "demo-lead")
    own = next(i for i, title in enumerate(at.selectbox(key="project").options) if title.startswith("Hoftebrud – smertefri"))
    at.selectbox(key="project").select_index(own).run()  # the project the demo lead leads
    measure_id = int(_widget(at.text_input, "set-target-").key.split("-")[2])
    before = _stored(path, measure_id)
    assert not [r for r in at.radio if r.key == f"set-rules-{measure_id}"]  # a P chart: Making Data Count not offered
    _widget(at.text_input, f"set-target-{measure_id}").input("150")
    _submit(at, measure_id)
    assert "Nothing was saved" in at.error[0].value and "**Target (%)**: must be between 0 and 100 %" in at.error[0].value
    assert _stored(path, measure_id) == before


def test_a_form_opened_before_someone_else_saved_does_not_undo_their_change(monkeypatch, demo_db_file, tmp_path):
    """Bo saves while Anna has the form open: Anna's Save says who saved first, keeps her input,
    saves nothing; her second Save then deliberately saves over Bo's."""
    from actions import Actor, update_chart_settings

    path, at = _settings_page(monkeypatch, demo_db_file, tmp_path, "demo-admin")
    measure_id = int(_widget(at.text_input, "set-target-").key.split("-")[2])
    _widget(at.text_input, f"set-target-{measure_id}").input("33")
    other = _stored(path, measure_id).model_copy(update={"target": 0.8})
    con = connect(path)
    update_chart_settings(con.cursor(), Actor(None, "Bo", roles=frozenset({"administrator"})), other)  # Bo saves first
    con.close()
    _submit(at, measure_id)
    assert _stored(path, measure_id).target == pytest.approx(0.8)  # Anna's stale form did not overwrite it
    [error] = at.error
    assert error.value.startswith("Bo saved other settings for this measure at ")  # who saved first, and when
    assert "Nothing was saved" in error.value
    assert _widget(at.text_input, f"set-target-{measure_id}").value == "33"  # her input is kept
    _submit(at, measure_id)
    assert not at.error
    assert _stored(path, measure_id).target == pytest.approx(0.33)


def test_a_refused_setting_is_explained_in_danish(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/projects.py", "da", tab="measures")
    measure_id = int(_widget(at.text_input, "set-target-").key.split("-")[2])
    _widget(at.text_input, f"set-target-{measure_id}").input("syv")
    _submit(at, measure_id)
    assert at.error[0].value.startswith("Intet blev gemt")
    assert "**Mål (%)**: skal være et tal, fx 7,5" in at.error[0].value


@pytest.mark.parametrize("user", ["demo-admin", "demo-leader", "demo-lead", "demo-member", "demo-patient",
                                  "demo-reader"])
def test_no_page_offers_a_change_the_actions_would_refuse(monkeypatch, demo_path, user):
    """Each demo person, on every project: the settings form is there exactly where the
    permission matrix lets them change the measure; only administrators see Administration."""
    from actions.accounts import actor_for
    from actions.permissions import Scope, can
    from pdsa.store.measures import list_measures
    from pdsa.store.projects import list_projects
    from pdsa.store.users import find_user

    con = connect(demo_path)
    cur = con.cursor()
    actor = actor_for(cur, find_user(cur, user))
    at = open_page(monkeypatch, demo_path, "views/projects.py", "en", user=user, tab="measures")
    titles = at.selectbox(key="project").options
    for index, title in enumerate(titles):
        at.selectbox(key="project").select_index(index).run()
        assert not at.exception, at.exception
        shown = {int(w.key.split("-")[2]) for w in at.text_input if w.key and w.key.startswith("set-target-")}
        project = next(p for p in list_projects(cur) if p.title == title)
        allowed = {m.id for m in list_measures(cur, project_id=project.id)
                   if can(actor, "update_chart_settings", Scope(project_id=project.id))}
        assert shown <= allowed, f"{user} is offered settings on {title} they may not change"
        assert bool(shown) == bool(allowed), f"{user}: settings shown on {title} exactly when allowed"
    con.close()
    assert ("administrator" in actor.roles) == _admin_page_listed(at)


def _admin_page_listed(at: AppTest) -> bool:
    try:
        at.switch_page("views/admin.py")
        return True
    except ValueError:
        return False


def test_an_idle_session_ends_and_asks_to_sign_in_again(monkeypatch, demo_path):
    import time

    monkeypatch.setenv("PDSA_DB", str(demo_path))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = "en"
    at.session_state["signed_in_user_id"] = user_id(demo_path, "demo-lead")
    at.session_state["signed_in_last_seen"] = time.time() - 61 * 60
    at.run()
    assert not at.exception, at.exception
    assert at.info[0].value.startswith("You were signed out after a while without activity")
    assert not at.metric, "no project data once signed out"


def test_a_patient_representative_reads_only_what_they_are_attached_to(monkeypatch, demo_path):
    everything = open_page(monkeypatch, demo_path, "views/projects.py", "en", user="demo-reader")
    attached = open_page(monkeypatch, demo_path, "views/projects.py", "en", user="demo-patient")
    assert not attached.exception, attached.exception
    assert len(everything.selectbox(key="project").options) >= 4
    assert [t for t in attached.selectbox(key="project").options] == [
        t for t in everything.selectbox(key="project").options if t.startswith("Hoftebrud")]
    pathways = open_page(monkeypatch, demo_path, "views/pathways.py", "en", user="demo-patient")
    assert len(pathways.selectbox(key="pathway").options) == 1  # the hip fracture pathway
