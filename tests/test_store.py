"""Round trips of every entity through the real database, and the audit trail they leave."""

from datetime import date

import pytest

from pathways.models import Pathway, PathwayStep, Problem, Unit
from pathways.store import (
    add_pathway,
    link_problem_to_project,
    add_problem,
    add_unit,
    get_pathway,
    list_pathways,
    list_problems,
    list_units,
    pathway_counts,
    set_problem_status,
)
from pdsa.core.audit import Author, StaleEdit, acting_as, list_events
from pdsa.core.db import INTEGRITY_ERRORS
from pdsa.models import (
    ChangeIdea,
    DataPoint,
    Driver,
    Measure,
    Observation,
    PdsaCycle,
    ProgressScore,
    Project,
    TeamMember,
)
from pdsa.store.cycles import add_cycle, get_cycle, list_cycles, ramps, update_cycle
from pdsa.store.measures import (
    add_measure,
    data_points_frame,
    get_measure,
    list_data_points,
    list_measures,
    save_data_points,
    set_point_excluded,
    update_chart_settings,
)
from pdsa.store.observations import add_observation, list_observations
from pdsa.store.projects import (
    add_change_idea,
    add_driver,
    add_progress_score,
    add_project,
    get_driver_diagram,
    get_project,
    latest_progress,
    list_projects,
    set_project_status,
)

WHO = "Test Testesen"


@pytest.fixture(autouse=True)
def author():
    """The stores record changes under the author an action sets; here the test sets it."""
    with acting_as(Author(user_id=None, name=WHO)) as who:
        yield who


@pytest.fixture
def pathway(db):
    unit_id = add_unit(db, Unit(name="Ortopædkirurgisk afsnit", sector="hospital"))
    steps = [
        PathwayStep(position=1, name="Akutmodtagelse", sector="hospital", description="Røntgen og smertedækning"),
        PathwayStep(position=2, name="Operation", sector="hospital", unit_id=unit_id),
        PathwayStep(position=3, name="Hjemmepleje", sector="municipality"),
    ]
    pathway_id = add_pathway(db, Pathway(name="Hoftenær fraktur", description="Fra fald til eget hjem", steps=steps))
    return get_pathway(db, pathway_id)


@pytest.fixture
def project(db, pathway):
    project = Project(
        title="Hurtigere mobilisering", pathway_id=pathway.id, aim_what="Andel mobiliseret inden 24 timer",
        aim_how_much="fra 55 % til 85 %", aim_by_when=date(2027, 3, 31), status="active",
        start_date=date(2026, 1, 5),
        team=[TeamMember(name="Anna", discipline="Sygeplejerske", sector="hospital", role="lead"),
              TeamMember(name="Bent", discipline="Fysioterapeut", sector="municipality"),
              TeamMember(name="Karen", sector="other", role="patient_partner")],
        progress=[ProgressScore(scored_on=date(2026, 2, 1), score=1.5), ProgressScore(scored_on=date(2026, 4, 1), score=2.5)],
    )
    return get_project(db, add_project(db, project))


def test_units_round_trip(db):
    add_unit(db, Unit(name="Hjemmeplejen Syd", sector="municipality"))
    assert [(u.name, u.sector) for u in list_units(db)] == [("Hjemmeplejen Syd", "municipality")]


def test_pathway_with_steps_round_trips(db, pathway):
    assert pathway.name == "Hoftenær fraktur"
    assert [(s.position, s.name, s.sector) for s in pathway.steps] == [
        (1, "Akutmodtagelse", "hospital"), (2, "Operation", "hospital"), (3, "Hjemmepleje", "municipality")]
    assert pathway.steps[0].description == "Røntgen og smertedækning"
    assert pathway.steps[1].unit_id == list_units(db)[0].id
    assert list_pathways(db) == [pathway]


def test_project_with_team_and_progress_round_trips(db, project):
    assert [m.role for m in project.team] == ["lead", "member", "patient_partner"]
    assert [p.score for p in project.progress] == [1.5, 2.5]
    assert latest_progress(project).score == 2.5
    add_progress_score(db, project.id, ProgressScore(scored_on=date(2026, 6, 1), score=3.0, comment="Flere mobiliseret"))
    set_project_status(db, project.id, "sustaining")
    again = get_project(db, project.id)
    assert latest_progress(again).comment == "Flere mobiliseret"
    assert again.status == "sustaining"
    assert list_projects(db, pathway_id=project.pathway_id) == [again]
    with pytest.raises(ValueError, match="status"):
        set_project_status(db, project.id, "finished")


