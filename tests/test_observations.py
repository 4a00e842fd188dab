"""Observations in patients' and relatives' own words (issue 11): written in a minute on the
pathway page, edited or withdrawn by their author (the history keeps what they said), and
linked by the team to a problem, a project or a PDSA cycle. Actions on both engines; pages
with AppTest as the demo's patient representative and team lead see them."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import read_from
import actions
from actions import NotAllowed, StaleEdit
from actions.accounts import actor_for
from pdsa.core.audit import list_events
from pdsa.core.db import connect
from pdsa.history import Formatters, HistoryEvent, reference_names, sentence
from pdsa.i18n import translate
from pdsa.models import Observation
from pdsa.store.cycles import list_cycles
from pdsa.store.observations import get_observation, list_observations
from pdsa.store.projects import list_projects
from pdsa.store.users import find_user
from pathways.store import list_problems
from test_pages import open_page, texts
from ui.plain import plain

CPR_TEXT = "Min mor har CPR 010150-1234, og hun ventede i seks timer."  # a valid date: a CPR by pattern


def _actor(cur, username):
    return actor_for(cur, find_user(cur, username))


def _own_project(cur):
    return next(p for p in list_projects(cur) if p.title.startswith("Hoftebrud – smertefri"))


def _words(cur, actor, text="Vi ventede længe på gangen, og ingen sagde noget.", **links) -> Observation:
    project = _own_project(cur)
    return actions.add_observation(cur, actor, Observation(
        text=text, kind="concern", author_role="Pårørende", observed_on=date(2026, 11, 20),
        pathway_id=project.pathway_id, **links))


# --- actions, both engines --------------------------------------------------------------------

def test_a_patient_representative_edits_and_withdraws_their_own_words(demo_db):
    patient = _actor(demo_db, "demo-patient")
    mine = _words(demo_db, patient)
    assert mine.created_by == patient.user_id

    edited = actions.edit_observation(demo_db, patient, mine.model_copy(update={"text": "Vi ventede i to timer."}))
    assert edited.text == "Vi ventede i to timer." and edited.version == mine.version + 1
    with pytest.raises(StaleEdit):  # the version they saw is gone
        actions.edit_observation(demo_db, patient, mine.model_copy(update={"text": "Igen"}))

    actions.withdraw_observation(demo_db, patient, mine.id, expected_version=edited.version)
    assert mine.id not in {o.id for o in list_observations(demo_db, pathway_id=mine.pathway_id)}
    assert get_observation(demo_db, mine.id).archived
    assert mine.id in {o.id for o in list_observations(demo_db, pathway_id=mine.pathway_id, include_archived=True)}
    events = list_events(demo_db, entity="observation", entity_id=mine.id)
    assert [e.action for e in reversed(events)] == ["create", "update", "update"]
    assert not actions.restore_observation(demo_db, patient, mine.id).archived
    assert events[1].before["text"] == "Vi ventede længe på gangen, og ingen sagde noget."  # the trail keeps it


def test_nobody_else_edits_a_patients_words_but_staff(demo_db):
    patient, lead, reader = (_actor(demo_db, name) for name in ("demo-patient", "demo-lead", "demo-reader"))
    theirs = _words(demo_db, lead)
    with pytest.raises(NotAllowed):
        actions.edit_observation(demo_db, patient, theirs.model_copy(update={"text": "Ændret"}))
    with pytest.raises(NotAllowed):
        actions.withdraw_observation(demo_db, patient, theirs.id)
    mine = _words(demo_db, patient)
    with pytest.raises(NotAllowed):
        actions.withdraw_observation(demo_db, reader, mine.id)
    assert actions.edit_observation(demo_db, lead, mine.model_copy(update={"kind": "suggestion"})).kind == "suggestion"


def test_the_team_links_an_observation_to_a_cycle_and_the_cycle_brings_its_project(demo_db):
    lead = _actor(demo_db, "demo-lead")
    project = _own_project(demo_db)
    cycle = list_cycles(demo_db, project_id=project.id)[0]
    other = next(p for p in list_projects(demo_db) if p.pathway_id == project.pathway_id and p.id != project.id)
    words = _words(demo_db, _actor(demo_db, "demo-patient"))

    linked = actions.link_observation(demo_db, lead, words.id, problem_id=None, project_id=None, cycle_id=cycle.id,
                                      expected_version=words.version)
    assert (linked.cycle_id, linked.project_id) == (cycle.id, project.id)
    with pytest.raises(ValueError, match="cycle_id"):  # a cycle of another project than the one chosen
        actions.link_observation(demo_db, lead, words.id, problem_id=None, project_id=other.id, cycle_id=cycle.id)
    problem = next(p for p in list_problems(demo_db, pathway_id=project.pathway_id) if p.merged_into_id is None)
    kept = actions.link_observation(demo_db, lead, words.id, problem_id=problem.id, project_id=project.id)
    assert (kept.problem_id, kept.project_id, kept.cycle_id) == (problem.id, project.id, cycle.id)  # cycle kept
    unlinked = actions.link_observation(demo_db, lead, words.id, problem_id=None, project_id=None, cycle_id=None)
    assert (unlinked.problem_id, unlinked.project_id, unlinked.cycle_id) == (None, None, None)
    with pytest.raises(NotAllowed):  # a patient representative does not link
        actions.link_observation(demo_db, _actor(demo_db, "demo-patient"), words.id, problem_id=problem.id,
                                 project_id=None)


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_history_tells_a_withdrawal_and_a_link_in_words(demo_db, language):
    patient, lead = _actor(demo_db, "demo-patient"), _actor(demo_db, "demo-lead")
    cycle = list_cycles(demo_db, project_id=_own_project(demo_db).id)[0]
    words = _words(demo_db, patient, text="Sig til os, hvornår operationen er.")
    actions.link_observation(demo_db, lead, words.id, problem_id=None, project_id=None, cycle_id=cycle.id)
    actions.withdraw_observation(demo_db, patient, words.id)
    events = [HistoryEvent(**e.model_dump(), subject=words.text)
              for e in list_events(demo_db, entity="observation", entity_id=words.id)]
    names = reference_names(demo_db, events)
    fmt = Formatters(number=str, percent=lambda x, d=0: f"{x}", date=str, period=lambda d, p: str(d))
    told = [sentence(e, lambda key, **v: translate(language, key, **v), fmt, names, escape=str) for e in events]
    assert told[0] == translate(language, "patient_voice.history_withdrawn", who="Birthe Mortensen",
                                name="Sig til os, hvornår operationen er.")
    assert cycle.title in told[1] and "Mette Kjær Andersen" in told[1]


# --- pages (AppTest, DuckDB) --------------------------------------------------------------------

def _stored(path, **filters) -> list[Observation]:
    return read_from(path, lambda cur: list_observations(cur, **filters))


def _shown(words: str, at) -> bool:
    """The words shown as a quote on the page (Markdown-escaped, as typed)."""
    return f"“{plain(words)}”" in [m.value for m in at.markdown]


def _submit(at, form_key: str):
    """The form's submit button (AppTest names it after the form and its label)."""
    return next(b for b in at.button if (b.key or "").startswith(f"FormSubmitter:{form_key}-"))


