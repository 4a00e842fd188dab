"""The team's home page ("Mit arbejde"): the store that says what needs doing (both engines) and
the page as the demo's people see it (AppTest)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

import actions
from actions import Actor
from pathways.models import Pathway, PathwayStep, Problem
from pdsa.core.db import connect
from pdsa.i18n import LANGUAGES, translate
from pdsa.models import Measure, Observation, PdsaCycle, Project, TeamMember
from pdsa.store import todo as store
from pdsa.store.users import find_user, project_roles
from test_pages import RAW, everything_shown, open_page

ADMIN = Actor(user_id=None, name="Test", roles=frozenset({"administrator"}))
TODAY = date(2026, 12, 2)  # a Wednesday: this week began Monday 30 November


def _pathway(cur, name="Hoftebrud"):
    return actions.create_pathway(cur, ADMIN, Pathway(name=name, steps=[
        PathwayStep(position=1, name="Skadestue", sector="hospital")]))


def _project(cur, pathway_id: int, title="Hurtigere mobilisering", status="active"):
    return actions.create_project(cur, ADMIN, Project(
        title=title, pathway_id=pathway_id, aim_what="Mobilisering inden 24 timer", aim_how_much="fra 55 % til 85 %",
        aim_by_when=date(2027, 3, 31), start_date=date(2026, 1, 5), status=status,
        team=[TeamMember(name="Anna", sector="hospital", role="lead")]))


def _mine(cur, *projects):
    return store.my_projects(cur, {p.id: {"member"} for p in projects})


# --- the store ---------------------------------------------------------------------------------

def test_a_cycle_in_do_after_its_planned_end_waits_until_it_moves_on_to_study(db):
    project = _project(db, _pathway(db).id)
    overdue = actions.start_cycle(db, ADMIN, PdsaCycle(project_id=project.id, title="1 patient",
                                                       do_start=date(2026, 11, 20), plan_end=date(2026, 11, 27)))
    actions.start_cycle(db, ADMIN, PdsaCycle(project_id=project.id, title="Ender i dag", do_start=date(2026, 11, 30),
                                             plan_end=TODAY))
    actions.start_cycle(db, ADMIN, PdsaCycle(project_id=project.id, title="Kun planlagt", plan_end=date(2026, 11, 1)))
    actions.start_cycle(db, ADMIN, PdsaCycle(project_id=project.id, title="Afsluttet", do_start=date(2026, 10, 1),
                                             plan_end=date(2026, 10, 5), do_end=date(2026, 10, 5),
                                             act_decision="adopt"))
    follow_up = actions.start_cycle(db, ADMIN, PdsaCycle(project_id=project.id, parent_id=overdue.id, title="5 patienter",
                                                         do_start=date(2026, 11, 21), plan_end=date(2026, 11, 28)))

    waiting = store.todo(db, _mine(db, project), today=TODAY)
    assert [(c.title, c.label, c.since, c.days, c.stage) for c in waiting.overdue_cycles] == [
        ("1 patient", "2.1", date(2026, 11, 27), 5, "doing"), ("5 patienter", "2.2", date(2026, 11, 28), 4, "doing")]
    # numbered as the projects page numbers its ramps: by when they started ("Afsluttet" first)
    assert waiting.overdue_cycles[0].cycle_id == overdue.id and waiting.overdue_cycles[1].cycle_id == follow_up.id

    actions.update_cycle(db, ADMIN, overdue.model_copy(update={"do_end": date(2026, 11, 27)}))  # on to Study
    waiting = store.todo(db, _mine(db, project), today=TODAY)
    assert [c.title for c in waiting.overdue_cycles] == ["5 patienter"]
    assert waiting.studied_too_long == []  # in Study since today


def _backdate(cur, event_id: int, days: int) -> None:
    """Test only: the audit event as if it had happened ``days`` days ago."""
    moment = datetime.now().replace(microsecond=0) - timedelta(days=days)
    cur.execute("UPDATE audit_event SET happened_at = ? WHERE id = ?", [moment, event_id])


def _last_event(cur, cycle_id: int) -> int:
    return cur.execute("SELECT max(id) FROM audit_event WHERE entity = 'pdsa_cycle' AND entity_id = ?",
                       [cycle_id]).fetchone()[0]


def test_a_cycle_in_study_for_more_than_two_weeks_counts_from_the_event_that_ended_do(db):
    project = _project(db, _pathway(db).id)
    today = date.today()
    long_ago = actions.start_cycle(db, ADMIN, PdsaCycle(project_id=project.id, title="Studeres længe",
                                                        do_start=date(2026, 1, 5)))
    long_ago = actions.update_cycle(db, ADMIN, long_ago.model_copy(update={"do_end": date(2026, 1, 9)}))
    _backdate(db, _last_event(db, long_ago.id), 15)
    # writing down the results later keeps the clock where Do ended
    actions.update_cycle(db, ADMIN, long_ago.model_copy(update={"study_results": "8 af 10"}))
    just_two_weeks = actions.start_cycle(db, ADMIN, PdsaCycle(project_id=project.id, title="Præcis to uger",
                                                              do_start=date(2026, 1, 5)))
    actions.update_cycle(db, ADMIN, just_two_weeks.model_copy(update={"do_end": date(2026, 1, 9)}))
    _backdate(db, _last_event(db, just_two_weeks.id), 14)
    # Do ended long ago by its dates, but the team moved it to Study only today: no reminder yet
    actions.start_cycle(db, ADMIN, PdsaCycle(project_id=project.id, title="Netop flyttet",
                                             do_start=date(2026, 1, 5), do_end=date(2026, 1, 9)))

    waiting = store.todo(db, _mine(db, project), today=today)
    assert [(c.title, c.stage, c.since, c.days) for c in waiting.studied_too_long] == [
        ("Studeres længe", "studying", today - timedelta(days=15), 15)]
    assert store.todo(db, _mine(db, project), today=today + timedelta(days=20)).studied_too_long[0].days == 35

    decided = actions.update_cycle(db, ADMIN, actions.cycles.store.get_cycle(db, long_ago.id).model_copy(
        update={"act_decision": "adapt"}))
    assert decided.stage == "acted"
    assert store.todo(db, _mine(db, project), today=today).studied_too_long == []


def test_measures_without_data_for_the_last_two_periods(db):
    project = _project(db, _pathway(db).id)

    def measure(name, period, data_type="count", points=()):
        saved = actions.define_measure(db, ADMIN, Measure(project_id=project.id, name=name, kind="process",
                                                          data_type=data_type, period=period))
        if points:
            value = {} if data_type == "days_between" else {"value": 1}  # an event is only its date
            actions.record_data_points(db, ADMIN, saved.id, [{"period": p, **value} for p in points])
        return saved

    measure("Uge med data i forrige uge", "week", points=[date(2026, 11, 23)])
    measure("Uge med data for to uger siden", "week", points=[date(2026, 11, 16)])
    silent_week = measure("Uge uden data i tre uger", "week", points=[date(2026, 11, 2), date(2026, 11, 9)])
    measure("Måned med data i oktober", "month", points=[date(2026, 10, 1)])
    silent_month = measure("Måned med data i september", "month", points=[date(2026, 9, 1)])
    never = measure("Aldrig målt", "week")
    measure("Fald i går", "day", data_type="days_between", points=[date(2026, 11, 30)])
    measure("Fald sidst i sidste uge", "day", data_type="days_between", points=[date(2026, 11, 29)])
    # event measures are reviewed by the week (pdsa.store.events): quiet for the two whole weeks before this one
    quiet = measure("Fald for tre uger siden", "day", data_type="days_between", points=[date(2026, 11, 15)])
    archived = measure("Arkiveret", "week")
    actions.archive_measure(db, ADMIN, archived.id)

    waiting = store.todo(db, _mine(db, project), today=TODAY).measures_without_data
    assert [(m.name, m.last_period, m.expected_from) for m in waiting] == [
        ("Måned med data i september", date(2026, 9, 1), date(2026, 10, 1)),
        ("Uge uden data i tre uger", date(2026, 11, 9), date(2026, 11, 16)),
        ("Fald for tre uger siden", date(2026, 11, 15), date(2026, 11, 16)),
        ("Aldrig målt", None, date(2026, 11, 16)),
    ]
    assert [m.measure_id for m in waiting] == [silent_month.id, silent_week.id, quiet.id, never.id]
    assert [m.is_event_measure for m in waiting] == [False, False, True, False]


def test_a_project_no_longer_worked_on_asks_for_nothing(db):
    pathway = _pathway(db)
    done = _project(db, pathway.id, title="Afsluttet projekt", status="completed")
    actions.define_measure(db, ADMIN, Measure(project_id=done.id, name="Gammel indikator", kind="process",
                                              data_type="count", period="week"))
    actions.start_cycle(db, ADMIN, PdsaCycle(project_id=done.id, title="Glemt", do_start=date(2026, 1, 5),
                                             plan_end=date(2026, 1, 9)))
    waiting = store.todo(db, _mine(db, done), today=TODAY)
    assert (waiting.overdue_cycles, waiting.measures_without_data, waiting.count) == ([], [], 0)
    assert [p.title for p in _mine(db, done)] == ["Afsluttet projekt"]  # still one of my projects


def test_new_problems_in_my_pathways_and_attached_pathways_until_triaged(db):
    mine, attached, other = _pathway(db, "Hoftebrud"), _pathway(db, "KOL"), _pathway(db, "Kræft")
    project = _project(db, mine.id)

    def problem(title, pathway, reported_on=date(2026, 11, 1)):
        return actions.register_problem(db, ADMIN, Problem(title=title, pathway_id=pathway.id, source="complaint",
                                                           reported_on=reported_on))

    first = problem("Lang ventetid", mine, date(2026, 10, 1))
    triaged = problem("Allerede vurderet", mine)
    actions.triage_problem(db, ADMIN, triaged.id, status="triaged", impact=4, effort=2, expected_version=triaged.version)
    problem("I et forløb, jeg er knyttet til", attached)
    problem("I et andet forløb", other)

    waiting = store.todo(db, _mine(db, project), today=TODAY, pathway_ids={attached.id})
    assert [(p.title, p.pathway_name) for p in waiting.new_problems] == [
        ("Lang ventetid", "Hoftebrud"), ("I et forløb, jeg er knyttet til", "KOL")]
    assert waiting.new_problems[0].problem_id == first.id
    assert [p.title for p in store.todo(db, _mine(db, project), today=TODAY).new_problems] == ["Lang ventetid"]


def test_new_observations_on_my_projects_and_pathways_from_the_last_14_days(db):
    mine, other = _pathway(db, "Hoftebrud"), _pathway(db, "Kræft")
    project = _project(db, mine.id)
    cycle = actions.start_cycle(db, ADMIN, PdsaCycle(project_id=project.id, title="1 patient"))

    def observe(text, pathway, days_ago, **links):
        actions.add_observation(db, ADMIN, Observation(text=text, kind="experience", observed_on=TODAY - timedelta(days=days_ago),
                                                       pathway_id=pathway.id, author_role="Pårørende", **links))

    observe("I dag på cirklen", mine, 0, project_id=project.id, cycle_id=cycle.id)
    observe("For 13 dage siden i forløbet", mine, 13)
    observe("For 14 dage siden", mine, 14)
    observe("I et andet forløb", other, 1)
    waiting = store.todo(db, _mine(db, project), today=TODAY).new_observations
    assert [(o.text, o.project_title, o.cycle_id) for o in waiting] == [
        ("I dag på cirklen", "Hurtigere mobilisering", cycle.id), ("For 13 dage siden i forløbet", None, None)]


def test_my_projects_are_those_being_worked_on_first_and_never_an_archived_one(db):
    pathway = _pathway(db)
    done = _project(db, pathway.id, title="A – afsluttet", status="completed")
    active = _project(db, pathway.id, title="B – aktivt")
    planning = _project(db, pathway.id, title="C – planlægges", status="planning")
    gone = _project(db, pathway.id, title="D – arkiveret")
    actions.archive_project(db, ADMIN, gone.id, expected_version=gone.version)
    found = store.my_projects(db, {done.id: {"lead"}, active.id: {"member"}, planning.id: {"sponsor"}, gone.id: {"lead"}})
    assert [(p.title, p.roles) for p in found] == [
        ("C – planlægges", frozenset({"sponsor"})), ("B – aktivt", frozenset({"member"})),
        ("A – afsluttet", frozenset({"lead"}))]
    assert found[0].pathway_name == "Hoftebrud"
    assert store.pathway_names(db, {pathway.id}) == {pathway.id: "Hoftebrud"}


def test_the_demo_team_member_s_to_do_list(demo_db):
    member = find_user(demo_db, "demo-member")
    projects = store.my_projects(demo_db, project_roles(demo_db, member.id))
    assert [p.title for p in projects] == ["Hoftebrud – smertefri og opereret inden for 24 timer"]
    waiting = store.todo(demo_db, projects, today=date(2026, 12, 2))
    assert len(waiting.measures_without_data) == 3  # the demo's weekly data end in week 42
    assert {p.title for p in waiting.new_problems} == {"Uklar smertebehandling de første dage hjemme"}
    assert waiting.overdue_cycles == [] and waiting.studied_too_long == []


# --- the page ----------------------------------------------------------------------------------

def _week_label(today: date) -> str:
    """The first of the two whole weeks before this one, as the Danish page says it."""
    year, week, _ = (today - timedelta(days=today.isoweekday() - 1 + 14)).isocalendar()
    return f"uge {week} {year}"


def _links(at: AppTest) -> list[tuple[str, str, str]]:
    return [(el.proto.label, el.proto.page, el.proto.query_string) for el in at.get("page_link")]


def _home(monkeypatch, path, user: str, language: str = "da") -> AppTest:
    """The page a signed-in person lands on (no page chosen): it must be the home page."""
    return open_page(monkeypatch, path, "views/home.py", language, user=user)


def test_signing_in_opens_my_work_first(monkeypatch, demo_copy):
    from test_pages import user_id

    monkeypatch.setenv("PDSA_DB", str(demo_copy))
    at = AppTest.from_file("../streamlit_app.py", default_timeout=60)
    at.session_state["lang"] = "da"
    at.session_state["signed_in_user_id"] = user_id(demo_copy, "demo-member")
    at.run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Mit arbejde"
    assert ("**Hoftebrud – smertefri og opereret inden for 24 timer**", "projects", "project=1") in _links(at)


def test_the_team_member_sees_the_overdue_cycle_until_it_is_moved_on_to_study(monkeypatch, demo_copy):
    con = connect(demo_copy)
    cur = con.cursor()
    today = date.today()
    lead = Actor(None, "Mette Kjær Andersen", roles=frozenset({"staff"}), project_roles={1: frozenset({"lead"})})
    cycle = actions.start_cycle(cur, lead, PdsaCycle(
        project_id=1, title="Nerveblokade i weekenden – 2 uger", do_start=today - timedelta(days=20),
        plan_end=today - timedelta(days=6)))
    con.close()

    at = _home(monkeypatch, demo_copy, "demo-member")
    assert not at.exception, at.exception
    shown = everything_shown(at)
    assert "1 PDSA-cirkel er stadig i Udfør efter den planlagte afslutning" in shown
    [link] = [link for link in _links(at) if "Nerveblokade i weekenden" in link[0]]
    assert link == ("PDSA 3.1 · Nerveblokade i weekenden – 2 uger", "projects", f"project=1&cycle={cycle.id}")
    assert "Skulle være afsluttet" in shown and "for 6 dage siden" in shown and "gå videre til Studér" in shown
    assert not [c for c in at.caption if c.value.startswith("Hoftebrud")]  # one project only: items do not name it
    assert f"Seneste data: uge 42 2026. Indtast data fra {_week_label(date.today())}." in shown
    assert "3 indikatorer mangler data for de seneste to perioder" in shown
    assert "1 nyt problem i dine patientforløb er ikke vurderet" in shown
    assert any(query == "problem=7" and page == "problems" for _, page, query in _links(at))

    con = connect(demo_copy)
    cur = con.cursor()
    actions.update_cycle(cur, lead, cycle.model_copy(update={"do_end": today - timedelta(days=1),
                                                             "do_what_happened": "Blokaden blev lagt hos 9 af 11"}))
    con.close()
    at.run()
    assert not at.exception, at.exception
    shown = everything_shown(at)
    assert "Udfør efter den planlagte afslutning" not in shown
    assert not [link for link in _links(at) if "Nerveblokade i weekenden" in link[0]]
    assert "3 indikatorer mangler data" in shown  # the rest of the list stays


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_home_page_reads_in_both_languages_without_raw_values(monkeypatch, demo_copy, language):
    for user in ("demo-member", "demo-lead", "demo-leader", "demo-patient", "demo-admin", "demo-reader"):
        at = _home(monkeypatch, demo_copy, user, language)
        assert not at.exception, (user, at.exception)
        assert at.title[0].value == translate(language, "home.title")
        assert at.caption, "the page says what it is for"
        shown = everything_shown(at)
        assert not RAW.findall(shown), f"{user} ({language}) sees {sorted(set(RAW.findall(shown)))}"


def test_the_patient_representative_sees_their_project_and_pathway_and_nothing_statistical(monkeypatch, demo_copy):
    at = _home(monkeypatch, demo_copy, "demo-patient")
    assert not at.exception, at.exception
    shown = everything_shown(at)
    assert "patientpartner" in shown
    assert ("**Hoftebrud – smertefri og opereret inden for 24 timer**", "projects", "project=1") in _links(at)
    assert ("Hoftenært lårbensbrud hos ældre", "pathways", "pathway=1") in _links(at)
    for word in ("indikator", "data", "Det, der venter", "PDSA-cirkel er", "vurderet"):
        assert word not in shown, word
    assert not at.success


def test_someone_on_no_team_is_sent_to_the_overview_or_the_new_project_form(monkeypatch, demo_copy):
    at = _home(monkeypatch, demo_copy, "demo-admin", "en")
    assert not at.exception, at.exception
    assert "You are not on a project team" in at.info[0].value
    assert ("Go to the overview", "overview", "") in _links(at)

    con = connect(demo_copy)
    actions.create_user(con.cursor(), ADMIN, username="staff", display_name="Sofie Staff", roles={"staff"})
    con.close()
    at = _home(monkeypatch, demo_copy, "staff", "en")
    assert "You are not on a project team yet" in at.info[0].value and "New project" in at.info[0].value
    assert ("Start an improvement project", "projects", "") in _links(at)


def test_a_team_with_nothing_waiting_is_told_so_kindly(monkeypatch, tmp_path):
    path = tmp_path / "calm.duckdb"
    con = connect(path)
    cur = con.cursor()
    user = actions.create_user(cur, ADMIN, username="lone", display_name="Lone Lead", roles={"staff"})
    pathway = _pathway(cur)
    actions.create_project(cur, ADMIN, Project(
        title="Roligt projekt", pathway_id=pathway.id, aim_what="Færre fald", aim_how_much="fra 10 til 5",
        aim_by_when=date(2027, 3, 31), start_date=date(2026, 1, 5), status="active",
        team=[TeamMember(name="Lone Lead", sector="hospital", role="lead", user_id=user.id)]))
    con.close()
    at = _home(monkeypatch, path, "lone", "en")
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("Nothing needs doing right now")
    assert ("**Roligt projekt**", "projects", "project=1") in _links(at)
    assert "your role: Lead" in everything_shown(at)


def test_with_several_projects_each_item_names_its_project(monkeypatch, tmp_path):
    path = tmp_path / "two.duckdb"
    con = connect(path)
    cur = con.cursor()
    user = actions.create_user(cur, ADMIN, username="lone", display_name="Lone Lead", roles={"staff"})
    pathway = _pathway(cur)
    for title in ("Færre fald", "Hurtigere svar"):
        project = actions.create_project(cur, ADMIN, Project(
            title=title, pathway_id=pathway.id, aim_what="Bedre", aim_how_much="fra 10 til 5",
            aim_by_when=date(2027, 3, 31), start_date=date(2026, 1, 5), status="active",
            team=[TeamMember(name="Lone Lead", sector="hospital", role="lead", user_id=user.id)]))
    actions.define_measure(cur, ADMIN, Measure(project_id=project.id, name="Svartid", kind="outcome",
                                               data_type="continuous", period="month"))
    con.close()
    at = _home(monkeypatch, path, "lone", "en")
    assert not at.exception, at.exception
    assert "1 measure has no data for the last two periods" in everything_shown(at)
    assert "Hurtigere svar · no data yet. Enter the first measurements." in [c.value for c in at.caption]
    assert ("Svartid", "projects", f"project={project.id}&measure=1") in _links(at)


def test_typed_text_is_shown_literally_in_links_and_lines(monkeypatch, tmp_path):
    from test_user_text import EVIL, markdown_sources
    from ui.plain import plain

    path = tmp_path / "evil.duckdb"
    con = connect(path)
    cur = con.cursor()
    user = actions.create_user(cur, ADMIN, username="lone", display_name="Lone Lead", roles={"staff"})
    pathway = _pathway(cur, "Forløb " + EVIL)
    today = date.today()
    for title in ("Projekt " + EVIL, "Andet projekt"):
        project = actions.create_project(cur, ADMIN, Project(
            title=title, pathway_id=pathway.id, aim_what=EVIL, aim_how_much=EVIL,
            aim_by_when=date(2027, 3, 31), start_date=date(2026, 1, 5), status="active",
            team=[TeamMember(name="Lone Lead", sector="hospital", role="lead", user_id=user.id)]))
        if title != "Andet projekt":
            evil_project = project
    actions.define_measure(cur, ADMIN, Measure(project_id=evil_project.id, name=EVIL, kind="process",
                                               data_type="count", period="week"))
    actions.start_cycle(cur, ADMIN, PdsaCycle(project_id=evil_project.id, title=EVIL, do_start=today - timedelta(days=9),
                                              plan_end=today - timedelta(days=2)))
    actions.register_problem(cur, ADMIN, Problem(title=EVIL, pathway_id=pathway.id, source="complaint",
                                                  reported_on=today))
    actions.add_observation(cur, ADMIN, Observation(text=EVIL, kind="concern", author_role=EVIL, observed_on=today,
                                                    pathway_id=pathway.id, project_id=evil_project.id))
    con.close()
    at = _home(monkeypatch, path, "lone")
    assert not at.exception, at.exception
    labels = [label for label, _, _ in _links(at)]
    escaped = plain(EVIL)
    # the project's title (twice: its card and each item's line), the measure, the cycle, the problem, the observation
    assert sum(label.count(escaped) for label in labels) >= 5, labels
    sources = markdown_sources(at) + labels
    assert sum(s.count(escaped) for s in sources) >= 12
    for source in sources:
        for markup in ("![", "](", "<b>", ":red[", "http://"):
            assert markup not in source, (markup, source)