def test_problem_with_links_round_trips_and_its_status_changes(db, pathway, project):
    problem_id = add_problem(db, Problem(
        title="Ventetid på operation over 36 timer", pathway_id=pathway.id, step_id=pathway.steps[1].id,
        source="complaint", reported_by_role="Datter", reported_on=date(2026, 1, 10), impact=5, effort=3,
        project_ids=[project.id]))
    [problem] = list_problems(db, pathway_id=pathway.id)
    assert (problem.id, problem.source, problem.project_ids, problem.impact) == (problem_id, "complaint", [project.id], 5)
    assert list_problems(db, project_id=project.id) == [problem]
    set_problem_status(db, problem_id, "being_tested")
    assert list_problems(db)[0].status == "being_tested"
    assert pathway_counts(db)[pathway.id].problems_open == 1
    set_problem_status(db, problem_id, "solved")
    assert pathway_counts(db)[pathway.id].problems_open == 0


def test_driver_diagram_stores_links_not_only_a_tree(db, project):
    primary = add_driver(db, project.id, Driver(kind="primary", text="Tidlig mobilisering"))
    s1 = add_driver(db, project.id, Driver(kind="secondary", text="Smertelindring", parent_id=primary))
    s2 = add_driver(db, project.id, Driver(kind="secondary", text="Fysioterapi alle dage", parent_id=primary))
    idea = add_change_idea(db, project.id, ChangeIdea(text="Nerveblokade i akutmodtagelsen", driver_ids=[s1, s2]))
    diagram = get_driver_diagram(db, project.id)
    assert [d.kind for d in diagram.drivers] == ["primary", "secondary", "secondary"]
    assert diagram.change_ideas[0].id == idea and diagram.change_ideas[0].driver_ids == [s1, s2]
    assert "Andel mobiliseret" in diagram.aim
    with pytest.raises(ValueError, match="primary driver of the same project"):
        add_driver(db, project.id, Driver(kind="secondary", text="Under en sekundær", parent_id=s1))
    with pytest.raises(ValueError, match="not part of this project"):
        add_change_idea(db, project.id, ChangeIdea(text="Forkert", driver_ids=[9999]))
    assert len(get_driver_diagram(db, project.id).change_ideas) == 1  # the refused idea left nothing


def test_measure_and_points_round_trip_and_a_period_is_updated_not_duplicated(db, project):
    measure_id = add_measure(db, Measure(
        project_id=project.id, name="Mobiliseret inden 24 timer", kind="process", definition="Tæller: ...",
        data_type="proportion", period="week", direction="up", target=0.85, unit="%",
        freeze_until=date(2026, 2, 23), splits=[date(2026, 4, 6)]))
    measure = get_measure(db, measure_id)
    assert measure.splits == [date(2026, 4, 6)] and measure.freeze_until == date(2026, 2, 23)
    points = [DataPoint.model_validate({"measure_id": measure_id, "period": f"2026-W{w:02d}", "numerator": w,
                                        "denominator": 20, "entered_by": WHO}, context={"measure": measure})
              for w in range(1, 11)]
    assert save_data_points(db, measure, points) == 10
    fix = DataPoint.model_validate({"measure_id": measure_id, "period": "2026-W03", "numerator": 19, "denominator": 20,
                                    "note": "Rettet"}, context={"measure": measure})
    save_data_points(db, measure, [fix])
    stored = list_data_points(db, measure_id)
    assert len(stored) == 10
    assert (stored[2].numerator, stored[2].note) == (19, "Rettet")
    set_point_excluded(db, stored[0].id, True)
    frame = data_points_frame(db, [measure_id])
    assert list(frame["excluded"])[:2] == [True, False]
    measure.splits = [date(2026, 3, 2), date(2026, 4, 6)]
    measure.rules = "anhoej"
    measure.chart = "run"
    update_chart_settings(db, measure)
    again = get_measure(db, measure_id)
    assert again.splits == [date(2026, 3, 2), date(2026, 4, 6)] and again.chart == "run"
    assert list_measures(db, project_id=project.id) == [again]


def test_the_same_period_twice_in_one_save_keeps_the_last(db, project):
    measure = get_measure(db, add_measure(db, Measure(project_id=project.id, name="Antal fald", kind="balancing",
                                                      data_type="count", period="month")))
    twice = [DataPoint.model_validate({"measure_id": measure.id, "period": "2026-03", "value": v}, context={"measure": measure})
             for v in (4, 6)]
    save_data_points(db, measure, twice)
    assert [p.value for p in list_data_points(db, measure.id)] == [6]


def test_event_measures_store_one_row_per_event(db, project):
    measure = get_measure(db, add_measure(db, Measure(
        project_id=project.id, name="Koloskopier mellem utilstrækkelige udrensninger", kind="balancing",
        data_type="cases_between", period="day", direction="up")))
    events = [DataPoint.model_validate({"measure_id": measure.id, "period": d, "value": v}, context={"measure": measure})
              for d, v in (("2026-01-03", 12), ("2026-01-09", 30), ("2026-01-09", 0), ("2026-02-01", 41))]
    save_data_points(db, measure, events)
    frame = data_points_frame(db, [measure.id])
    assert list(frame["event_no"]) == [1, 1, 2, 1]
    assert list(frame["value"]) == [12, 30, 0, 41]


