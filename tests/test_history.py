"""The audit trail, readable (issue 8): a project's history in plain language, the whole trail as
CSV, and nothing in the app or the command line edits or deletes an audit event."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import actions
from actions import Actor
from pathways.models import Pathway, PathwayStep, Problem, Unit
from pdsa.core.db import connect
from pdsa.history import (
    CSV_COLUMNS,
    HIDDEN_FIELDS,
    PROJECT_TABLES,
    HistoryEvent,
    audit_csv,
    escape_markdown,
    field_key,
    history_entries,
    iter_project_events,
    project_history,
    reference_names,
    sentence,
)
from pdsa.i18n import LANGUAGES, catalogue, translate
from pdsa.models import ChangeIdea, Driver, Measure, Observation, PdsaCycle, ProgressScore, Project, TeamMember, Theme

ROOT = Path(__file__).resolve().parent.parent
ADMIN = Actor(None, "test", roles=frozenset({"administrator"}))
ANNA = Actor(None, "Anna", roles=frozenset({"administrator"}))
BO = Actor(None, "Bo", roles=frozenset({"administrator"}))


@pytest.fixture
def fmt(formatters_in):
    return formatters_in


def tell(event_or_entry, language: str, fmt, names=None) -> str:
    return sentence(event_or_entry, partial(translate, language), fmt(language), names)


def event(entity: str, action: str, before=None, after=None, **context) -> HistoryEvent:
    return HistoryEvent(
        id=context.pop("id", 1), happened_at=context.pop("happened_at", datetime(2026, 3, 2, 14, 30)),
        who=context.pop("who", "Lene Thomsen"), actor_id=None, entity=entity, entity_id=context.pop("entity_id", 1),
        action=action, before=before, after=after, **context,
    )


# --- sentences --------------------------------------------------------------------------------

CHART_SETTINGS = {"chart": "p", "rules": "anhoej", "target": 0.15, "freeze_until": "2026-03-02"}


@pytest.mark.parametrize("language, expected", [
    ("en", "Lene Thomsen changed the target of *Genindlæggelser inden for 30 dage* from 15 % to 12 %"),
    ("da", "Lene Thomsen ændrede målværdien for *Genindlæggelser inden for 30 dage* fra 15 % til 12 %"),
])
def test_a_proportions_target_is_told_in_percent(fmt, language, expected):
    change = event("measure", "update", before=CHART_SETTINGS, after={**CHART_SETTINGS, "target": 0.12},
                   subject="Genindlæggelser inden for 30 dage", measure_id=1, data_type="proportion",
                   measure_period="month")
    assert tell(change, language, fmt) == expected


def test_a_counts_target_is_a_number_and_decimals_follow_the_language(fmt):
    change = event("measure", "update", before={"target": None}, after={"target": 12.5}, subject="Fald",
                   data_type="count", measure_period="week")
    assert tell(change, "da", fmt) == "Lene Thomsen satte målværdien for *Fald* til 12,5"
    proportion = event("measure", "update", before={"target": 0.8}, after={"target": 0.125}, subject="Andel",
                       data_type="proportion", measure_period="week")
    assert tell(proportion, "da", fmt).endswith("fra 80 % til 12,5 %")
    removed = event("measure", "update", before={"target": 0.8}, after={"target": None}, subject="Andel",
                    data_type="proportion", measure_period="week")
    assert tell(removed, "en", fmt) == "Lene Thomsen removed the target of *Andel* (it was 80 %)"


@pytest.mark.parametrize("language, expected", [
    ("en", "Anna changed the status of *Hoftebrud* from Active to Sustaining"),
    ("da", "Anna ændrede status for *Hoftebrud* fra Aktivt til Fastholdes"),
])
def test_a_status_change_is_told_in_words(fmt, language, expected):
    change = event("project", "update", before={"status": "active"}, after={"status": "sustaining"}, who="Anna",
                   subject="Hoftebrud")
    assert tell(change, language, fmt) == expected


@pytest.mark.parametrize("language, expected", [
    ("en", "Bo changed *Ventetid*: the status from New to Triaged, the impact set to 4, the effort set to 2"),
    ("da", "Bo ændrede *Ventetid*: status fra Ny til Vurderet, betydningen sat til 4, indsatsen sat til 2"),
])
def test_several_fields_changed_at_once_are_one_sentence(fmt, language, expected):
    triage = event("problem", "update", before={"status": "new", "impact": None, "effort": None},
                   after={"status": "triaged", "impact": 4, "effort": 2}, who="Bo", subject="Ventetid")
    assert tell(triage, language, fmt) == expected


def test_chart_type_rules_freeze_and_splits_are_told_in_words(fmt):
    settings = event("measure", "update", before={"chart": None, "rules": "anhoej", "freeze_until": None},
                     after={"chart": "run", "rules": "mdc", "freeze_until": "2026-03-02"},
                     subject="Ventetid", data_type="continuous", measure_period="week")
    assert tell(settings, "en", fmt) == (
        "Lene Thomsen changed *Ventetid*: the chart type from the data type's own chart to Run chart, "
        "the rule set from Anhøj (run chart rules) to Making Data Count (NHS), the frozen baseline set to week 10 2026")
    splits = event("measure", "update", before={"splits": []}, after={"splits": ["2026-03-02", "2026-01-05"]},
                   subject="Ventetid", data_type="continuous", measure_period="week")
    assert tell(splits, "da", fmt) == "Lene Thomsen satte skiftene for *Ventetid* til uge 2 2026, uge 10 2026"


@pytest.mark.parametrize("language, expected", [
    ("en", "Anna recorded the decision for *Nerveblokade – 1 patient*: Adopt – also: the next step"),
    ("da", "Anna registrerede beslutningen for *Nerveblokade – 1 patient*: Behold – desuden: næste skridt"),
])
def test_a_cycle_decision(fmt, language, expected):
    worksheet = {"title": "Nerveblokade – 1 patient", "do_start": "2026-02-02", "do_end": "2026-02-06",
                 "do_what_happened": "x", "study_results": "y", "study_learning": "z", "act_decision": None,
                 "act_next_step": None}
    decided = event("pdsa_cycle", "update", before=worksheet,
                    after={**worksheet, "act_decision": "adopt", "act_next_step": "Alle vagter"}, who="Anna",
                    subject="Nerveblokade – 1 patient")
    assert tell(decided, language, fmt) == expected


@pytest.mark.parametrize("language, expected", [
    ("en", "Anna moved *Test* to the studying stage: the end date set to 2026-02-06, what was learned"),
    ("da", "Anna opdaterede *Test*, der nu studeres: slutdatoen sat til 06-02-2026, læringen"),
])
def test_a_cycle_that_moves_on_says_its_stage(fmt, language, expected):
    worksheet = {"do_start": "2026-02-02", "do_end": None, "do_what_happened": None, "study_results": None,
                 "study_learning": None, "act_decision": None}
    moved = event("pdsa_cycle", "update", before=worksheet,
                  after={**worksheet, "do_end": "2026-02-06", "study_learning": "Virker"}, who="Anna", subject="Test")
    assert tell(moved, language, fmt) == expected


def test_creates_and_links_name_what_was_added(fmt):
    measure = event("measure", "create", after={"name": "Ventetid", "kind": "outcome"}, who="Anna",
                    subject="Ventetid")
    assert tell(measure, "en", fmt) == "Anna added the measure *Ventetid* (Outcome measure)"
    member = event("team_member", "create", after={"name": "Bo", "role": "patient_partner"}, who="Anna", subject="Bo")
    assert tell(member, "da", fmt) == "Anna tilføjede *Bo* til teamet som Patientpartner"
    linked = event("problem", "update", after={"linked_project_id": 7}, who="Anna", subject="Ventetid")
    assert tell(linked, "en", fmt, {("project", 7): "Hoftebrud"}) == (
        "Anna linked the problem *Ventetid* to the project *Hoftebrud*")
    idea = event("pdsa_cycle", "update", before={"change_idea_id": None}, after={"change_idea_id": 3}, who="Anna",
                 subject="Test")
    assert tell(idea, "en", fmt, {("change_idea", 3): "Nerveblok_ade"}) == (
        "Anna set the change idea of *Test* to Nerveblok\\_ade")


@pytest.mark.parametrize("language, expected", [
    ("en", ["Anna changed the role of *Bo* from Member to Lead",
            "Anna changed the parent driver of *Nerveblokade døgnet rundt* from Smertelindring to Kapacitet",
            "Anna removed *Bo* from the team",  # slice: team
            "Anna scored the progress 3.5 – Improvement (2026-06-15)"]),
    ("da", ["Anna ændrede rollen for *Bo* fra Teammedlem til Tovholder",
            "Anna ændrede den overordnede driver for *Nerveblokade døgnet rundt* fra Smertelindring til Kapacitet",
            "Anna fjernede *Bo* fra teamet",  # slice: team
            "Anna vurderede fremdriften til 3,5 – Forbedring (15-06-2026)"]),
])
def test_team_and_driver_changes(fmt, language, expected):
    names = {("driver", 3): "Smertelindring", ("driver", 4): "Kapacitet"}
    told = [tell(e, language, fmt, names) for e in (
        event("team_member", "update", before={"role": "member"}, after={"role": "lead"}, who="Anna", subject="Bo"),
        event("driver", "update", before={"parent_id": 3}, after={"parent_id": 4}, who="Anna",
              subject="Nerveblokade døgnet rundt"),
        event("team_member", "update", before={"archived": False}, after={"archived": True}, who="Anna", subject="Bo"),
        event("progress_score", "create", after={"scored_on": "2026-06-15", "score": 3.5}, who="Anna"),
    )]
    assert told == expected


def test_user_typed_names_are_escaped_for_markdown(fmt):
    change = event("project", "update", before={"status": "active"}, after={"status": "stopped"},
                   who="Lene *fed* [link](http://x.dk)", subject="![billede](http://x.dk/a.png) _kursiv_ $x$ :red[rød]")
    assert tell(change, "en", fmt) == (
        r"Lene \*fed\* \[link\]\(http\:\/\/x\.dk\) changed the status of "
        r"*\!\[billede\]\(http\:\/\/x\.dk\/a\.png\) \_kursiv\_ \$x\$ \:red\[rød\]* from Active to Stopped")
    assert escape_markdown("a\nb  c") == "a b c"
    from ui.plain import WORD_JOINER, plain

    with_plain = sentence(change, partial(translate, "en"), fmt("en"), escape=partial(plain, one_line=True))
    assert f"http\\:{WORD_JOINER}\\/\\/x\\.dk" in with_plain, "the page's escaping also breaks autolinks"
    assert escape_markdown("x" * 200).endswith("x…") and len(escape_markdown("x" * 200)) == 80


def test_a_save_that_changed_nothing_is_left_out():
    unchanged = event("change_idea", "update", before=None, after={"driver_ids": []})
    same = event("measure", "update", id=2, before={"target": 0.5, "chart": None}, after={"target": 0.5, "chart": None})
    told = event("measure", "update", id=3, before={"target": 0.5}, after={"target": 0.6})
    assert [entry.newest.id for entry in history_entries([told, same, unchanged])] == [3]


def test_every_field_of_a_projects_rows_has_words(db):
    """A column added to one of these tables needs its name in words under history.field."""
    columns = db.execute(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_name IN (SELECT unnest(CAST(? AS VARCHAR[])))", [list(PROJECT_TABLES)],
    ).fetchall()
    assert len({table for table, _ in columns}) == len(PROJECT_TABLES)
    extra = [("project", "unit_ids"), ("change_idea", "driver_ids"), ("measure", "splits"),
             ("pdsa_cycle", "measure_ids"), ("problem", "linked_project_id"), ("problem", "linked_change_idea_id")]
    for language in LANGUAGES:
        words = catalogue(language)
        missing = sorted(f"{table}.{column}" for table, column in [*columns, *extra]
                         if column not in HIDDEN_FIELDS and field_key(table, column) not in words)
        assert missing == [], f"{language}: no words for {missing}"


# --- a project's history, read from the database ----------------------------------------------

def hip_fracture_project(db):
    """Anna's pathway "Hoftebrud" and her project "Hurtigere operation" on it, with her as lead:
    the place the history tests tell a story about."""
    pathway = actions.create_pathway(db, ANNA, Pathway(name="Hoftebrud", steps=[
        PathwayStep(position=1, name="Akutmodtagelse", sector="hospital")]))
    project = actions.create_project(db, ANNA, Project(
        title="Hurtigere operation", pathway_id=pathway.id, aim_what="Opereret inden 24 timer",
        aim_how_much="fra 55 % til 85 %", aim_by_when=date(2027, 3, 31), start_date=date(2026, 1, 5),
        status="active", team=[TeamMember(name="Anna", sector="hospital", role="lead")]))
    return pathway, project


@pytest.fixture
def worked_on(db):
    """A project with a proportion measure, a cycle and points entered by Bo, changed by Anna."""
    pathway, project = hip_fracture_project(db)
    measure = actions.define_measure(db, ANNA, Measure(
        project_id=project.id, name="Genindlæggelser inden for 30 dage", kind="outcome", data_type="proportion",
        period="week", direction="down", target=0.15))
    mondays = [date(2026, 1, 5) + timedelta(weeks=k) for k in range(12)]
    actions.record_data_points(db, BO, measure.id, [{"period": d, "numerator": 3, "denominator": 20} for d in mondays])
    cycle = actions.start_cycle(db, ANNA, PdsaCycle(project_id=project.id, title="Nerveblokade – 1 patient"))
    other = actions.create_project(db, BO, Project(
        title="Et andet projekt", pathway_id=pathway.id, aim_what="a", aim_how_much="b", aim_by_when=date(2027, 1, 1),
        start_date=date(2026, 1, 1)))
    return project, measure, cycle, other


def test_a_projects_history_tells_what_happened_newest_first(db, worked_on, fmt):
    project, measure, cycle, other = worked_on
    actions.update_chart_settings(db, ANNA, actions.measures.store.get_measure(db, measure.id).model_copy(
        update={"target": 0.12}))
    actions.set_project_status(db, ANNA, project.id, "sustaining", expected_version=project.version)
    point = actions.measures.store.list_data_points(db, measure.id)[3]
    actions.set_point_excluded(db, BO, point.id, True)
    stored = actions.cycles.store.get_cycle(db, cycle.id)
    actions.update_cycle(db, ANNA, stored.model_copy(update={
        "do_start": date(2026, 2, 2), "do_end": date(2026, 2, 6), "study_learning": "Det virker",
        "act_decision": "adopt"}))

    entries, more = project_history(db, project.id, limit=100)
    assert not more
    assert [e.newest.id for e in entries] == sorted((e.newest.id for e in entries), reverse=True)
    lines = [tell(entry, "en", fmt, reference_names(db, entries)) for entry in entries]
    assert lines[:5] == [
        "Anna recorded the decision for *Nerveblokade – 1 patient*: Adopt – also: the start date set to "
        "2026-02-02, the end date set to 2026-02-06, what was learned",
        "Bo left the data point week 5 2026 of *Genindlæggelser inden for 30 dage* out of the calculations",
        "Anna changed the status of *Hurtigere operation* from Active to Sustaining",
        "Anna changed the target of *Genindlæggelser inden for 30 dage* from 15 % to 12 %",
        "Anna planned the PDSA cycle *Nerveblokade – 1 patient*",
    ]
    assert "Bo entered 12 data points for *Genindlæggelser inden for 30 dage* (week 2 2026 to week 13 2026)" in lines
    assert lines[-1] == "Anna created the project *Hurtigere operation*"
    assert not any("Et andet projekt" in line for line in lines), "another project's events stay out"
    danish = [tell(entry, "da", fmt) for entry in entries]
    assert "Bo indtastede 12 datapunkter for *Genindlæggelser inden for 30 dage* (uge 2 2026 til uge 13 2026)" in danish


def test_data_points_entered_again_are_one_line_per_person_measure_and_minute(db, worked_on, fmt):
    project, measure, _, _ = worked_on
    mondays = [date(2026, 1, 5) + timedelta(weeks=k) for k in range(3)]
    actions.record_data_points(db, ANNA, measure.id, [{"period": d, "numerator": 4, "denominator": 20} for d in mondays])
    actions.record_data_points(db, ANNA, measure.id, [{"period": mondays[1], "numerator": 6, "denominator": 20}])
    actions.record_data_points(db, BO, measure.id, [{"period": mondays[0], "numerator": 5, "denominator": 20}])
    entries, _ = project_history(db, project.id, limit=2)
    assert [tell(entry, "en", fmt) for entry in entries] == [
        "Bo changed the data point week 2 2026 of *Genindlæggelser inden for 30 dage*: the numerator from 4 to 5",
        "Anna changed 4 data points of *Genindlæggelser inden for 30 dage* (week 2 2026 to week 4 2026)",
    ]


def test_the_history_is_read_a_batch_at_a_time_and_paged(demo_db):
    project_id = demo_db.execute("SELECT min(id) FROM project").fetchone()[0]
    whole = [e.id for e in iter_project_events(demo_db, project_id, batch=100_000)]
    assert [e.id for e in iter_project_events(demo_db, project_id, batch=7)] == whole
    assert whole == sorted(whole, reverse=True) and len(whole) > 100
    entries, more = project_history(demo_db, project_id, limit=5)
    assert len(entries) == 5 and more
    everything, more = project_history(demo_db, project_id, limit=10_000)
    assert not more and everything[:5] == entries


RAW = re.compile(r"\bNone\b|\bnan\b|\b[a-z]+_[a-z_]+\b|history\.")


def test_every_event_of_every_demo_project_is_told_in_both_languages(demo_db, fmt):
    seen = set()
    for (project_id,) in demo_db.execute("SELECT id FROM project ORDER BY id").fetchall():
        entries, _ = project_history(demo_db, project_id, limit=10_000)
        names = reference_names(demo_db, entries)
        seen |= {entry.newest.entity for entry in entries}
        for language in LANGUAGES:
            for entry in entries:
                told = tell(entry, language, fmt, names)
                assert told and not RAW.search(told), told
                assert entry.who in told
    # slice: patient voice — the demo holds comments on cycles too (told by the worksheet's sentences)
    assert seen == {*PROJECT_TABLES, "cycle_comment"}, "the demo has rows of every kind that belong to a project"


# --- the whole trail as CSV -------------------------------------------------------------------

def _json(value):
    return value if value is None or isinstance(value, dict) else json.loads(value)


def _trail(cur) -> dict[int, tuple]:
    rows = cur.execute(
        "SELECT id, happened_at, who, actor_id, entity, entity_id, action, before, after FROM audit_event ORDER BY id"
    ).fetchall()
    return {r[0]: (r[1], r[2], r[3], r[4], r[5], r[6], _json(r[7]), _json(r[8])) for r in rows}


def test_the_whole_trail_as_csv_parses_back_and_opens_in_excel(demo_db):
    actions.add_unit(demo_db, Actor(None, "=HYPERLINK(\"http://x\")", roles=frozenset({"administrator"})),
                     Unit(name="Afsnit; \"Ø\"", sector="hospital"))
    data = audit_csv(demo_db)
    assert data.startswith(b"\xef\xbb\xbf"), "a byte-order mark, so Excel reads UTF-8"
    assert audit_csv(demo_db, batch=97) == data, "fetched in batches, the same file"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert tuple(rows[0]) == CSV_COLUMNS
    trail = _trail(demo_db)
    assert [int(r[0]) for r in rows[1:]] == sorted(trail)
    for row in rows[1:]:
        happened_at, who, actor_id, entity, entity_id, action, before, after = trail[int(row[0])]
        assert datetime.fromisoformat(row[1]) == happened_at
        assert (row[2].removeprefix("'") if who.startswith("=") else row[2]) == who
        assert row[3:7] == ["" if actor_id is None else str(actor_id), entity, str(entity_id), action]
        assert (json.loads(row[7]) if row[7] else None) == before
        assert (json.loads(row[8]) if row[8] else None) == after
    assert rows[-1][2] == "'=HYPERLINK(\"http://x\")", "a name a spreadsheet would run as a formula is defused"
    assert "Ø" in rows[-1][8]


# --- nothing edits or deletes the trail -------------------------------------------------------

def _every_action(cur) -> dict:
    """How to run each action once on the demo, as an administrator; each returns nothing."""
    from pathways.store import get_pathway, list_problems
    from pdsa.store.cycles import get_cycle, list_cycles
    from pdsa.store.measures import get_measure, list_data_points, list_measures
    from pdsa.store.projects import get_project, list_change_ideas, list_projects

    project = list_projects(cur)[0]
    pathway_id = project.pathway_id
    measure = next(m for m in list_measures(cur, project_id=project.id) if m.data_type == "proportion")
    made: dict = {}

    def new_problem(c):
        made["problem"] = actions.register_problem(c, ADMIN, Problem(
            title="Nyt problem", pathway_id=pathway_id, source="staff", reported_on=date(2026, 1, 1))).id

    def triage(c):
        problem = next(p for p in list_problems(c, pathway_id=pathway_id) if p.id == made["problem"])
        actions.triage_problem(c, ADMIN, problem.id, status="triaged", impact=3, effort=2,
                               expected_version=problem.version)

    def status(c):
        current = get_project(c, project.id)
        actions.set_project_status(c, ADMIN, project.id, "stopped" if current.status != "stopped" else "active",
                                   expected_version=current.version)

    def move_step(c):
        steps = get_pathway(c, pathway_id).steps
        actions.move_pathway_step(c, ADMIN, pathway_id, steps[-1].id, 1)

    def points(c):
        last = list_data_points(c, measure.id)[-1].period
        following = {"day": last + timedelta(days=1), "week": last + timedelta(weeks=1),
                     "month": (last.replace(day=28) + timedelta(days=4)).replace(day=1)}[measure.period]
        actions.record_data_points(c, ADMIN, measure.id, [
            {"period": last, "numerator": 1, "denominator": 10},
            {"period": following, "numerator": 2, "denominator": 10}])

    def exclude(c):
        point = list_data_points(c, measure.id)[0]
        actions.set_point_excluded(c, ADMIN, point.id, not point.excluded)

    def cycle_edit(c):
        cycle = get_cycle(c, list_cycles(c, project_id=project.id)[0].id)
        actions.update_cycle(c, ADMIN, cycle.model_copy(update={"study_learning": "Lært noget nyt",
                                                                "act_next_step": "Prøv igen"}))

    def new_user(c):
        made["user"] = actions.create_user(c, ADMIN, username="ny-bruger", display_name="Ny Bruger",
                                           roles={"staff"}, password="en lang og god adgangskode 42").id

    def grant(c):
        from pdsa.store.users import add_waiting_identity

        add_waiting_identity(c, "https://login.example", "abc-123", "Sso Bruger", None)
        actions.grant_identity(c, ADMIN, "https://login.example", "abc-123", roles={"staff"})

    return {
        "add_unit": lambda c: actions.add_unit(c, ADMIN, Unit(name="Ny enhed", sector="municipality")),
        "create_pathway": lambda c: actions.create_pathway(c, ADMIN, Pathway(name="Nyt forløb", steps=[
            PathwayStep(position=1, name="Første trin", sector="hospital")])),
        "add_pathway_step": lambda c: actions.add_pathway_step(c, ADMIN, pathway_id, PathwayStep(
            position=1, name="Nyt trin", sector="general_practice")),
        "move_pathway_step": move_step,
        "register_problem": new_problem,
        "triage_problem": triage,
        "link_problem_to_project": lambda c: actions.link_problem_to_project(c, ADMIN, made["problem"], project.id),
        "link_problem_to_change_idea": lambda c: actions.link_problem_to_change_idea(
            c, ADMIN, made["problem"], list_change_ideas(c, project.id)[0].id),
        "create_theme": lambda c: actions.create_theme(c, ADMIN, Theme(name="Nyt tema")),
        "create_project": lambda c: actions.create_project(c, ADMIN, Project(
            title="Nyt projekt", pathway_id=pathway_id, aim_what="a", aim_how_much="b", aim_by_when=date(2027, 1, 1),
            start_date=date(2026, 1, 1))),
        "set_project_status": status,
        "add_team_member": lambda c: actions.add_team_member(c, ADMIN, project.id, TeamMember(
            name="Nyt teammedlem", sector="municipality", role="member")),
        "record_progress": lambda c: actions.record_progress(c, ADMIN, project.id, ProgressScore(
            scored_on=date(2026, 11, 1), score=3.0)),
        "add_driver": lambda c: actions.add_driver(c, ADMIN, project.id, Driver(kind="primary", text="Ny driver",
                                                                             position=9)),
        "add_change_idea": lambda c: actions.add_change_idea(c, ADMIN, project.id, ChangeIdea(text="Ny idé")),
        "define_measure": lambda c: actions.define_measure(c, ADMIN, Measure(
            project_id=project.id, name="Ny indikator", kind="process", data_type="count", period="month")),
        "update_chart_settings": lambda c: actions.update_chart_settings(c, ADMIN, get_measure(c, measure.id).model_copy(
            update={"target": 0.42, "rules": "anhoej", "chart": "run"})),
        "record_data_points": points,
        "set_point_excluded": exclude,
        "start_cycle": lambda c: actions.start_cycle(c, ADMIN, PdsaCycle(project_id=project.id, title="Ny cirkel")),
        "update_cycle": cycle_edit,
        "add_observation": lambda c: actions.add_observation(c, ADMIN, Observation(
            text="Det gik fint", kind="experience", observed_on=date(2026, 2, 1), pathway_id=pathway_id,
            project_id=project.id)),
        "create_user": new_user,
        "set_user_password": lambda c: actions.set_user_password(c, ADMIN, made["user"], "endnu en god adgangskode 43"),
        "set_user_roles": lambda c: actions.set_user_roles(c, ADMIN, made["user"], {"leader"}),
        "disable_user": lambda c: actions.disable_user(c, ADMIN, made["user"]),
        "grant_identity": grant,
        **_pathway_recipes(pathway_id),  # slice: pathways
        **_problem_recipes(pathway_id, project.id),  # slice: problems
        **_project_recipes(project.id),  # slice: projects
        **_patient_voice_recipes(pathway_id, project.id),  # slice: patient voice
        **_team_recipes(project.id),  # slice: team
        **_measure_recipes(project.id),  # slice: measures
        **_import_recipes(project.id),  # slice: import
        **_no_event_recipes(project.id),  # slice: no event this period
        **_worksheet_recipes(project.id),  # slice: worksheet
        **_theme_recipes(project.id),  # slice: themes
    }


def _theme_recipes(project_id: int) -> dict:  # slice: themes
    """On the theme the create_theme recipe made: its goal, its projects, archive and restore."""
    from pdsa.store.themes import list_themes

    def theme(c):
        return next(x for x in list_themes(c, include_archived=True) if x.name == "Nyt tema")

    return {
        "update_theme": lambda c: actions.update_theme(c, ADMIN, theme(c).model_copy(
            update={"goal": "80 % af patienterne oplever udskrivelsen som godt koordineret"})),
        "set_theme_contributions": lambda c: actions.set_theme_contributions(c, ADMIN, theme(c).id,
                                                                             project_ids=[project_id]),
        "archive_theme": lambda c: actions.archive_theme(c, ADMIN, theme(c).id, expected_version=theme(c).version),
        "restore_theme": lambda c: actions.restore_theme(c, ADMIN, theme(c).id, expected_version=theme(c).version),
    }


def _worksheet_recipes(project_id: int) -> dict:  # slice: worksheet
    """A comment on the project's first cycle, and the team's answer to it."""
    from pdsa.store.cycle_comments import list_comments
    from pdsa.store.cycles import list_cycles

    def first_cycle(c):
        return list_cycles(c, project_id=project_id)[0]

    def answer(c):
        comment = list_comments(c, [first_cycle(c).id])[0]
        actions.answer_cycle_comment(c, ADMIN, comment.id, "Godt spørgsmål – vi spørger patienterne")

    return {
        "comment_on_cycle": lambda c: actions.comment_on_cycle(c, ADMIN, first_cycle(c).id, "plan",
                                                               "Hvad siger patienterne til det?"),
        "answer_cycle_comment": answer,
    }


def _no_event_recipes(project_id: int) -> dict:  # slice: no event this period
    """A week without falls on an event measure made for it, then taken back."""
    from pdsa.store.events import list_no_event_periods

    made: dict = {}

    def record(c):
        made["measure"] = actions.define_measure(c, ADMIN, Measure(
            project_id=project_id, name="Dage mellem fald", kind="balancing", data_type="days_between",
            period="day")).id
        actions.record_no_event_period(c, ADMIN, made["measure"], date(2026, 11, 23), today=date(2026, 12, 2))

    def remove(c):
        entry = list_no_event_periods(c, made["measure"])[0]
        actions.remove_no_event_period(c, ADMIN, entry.id, expected_version=entry.version)

    return {"record_no_event_period": record, "remove_no_event_period": remove}


def _measure_recipes(project_id: int) -> dict:  # slice: measures
    """Archive and restore the measure and the cycle the recipes above made."""
    from pdsa.store.cycles import list_cycles
    from pdsa.store.measures import list_measures

    def measure(c):
        return next(m for m in list_measures(c, project_id=project_id, include_archived=True)
                    if m.name == "Ny indikator")

    def cycle(c):
        return next(x for x in list_cycles(c, project_id=project_id, include_archived=True) if x.title == "Ny cirkel")

    return {
        "archive_measure": lambda c: actions.archive_measure(c, ADMIN, measure(c).id, expected_version=measure(c).version),
        "restore_measure": lambda c: actions.restore_measure(c, ADMIN, measure(c).id, expected_version=measure(c).version),
        "archive_cycle": lambda c: actions.archive_cycle(c, ADMIN, cycle(c).id, expected_version=cycle(c).version),
        "restore_cycle": lambda c: actions.restore_cycle(c, ADMIN, cycle(c).id, expected_version=cycle(c).version),
        # slice: measures and data
        "update_measure": lambda c: actions.update_measure(c, ADMIN, measure(c).model_copy(
            update={"definition": "Antal pr. måned", "is_key": True})),
        "save_data_points": lambda c: actions.save_data_points(c, ADMIN, measure(c).id, added=[
            {"period": date(2026, 1, 1), "value": 4}, {"period": date(2026, 2, 1), "value": 5}]),
    }


def _import_recipes(project_id: int) -> dict:  # slice: import
    """A two-month file imported into the measure the recipes above made."""
    from pdsa.imports import guess_mapping, plan_import, read_file_for
    from pdsa.store.measures import list_measures

    def run(c):
        measure = next(m for m in list_measures(c, project_id=project_id, include_archived=True)
                       if m.name == "Ny indikator")
        sheet = read_file_for("Måned;Antal;Kommentar\nmar 2026;6;Ny rutine\napr 2026;7;\n".encode(), "data.csv")
        actions.import_data_points(c, ADMIN, measure.id, plan_import(sheet, guess_mapping(sheet, "count"), measure),
                                   on_existing="replace")

    return {"import_data_points": run}


def _team_recipes(project_id: int) -> dict:  # slice: team
    """On the member, driver and idea the recipes above added."""
    from pdsa.store.drivers import get_driver, list_drivers
    from pdsa.store.projects import list_change_ideas
    from pdsa.store.team import list_team

    def member(c):
        return next(m for m in list_team(c, project_id, include_archived=True) if m.name == "Nyt teammedlem")

    def driver(c):
        return next(d for d in list_drivers(c, project_id, include_archived=True) if d.text.startswith("Ny driver"))

    def idea(c):
        return next(i for i in list_change_ideas(c, project_id, include_archived=True) if i.text.startswith("Ny idé"))

    return {
        "update_team_member": lambda c: actions.update_team_member(c, ADMIN, member(c).model_copy(
            update={"role": "patient_partner", "discipline": "Pårørende"})),
        "remove_team_member": lambda c: actions.remove_team_member(c, ADMIN, member(c).id),
        "restore_team_member": lambda c: actions.restore_team_member(c, ADMIN, member(c).id),
        "update_driver": lambda c: actions.update_driver(c, ADMIN, get_driver(c, driver(c).id).model_copy(
            update={"text": "Ny driver, omdøbt"})),
        "move_driver": lambda c: actions.move_driver(c, ADMIN, driver(c).id, -1),
        "remove_driver": lambda c: actions.remove_driver(c, ADMIN, driver(c).id),
        "restore_driver": lambda c: actions.restore_driver(c, ADMIN, driver(c).id),
        "update_change_idea": lambda c: actions.update_change_idea(c, ADMIN, idea(c).model_copy(
            update={"text": "Ny idé, omdøbt", "driver_ids": [driver(c).id]})),
        "remove_change_idea": lambda c: actions.remove_change_idea(c, ADMIN, idea(c).id),
        "restore_change_idea": lambda c: actions.restore_change_idea(c, ADMIN, idea(c).id),
    }


def _project_recipes(project_id: int) -> dict:  # slice: projects
    from pdsa.store.projects import get_project

    def edit(c):
        project = get_project(c, project_id)
        actions.update_project(c, ADMIN, project.model_copy(update={"aim_how_much": "fra 40 % til 80 %",
                                                                     "unit_ids": []}))

    return {
        "update_project": edit,
        "archive_project": lambda c: actions.archive_project(c, ADMIN, project_id),
        "restore_project": lambda c: actions.restore_project(c, ADMIN, project_id),
    }


def _patient_voice_recipes(pathway_id: int, project_id: int) -> dict:  # slice: patient voice
    def observation(c):
        return actions.add_observation(c, ADMIN, Observation(
            text="Mine egne ord", kind="experience", observed_on=date(2026, 2, 1), pathway_id=pathway_id,
            project_id=project_id))

    return {
        "edit_observation": lambda c: actions.edit_observation(c, ADMIN, observation(c).model_copy(
            update={"text": "Mine rettede ord", "kind": "suggestion"})),
        "withdraw_observation": lambda c: actions.withdraw_observation(c, ADMIN, observation(c).id),
        "restore_observation": lambda c: actions.restore_observation(
            c, ADMIN, actions.withdraw_observation(c, ADMIN, observation(c).id).id),
    }


def _problem_recipes(pathway_id: int, project_id: int) -> dict:  # slice: problems
    def problem(c, title):
        return actions.register_problem(c, ADMIN, Problem(title=title, pathway_id=pathway_id, source="complaint",
                                                          reported_on=date(2026, 1, 2)))

    def merge(c):
        keep, duplicate = problem(c, "Beholdes"), problem(c, "Dublet")
        actions.link_problem_to_project(c, ADMIN, duplicate.id, project_id)
        actions.merge_problems(c, ADMIN, keep.id, duplicate.id)

    def link(c):
        observation = actions.add_observation(c, ADMIN, Observation(
            text="Ventede længe", kind="concern", observed_on=date(2026, 2, 1), pathway_id=pathway_id))
        actions.link_observation(c, ADMIN, observation.id, problem_id=problem(c, "Ventetid").id, project_id=project_id)

    def edit(c):
        made = problem(c, "Uklar titel")
        actions.edit_problem(c, ADMIN, made.model_copy(update={"title": "Klar titel", "description": "Nu klarere"}))

    return {"merge_problems": merge, "link_observation": link, "edit_problem": edit}


def _pathway_recipes(pathway_id: int) -> dict:  # slice: pathways
    from pathways.store import archived_steps, get_pathway, get_unit, list_units

    def first_step(c):
        return get_pathway(c, pathway_id).steps[0]

    return {
        "update_unit": lambda c: actions.update_unit(c, ADMIN, get_unit(c, list_units(c)[0].id).model_copy(
            update={"name": "Omdøbt enhed", "sector": "region"})),
        "update_pathway": lambda c: actions.update_pathway(c, ADMIN, get_pathway(c, pathway_id).model_copy(
            update={"name": "Omdøbt forløb"})),
        "archive_pathway": lambda c: actions.archive_pathway(c, ADMIN, pathway_id),
        "restore_pathway": lambda c: actions.restore_pathway(c, ADMIN, pathway_id),
        "update_pathway_step": lambda c: actions.update_pathway_step(c, ADMIN, pathway_id, first_step(c).model_copy(
            update={"name": "Omdøbt trin", "sector": "municipality"})),
        "archive_pathway_step": lambda c: actions.archive_pathway_step(c, ADMIN, pathway_id, first_step(c).id),
        "restore_pathway_step": lambda c: actions.restore_pathway_step(c, ADMIN, pathway_id,
                                                                       archived_steps(c, pathway_id)[0].id),
    }


def _action_names() -> list[str]:
    return [name for name in actions.__all__
            if name[0].islower() and callable(getattr(actions, name)) and name in actions.PERMISSIONS]


def test_no_action_edits_or_deletes_an_audit_event(demo_db):
    recipes = _every_action(demo_db)
    names = _action_names()
    assert len(names) >= 20, "the actions are found"
    assert [name for name in names if name not in recipes] == [], "say in _every_action how to run the new action"
    for name in [name for name in recipes if name in names]:  # in the order the recipes build on each other
        before = _trail(demo_db)
        recipes[name](demo_db)
        after = _trail(demo_db)
        assert {i: after.get(i) for i in before} == before, f"{name} changed or removed an audit event"
        assert len(after) > len(before), f"{name} left no audit event"
    before = _trail(demo_db)
    from actions.demo import load_demo

    with pytest.raises(ValueError, match="already holds data"):
        load_demo(demo_db, ADMIN)  # the one action outside __all__: it refuses a database with data
    assert _trail(demo_db) == before


# SQL that would change or remove audit events: an UPDATE, DELETE or TRUNCATE naming the table,
# or the row helpers pointed at it.
EDITS_THE_TRAIL = re.compile(
    r"""\bUPDATE\s+["']?audit_event\b|\bDELETE\s+FROM\s+["']?audit_event\b|\bTRUNCATE\b[^;"']*\baudit_event\b"""
    r"""|\b(?:update_audited|bump_version|check_version)\(\s*\w+\s*,\s*["']audit_event\b""",
    re.IGNORECASE,
)


@pytest.mark.parametrize("sample", [
    "UPDATE audit_event SET who = ?", "delete from audit_event where id = 1", "TRUNCATE TABLE unit, audit_event",
    'DELETE FROM "audit_event"', 'update_audited(c, "audit_event", 1, {})',
])
def test_the_scan_finds_sql_that_edits_the_trail(sample):
    assert EDITS_THE_TRAIL.search(sample)


def test_no_module_holds_sql_that_edits_or_deletes_audit_events():
    files = [path for folder in ("actions", "pdsa", "pathways", "ui", "views")
             for path in sorted((ROOT / folder).rglob("*")) if path.suffix in (".py", ".sql")]
    files.append(ROOT / "streamlit_app.py")
    assert len(files) > 40 and any(p.name == "audit.py" for p in files)
    found = [f"{path.relative_to(ROOT)}: {match.group(0)}" for path in files
             for match in EDITS_THE_TRAIL.finditer(path.read_text(encoding="utf-8"))]
    assert found == []


# --- the page ---------------------------------------------------------------------------------

READER = Actor(None, "Rie Læser", roles=frozenset({"reader"}))


def texts_of(at: AppTest) -> str:
    return " ".join(e.value for kind in ("title", "markdown", "caption", "info", "warning") for e in getattr(at, kind))


def open_history(monkeypatch, db_path, language: str, actor: Actor = READER) -> AppTest:
    """The page as a signed-in person sees it (the app shows pages only to someone signed in)."""
    import ui.actor

    monkeypatch.setenv("PDSA_DB", str(db_path))
    monkeypatch.setattr(ui.actor, "current_actor", lambda: actor)
    at = AppTest.from_file("../views/history.py", default_timeout=60)
    at.session_state["lang"] = language
    return at.run()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_tells_a_projects_history_in_pages_of_fifty(monkeypatch, demo_db_file, language):
    at = open_history(monkeypatch, demo_db_file, language)
    assert not at.exception, at.exception
    assert at.title[0].value == translate(language, "history.title")
    assert at.caption[0].value == translate(language, "history.purpose")
    assert len(at.selectbox(key="project").options) >= 4
    lines = at.markdown[0].value.splitlines()
    assert len(lines) == 50 and all(line.startswith("- **") for line in lines)
    # slice: patient voice — the demo's patient representative and team lead wrote its newest words
    people = (" · demo ", " · Birthe Mortensen ", " · Mette Kjær Andersen ")
    assert all(any(who in line for who in people) for line in lines), "who did it, in every line"
    shown = " ".join(e.value for kind in ("markdown", "caption", "info") for e in getattr(at, kind))
    assert not re.search(r"\bNone\b|\b[a-z]+_[a-z_]+\b", shown)
    assert not at.get("download_button"), "only administrators download the whole trail"
    at.button(key="history_more").click().run()
    assert not at.exception, at.exception
    assert len(at.markdown[0].value.splitlines()) > 50


def test_the_chosen_project_is_the_one_told_back_to_its_start(monkeypatch, demo_db_file):
    at = open_history(monkeypatch, demo_db_file, "en")
    for index, title in enumerate(at.selectbox(key="project").options):
        at.selectbox(key="project").select_index(index).run()
        while at.button:
            at.button(key="history_more").click().run()
        assert not at.exception, at.exception
        first = at.markdown[0].value.splitlines()[-1]
        assert first.endswith(f"demo created the project *{escape_markdown(title)}*"), first


def test_administrators_can_download_the_whole_trail(monkeypatch, demo_db_file):
    at = open_history(monkeypatch, demo_db_file, "da", ADMIN)
    assert not at.exception, at.exception
    [button] = at.get("download_button")
    assert button.label == translate("da", "history.export_button")
    staff = Actor(None, "Sara", roles=frozenset({"staff", "leader"}))
    assert not open_history(monkeypatch, demo_db_file, "da", staff).get("download_button")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_without_projects_says_what_to_do(monkeypatch, tmp_path, language):
    from tests.test_pages import open_page

    path = tmp_path / "empty.duckdb"
    connect(path).close()
    at = open_page(monkeypatch, path, "views/history.py", language, user="admin")  # through the navigation
    assert not at.exception, at.exception
    assert at.info[0].value == translate(language, "history_page.empty")
    assert "python -m pdsa" not in texts_of(at), "a person is pointed at a page, not at a terminal"
    assert at.get("page_link"), "an administrator gets the way to the Projects page"
    assert at.get("download_button"), "the trail can be downloaded even before there are projects"