@pytest.mark.parametrize("language", ["da", "en"])
def test_a_patient_representative_writes_words_on_a_pathway_step(monkeypatch, demo_copy, language):
    at = open_page(monkeypatch, demo_copy, "views/pathways.py", language, user="demo-patient")
    pathway_id = at.selectbox(key="pathway").value
    key = f"pathway-observation-{pathway_id}"
    step_key = f"step:{_pathway(demo_copy, pathway_id).steps[1].id}"
    at.selectbox(key=f"{key}-place").set_value(step_key)
    at.radio(key=f"{key}-role").set_value("relative")
    at.text_area(key=f"{key}-text").input("Vi fik ikke at vide, hvornår far skulle opereres – æøå.")
    _submit(at, key).click().run()

    assert not at.exception
    assert translate(language, "patient_voice.saved") in [s.value for s in at.success]
    assert _shown("Vi fik ikke at vide, hvornår far skulle opereres – æøå.", at)  # the new row on the page
    saved = _stored(demo_copy, pathway_id=pathway_id)[0]
    assert saved.text == "Vi fik ikke at vide, hvornår far skulle opereres – æøå."
    assert saved.step_id == int(step_key.split(":")[1])
    assert saved.author_role == translate(language, "patient_voice.role.relative")
    assert saved.observed_on == date.today()
    assert at.text_area(key=f"{key}-text").value == ""  # ready for the next