def test_days_between_takes_one_event_per_day(db, project):
    measure = get_measure(db, add_measure(db, Measure(
        project_id=project.id, name="Dage mellem fald", kind="balancing", data_type="days_between", period="day",
        direction="up")))

    def event(day):
        return DataPoint.model_validate({"measure_id": measure.id, "period": day}, context={"measure": measure})

    save_data_points(db, measure, [event("2026-01-03"), event("2026-01-09")])
    with pytest.raises(ValueError, match="row 2, period: 2026-02-01 already has an event"):
        save_data_points(db, measure, [event("2026-02-01"), event("2026-02-01")])
    with pytest.raises(ValueError, match="row 1, period: 2026-01-09 already has an event"):
        save_data_points(db, measure, [event("2026-01-09")])
    assert len(data_points_frame(db, [measure.id])) == 2  # the refused saves left nothing


def test_re_entering_a_value_keeps_the_note_and_the_exclusion(db, project):
    measure = get_measure(db, add_measure(db, Measure(project_id=project.id, name="Liggetid", kind="balancing",
                                                      data_type="continuous", period="month")))

    def point(**raw):
        return DataPoint.model_validate({"measure_id": measure.id, "period": "2026-03", **raw}, context={"measure": measure})

    save_data_points(db, measure, [point(value=4.5, note="Påske", excluded=True)])
    save_data_points(db, measure, [point(value=4.8)])
    [stored] = list_data_points(db, measure.id)
    assert (stored.value, stored.note, stored.excluded) == (4.8, "Påske", True)
    save_data_points(db, measure, [point(value=4.8, note=None, excluded=False)])  # said explicitly
    [stored] = list_data_points(db, measure.id)
    assert (stored.note, stored.excluded) == (None, False)


def test_links_must_stay_inside_their_pathway_and_project(db, pathway, project):
    other = get_pathway(db, add_pathway(db, Pathway(name="KOL", steps=[
        PathwayStep(position=1, name="Lungemedicinsk afsnit", sector="hospital")])))
    with pytest.raises(ValueError, match="step_id: the step is not part of the chosen pathway"):
        add_problem(db, Problem(title="X", pathway_id=pathway.id, step_id=other.steps[0].id, source="staff",
                                reported_on=date(2026, 1, 1)))
    with pytest.raises(ValueError, match="project_id: it belongs to another pathway"):
        add_observation(db, Observation(text="Godt", kind="experience", observed_on=date(2026, 1, 1),
                                        pathway_id=other.id, project_id=project.id))
    other_project = add_project(db, project.model_copy(update={"id": None, "pathway_id": other.id, "team": [],
                                                                "progress": []}))
    foreign_idea = add_change_idea(db, other_project, ChangeIdea(text="Andet projekts idé"))
    with pytest.raises(ValueError, match="change_idea_id: the change idea belongs to another project"):
        add_cycle(db, PdsaCycle(project_id=project.id, change_idea_id=foreign_idea, title="Forkert idé"))


def test_linking_twice_records_one_event(db, pathway, project):
    problem_id = add_problem(db, Problem(title="Ventetid", pathway_id=pathway.id, source="staff",
                                         reported_on=date(2026, 1, 1), project_ids=[project.id]))
    link_problem_to_project(db, problem_id, project.id)
    links = [e for e in list_events(db, entity="problem", entity_id=problem_id) if e.action == "update"]
    assert len(links) == 1


def test_cycles_form_ramps_and_update(db, project):
    first = add_cycle(db, PdsaCycle(project_id=project.id, title="1 patient", plan_objective="Kan det lade sig gøre?",
                                    do_start=date(2026, 2, 2), do_end=date(2026, 2, 2)))
    second = add_cycle(db, PdsaCycle(project_id=project.id, parent_id=first, title="5 patienter"))
    other = add_cycle(db, PdsaCycle(project_id=project.id, title="Anden idé"))
    cycle = get_cycle(db, second)
    assert cycle.cycle_number == 2
    cycle.do_start, cycle.act_decision, cycle.act_next_step = date(2026, 2, 9), "adapt", "Prøv i weekenden"
    update_cycle(db, cycle)
    assert get_cycle(db, second).stage == "acted"
    assert [[c.id for c in ramp] for ramp in ramps(list_cycles(db, project_id=project.id))] == [[first, second], [other]]


def test_observations_round_trip(db, pathway, project):
    obs = Observation(text="Jeg ventede alene i mange timer.", kind="experience", author_role="Pårørende",
                      observed_on=date(2026, 1, 12), pathway_id=pathway.id, step_id=pathway.steps[0].id,
                      project_id=project.id)
    obs_id = add_observation(db, obs)
    assert list_observations(db, project_id=project.id) == [obs.model_copy(update={"id": obs_id})]