def _pathway(path, pathway_id):
    from pathways.store import get_pathway

    return read_from(path, lambda cur: get_pathway(cur, pathway_id))


def test_a_cpr_number_is_refused_next_to_the_text_without_repeating_it(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/pathways.py", "da", user="demo-patient")
    pathway_id = at.selectbox(key="pathway").value
    key = f"pathway-observation-{pathway_id}"
    before = len(_stored(demo_copy, include_archived=True))
    at.text_area(key=f"{key}-text").input(CPR_TEXT)
    _submit(at, key).click().run()

    errors = [e.value for e in at.error]
    assert translate("da", "patient_voice.cpr") in errors
    assert not any("010150" in e for e in errors) and "010150" not in texts(at)
    assert at.text_area(key=f"{key}-text").value == CPR_TEXT  # kept, to remove the number from
    assert len(_stored(demo_copy, include_archived=True)) == before  # nothing saved


def test_a_problem_in_ones_own_words_is_registered_from_a_patient(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/pathways.py", "da", user="demo-patient")
    pathway_id = at.selectbox(key="pathway").value
    key = f"pathway-observation-{pathway_id}"
    at.radio(key=f"{key}-kind").set_value("problem")
    at.text_area(key=f"{key}-text").input("Ingen ringede efter udskrivelsen.\nVi sad alene med spørgsmålene.")
    _submit(at, key).click().run()

    assert translate("da", "patient_voice.problem_saved") in [s.value for s in at.success]
    con = connect(demo_copy)
    try:
        problem = next(p for p in list_problems(con.cursor(), pathway_id=pathway_id)
                       if p.title == "Ingen ringede efter udskrivelsen.")
    finally:
        con.close()
    assert problem.source == "patient_or_relative" and problem.status == "new"
    assert problem.reported_by_role == translate("da", "patient_voice.role.patient_partner")
    assert "Vi sad alene" in problem.description


def test_the_author_edits_then_withdraws_after_being_asked_and_brings_them_back(monkeypatch, demo_copy):
    con = connect(demo_copy)
    try:
        mine = _words(con.cursor(), _actor(con.cursor(), "demo-patient"), text="Første udgave af mine ord.")
    finally:
        con.close()
    at = open_page(monkeypatch, demo_copy, "views/pathways.py", "da", user="demo-patient")
    key = f"own-observation-{mine.id}"
    at.text_area(key=f"{key}-text").input("Anden udgave af mine ord.")
    _submit(at, key).click().run()
    assert translate("da", "patient_voice.edited") in [s.value for s in at.success]
    assert _shown("Anden udgave af mine ord.", at)

    at.button(key=f"{key}-withdraw").click().run()
    assert translate("da", "patient_voice.withdraw_question") in [w.value for w in at.warning]
    assert _stored(demo_copy, pathway_id=mine.pathway_id)[0].id == mine.id  # asked first: not yet withdrawn
    at.button(key=f"{key}-withdraw-yes").click().run()
    assert translate("da", "patient_voice.withdrawn") in [s.value for s in at.success]
    assert f"{key}-withdraw" not in [b.key for b in at.button]  # no longer in the list
    assert mine.id not in {o.id for o in _stored(demo_copy, pathway_id=mine.pathway_id)}

    # and brought back from the withdrawn words, folded away under the list
    withdrawn = [o for o in _stored(demo_copy, created_by=mine.created_by, include_archived=True) if o.archived]
    assert translate("da", "patient_voice.withdrawn_heading", n=len(withdrawn)) in [e.label for e in at.expander]
    at.button(key=f"restore-observation-{mine.id}").click().run()
    assert translate("da", "patient_voice.restored") in [s.value for s in at.success]
    assert _shown("Anden udgave af mine ord.", at)
    assert mine.id in {o.id for o in _stored(demo_copy, pathway_id=mine.pathway_id)}


def test_no_one_sees_controls_for_someone_elses_words(monkeypatch, demo_copy):
    at = open_page(monkeypatch, demo_copy, "views/pathways.py", "da", user="demo-patient")
    con = connect(demo_copy)
    try:
        cur = con.cursor()
        hers = {o.id for o in list_observations(cur, created_by=find_user(cur, "demo-patient").id)}
        others = {o.id for o in list_observations(cur)} - hers
    finally:
        con.close()
    controls = {int(b.key.split("-")[2]) for b in at.button if (b.key or "").startswith("own-observation-")}
    assert controls and controls <= hers and not controls & others  # her own words only
    assert not [s for s in at.selectbox if (s.key or "").startswith("link-observation-")]  # nor does she link


def test_the_team_links_an_observation_to_a_cycle_on_the_pathway_page(monkeypatch, demo_copy):
    con = connect(demo_copy)
    try:
        cur = con.cursor()
        words = _words(cur, _actor(cur, "demo-patient"), text="Spørg os, før I prøver noget nyt.")
        cycle = list_cycles(cur, project_id=_own_project(cur).id)[0]
    finally:
        con.close()
    at = open_page(monkeypatch, demo_copy, "views/pathways.py", "da", user="demo-lead")
    key = f"link-observation-{words.id}"
    at.selectbox(key=f"{key}-cycle").set_value(cycle.id)
    _submit(at, key).click().run()

    assert not at.exception
    assert translate("da", "patient_voice.linked") in [s.value for s in at.success]
    linked = next(o for o in _stored(demo_copy, pathway_id=words.pathway_id) if o.id == words.id)
    assert linked.cycle_id == cycle.id and linked.project_id == cycle.project_id
    assert translate("da", "patient_voice.linked_to", links=translate(
        "da", "patient_voice.link_cycle_word", title=cycle.title)) in [c.value for c in at.caption]


# --- the demo ---------------------------------------------------------------------------------

def test_the_demo_holds_the_patient_representatives_words_and_what_became_of_them(demo_db):
    from pdsa.store.cycle_comments import list_comments

    patient = find_user(demo_db, "demo-patient")
    hers = list_observations(demo_db, created_by=patient.id, include_archived=True)
    assert len(hers) == 4 and all(o.author_role and "Birthe" not in o.author_role for o in hers)
    assert sum(o.archived for o in hers) == 1  # one withdrawn
    assert [o for o in hers if not o.archived and o.problem_id is None and o.cycle_id is None]  # one waiting
    to_problem = next(o for o in hers if o.problem_id is not None)
    problem = next(p for p in list_problems(demo_db) if p.id == to_problem.problem_id)
    assert problem.change_idea_ids, "the problem became a change idea"
    tested = [c for c in list_cycles(demo_db) if c.change_idea_id in problem.change_idea_ids]
    assert "adopt" in {c.act_decision for c in tested}, "tested in a cycle that was adopted"
    assert any(o.cycle_id for o in hers)
    comments = [c for c in list_comments(demo_db, [c.id for c in list_cycles(demo_db)])]
    asked = [c for c in comments if c.author_id == patient.id]
    answered = {c.reply_to for c in comments if c.reply_to}
    assert len(asked) == 4 and {c.stage for c in asked} == {"plan", "study"}
    assert len([c for c in asked if c.id in answered]) == 3