def test_every_change_leaves_an_audit_event_with_before_and_after(db, pathway, project):
    problem_id = add_problem(db, Problem(title="Ventetid", pathway_id=pathway.id, source="staff",
                                         reported_on=date(2026, 1, 1)))
    with acting_as(Author(user_id=7, name="Leder")):
        set_problem_status(db, problem_id, "triaged")
    [event] = [e for e in list_events(db, entity="problem", entity_id=problem_id) if e.action == "update"]
    assert (event.who, event.actor_id, event.before, event.after) == ("Leder", 7, {"status": "new"}, {"status": "triaged"})
    created = list_events(db, entity="project", entity_id=project.id)
    assert created[-1].action == "create" and created[-1].after["title"] == "Hurtigere mobilisering"
    assert {e.entity for e in list_events(db)} >= {"unit", "pathway", "pathway_step", "project", "team_member",
                                                   "progress_score", "problem"}


def test_a_refused_write_leaves_neither_row_nor_audit_event(db, pathway):
    before = len(list_events(db))
    with pytest.raises(INTEGRITY_ERRORS):
        add_problem(db, Problem(title="X", pathway_id=pathway.id, source="staff", reported_on=date(2026, 1, 1),
                                project_ids=[424242]))  # no such project: the link fails
    assert list_problems(db) == []
    assert len(list_events(db)) == before


def test_settings_saved_over_someone_elses_change_are_refused(db, project):
    measure = get_measure(db, add_measure(db, Measure(project_id=project.id, name="Andel", kind="process",
                                                      data_type="proportion", period="week")))
    with acting_as(Author(user_id=None, name="Bo")):
        update_chart_settings(db, measure.model_copy(update={"target": 0.8}))
    with acting_as(Author(user_id=None, name="Anna")), pytest.raises(StaleEdit, match="Bo changed this measure") as e:
        update_chart_settings(db, measure.model_copy(update={"chart": "run"}))
    assert e.value.changed_by == "Bo" and e.value.changed_at is not None
    stored = get_measure(db, measure.id)
    assert (stored.target, stored.chart, stored.version) == (0.8, None, 2)
    assert stored.data_version == measure.data_version + 1


def test_every_link_is_checked_on_update_too(db, pathway, project):
    other_pathway = get_pathway(db, add_pathway(db, Pathway(name="KOL")))
    other_project = add_project(db, project.model_copy(update={"id": None, "pathway_id": other_pathway.id,
                                                                "team": [], "progress": []}))
    same_pathway_project = add_project(db, project.model_copy(update={"id": None, "team": [], "progress": []}))
    foreign_idea = add_change_idea(db, other_project, ChangeIdea(text="Fremmed idé"))
    cycle = get_cycle(db, add_cycle(db, PdsaCycle(project_id=project.id, title="1 patient")))
    with pytest.raises(ValueError, match="change_idea_id"):
        update_cycle(db, cycle.model_copy(update={"change_idea_id": foreign_idea}))
    with pytest.raises(ValueError, match="cycle_id: the PDSA cycle belongs to another project"):
        add_observation(db, Observation(text="Godt", kind="experience", observed_on=date(2026, 1, 1),
                                        pathway_id=pathway.id, project_id=same_pathway_project,
                                        cycle_id=cycle.id))
    for field, value in (("step_id", 10_000), ("problem_id", 10_000)):
        with pytest.raises(ValueError, match=field):
            add_observation(db, Observation(text="Godt", kind="experience", observed_on=date(2026, 1, 1),
                                            pathway_id=pathway.id, **{field: value}))
    problem_id = add_problem(db, Problem(title="Ventetid", pathway_id=pathway.id, source="staff",
                                         reported_on=date(2026, 1, 1)))
    with pytest.raises(ValueError, match="another pathway"):
        link_problem_to_project(db, problem_id, other_project)


def test_the_person_recorded_is_checked_and_fills_in_entered_by(db, project):
    measure = get_measure(db, add_measure(db, Measure(project_id=project.id, name="Antal", kind="process",
                                                      data_type="count", period="month")))
    point = DataPoint.model_validate({"measure_id": measure.id, "period": "2026-01", "value": 3},
                                     context={"measure": measure})
    with pytest.raises(ValueError, match="CPR"), acting_as(Author(user_id=None, name="Anna 010190-1234")):
        save_data_points(db, measure, [point])
    with pytest.raises(ValueError, match="who"), acting_as(Author(user_id=None, name=" ")):
        save_data_points(db, measure, [point])
    with acting_as(Author(user_id=None, name="Anna")):
        save_data_points(db, measure, [point])
    assert list_data_points(db, measure.id)[0].entered_by == "Anna"
