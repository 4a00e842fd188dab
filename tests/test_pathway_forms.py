"""Pathways, their steps and units built and edited (issue 9, slice "pathways"): the stores and
actions on both engines, the diagram's labels and layout, and the Pathways page as a user
works it (AppTest): create, add a step between two, move, edit, remove and archive with a
question first, a bad field's message under the field, and a stale edit."""

from __future__ import annotations

import re
from datetime import date

import pytest
from pydantic import ValidationError

import actions
from actions import Actor, NotAllowed, StaleEdit
from pathways.diagram import pathway_dot, step_label_lines, wrap_words
from pathways.models import Pathway, PathwayStep, Problem, Unit
from pathways.store import archived_steps, get_pathway, get_unit, list_pathways, list_problems, list_units
from pdsa.core.audit import list_events
from pdsa.core.db import connect
from pdsa.history import HistoryEvent, sentence
from pdsa.i18n import translate, translate_plural
from test_pages import empty_path, open_page  # noqa: F401 (fixture)

ANNA = Actor(None, "Anna Andersen", roles=frozenset({"staff"}))
BO = Actor(None, "Bo Berg", roles=frozenset({"staff"}))
READER = Actor(None, "Rie Læser", roles=frozenset({"reader"}))
CPR = "010190-1234"


def _steps(*names: str) -> list[PathwayStep]:
    return [PathwayStep(position=i, name=n, sector="hospital") for i, n in enumerate(names, start=1)]


@pytest.fixture
def pathway(db):
    return actions.create_pathway(db, ANNA, Pathway(name="Hoftebrud", steps=_steps("Skadestue", "Operation",
                                                                                   "Hjemmepleje")))


# --- stores and actions (both engines) --------------------------------------------------------------

def test_a_pathways_name_and_description_are_edited_on_the_version_seen(db, pathway):
    saved = actions.update_pathway(db, ANNA, pathway.model_copy(update={"name": "Hoftenær fraktur",
                                                                        "description": "Fra 112 til egen læge"}))
    assert (saved.name, saved.description, saved.version) == ("Hoftenær fraktur", "Fra 112 til egen læge", 2)
    assert [s.name for s in saved.steps] == ["Skadestue", "Operation", "Hjemmepleje"]  # steps untouched
    with pytest.raises(StaleEdit) as stale:
        actions.update_pathway(db, BO, pathway.model_copy(update={"name": "For sent"}))
    assert stale.value.changed_by == ANNA.name
    assert get_pathway(db, pathway.id).name == "Hoftenær fraktur"
    [event] = [e for e in list_events(db, entity="pathway", entity_id=pathway.id) if e.action == "update"]
    assert (event.who, event.before["name"], event.after["name"]) == (ANNA.name, "Hoftebrud", "Hoftenær fraktur")


def test_an_archived_pathway_leaves_the_lists_and_comes_back(db, pathway):
    actions.archive_pathway(db, ANNA, pathway.id)
    assert pathway.id not in [p.id for p in list_pathways(db)]
    [kept] = [p for p in list_pathways(db, include_archived=True) if p.id == pathway.id]
    assert kept.archived and [s.name for s in kept.steps] == ["Skadestue", "Operation", "Hjemmepleje"]
    restored = actions.restore_pathway(db, BO, pathway.id)
    assert not restored.archived and pathway.id in [p.id for p in list_pathways(db)]
    told = [e.after for e in list_events(db, entity="pathway", entity_id=pathway.id) if e.action == "update"]
    assert told == [{"archived": False}, {"archived": True}]


def test_a_step_is_edited_moved_removed_and_restored(db, pathway):
    unit = actions.add_unit(db, ANNA, Unit(name="Hjemmeplejen Odense Syd", sector="municipality"))
    hjem = pathway.steps[2]
    edited = actions.update_pathway_step(db, ANNA, pathway.id, hjem.model_copy(update={
        "name": "Hjemmepleje de første uger", "sector": "municipality", "unit_id": unit.id,
        "description": "Besøg dagen efter udskrivelsen"}))
    step = edited.steps[2]
    assert (step.name, step.sector, step.unit_id, step.description, step.version) == (
        "Hjemmepleje de første uger", "municipality", unit.id, "Besøg dagen efter udskrivelsen", 2)
    with pytest.raises(StaleEdit):
        actions.update_pathway_step(db, BO, pathway.id, hjem.model_copy(update={"name": "For sent"}))

    moved = actions.move_pathway_step(db, ANNA, pathway.id, hjem.id, 2)
    assert [s.name for s in moved.steps] == ["Skadestue", "Hjemmepleje de første uger", "Operation"]

    problem = actions.register_problem(db, ANNA, Problem(title="Ingen besked", pathway_id=pathway.id,
                                                         step_id=hjem.id, source="staff",
                                                         reported_on=date(2026, 1, 1)))
    removed = actions.archive_pathway_step(db, ANNA, pathway.id, hjem.id)
    assert [(s.position, s.name) for s in removed.steps] == [(1, "Skadestue"), (2, "Operation")]
    assert [s.id for s in archived_steps(db, pathway.id)] == [hjem.id]
    assert next(p for p in list_problems(db, pathway_id=pathway.id) if p.id == problem.id).step_id == hjem.id
    # a new step after the removal takes the next free place
    added = actions.add_pathway_step(db, BO, pathway.id, PathwayStep(position=3, name="Egen læge",
                                                                    sector="general_practice"))
    assert [s.position for s in added.steps] == [1, 2, 3]

    restored = actions.restore_pathway_step(db, BO, pathway.id, hjem.id)
    assert [s.name for s in restored.steps] == ["Skadestue", "Operation", "Egen læge", "Hjemmepleje de første uger"]
    assert archived_steps(db, pathway.id) == []
    told = [e.after for e in list_events(db, entity="pathway_step", entity_id=hjem.id) if "archived" in (e.after or {})]
    assert told == [{"archived": False}, {"archived": True}]


def test_a_step_of_another_pathway_is_refused(db, pathway):
    other = actions.create_pathway(db, ANNA, Pathway(name="KOL", steps=_steps("Egen læge")))
    with pytest.raises(ValueError, match="not part of the chosen pathway"):
        actions.update_pathway_step(db, ANNA, pathway.id, other.steps[0].model_copy(update={"name": "X"}))
    with pytest.raises(ValueError, match="not part of the chosen pathway"):
        actions.archive_pathway_step(db, ANNA, pathway.id, other.steps[0].id)
    assert get_pathway(db, other.id).steps[0].name == "Egen læge"


def test_a_unit_is_renamed_on_the_version_seen(db):
    unit = actions.add_unit(db, ANNA, Unit(name="Akutmodtagelsen", sector="hospital"))
    saved = actions.update_unit(db, ANNA, unit.model_copy(update={"name": "Fælles Akutmodtagelse"}))
    assert (saved.name, saved.version) == ("Fælles Akutmodtagelse", 2)
    with pytest.raises(StaleEdit):
        actions.update_unit(db, BO, unit.model_copy(update={"sector": "region"}))
    assert get_unit(db, unit.id).sector == "hospital"


def test_a_reader_changes_nothing(db, pathway):
    for call in (lambda: actions.update_pathway(db, READER, pathway.model_copy(update={"name": "X"})),
                 lambda: actions.archive_pathway(db, READER, pathway.id),
                 lambda: actions.archive_pathway_step(db, READER, pathway.id, pathway.steps[0].id)):
        with pytest.raises(NotAllowed):
            call()
    assert get_pathway(db, pathway.id) == pathway


def test_a_cpr_number_in_a_name_is_refused_by_the_models():
    with pytest.raises(ValidationError, match="CPR"):
        PathwayStep(position=1, name=f"Besøg hos {CPR}", sector="hospital")
    with pytest.raises(ValidationError, match="CPR"):
        Unit(name=CPR, sector="hospital")


# --- the history tells it ------------------------------------------------------------------------

@pytest.mark.parametrize("language, expected", [
    ("da", "Anna ændrede *Hjemmepleje*: sektoren fra Hospital til Kommune, enheden sat til Hjemmeplejen"),
    ("en", "Anna changed *Hjemmepleje*: the sector from Hospital to Municipality, the unit set to Hjemmeplejen"),
])
def test_the_history_tells_a_step_change_in_words(language, expected):
    from datetime import datetime

    from pdsa.history import Formatters

    fmt = Formatters(number=lambda v, d: str(v), percent=lambda v, d: str(v), date=str, period=lambda d, p: str(d))
    event = HistoryEvent(id=1, happened_at=datetime(2026, 3, 2), who="Anna", actor_id=None, entity="pathway_step",
                         entity_id=4, action="update", before={"sector": "hospital", "unit_id": None},
                         after={"sector": "municipality", "unit_id": 7}, subject="Hjemmepleje")
    told = sentence(event, lambda key, **v: translate(language, key, **v), fmt, {("unit", 7): "Hjemmeplejen"})
    assert told == expected


# --- the diagram ---------------------------------------------------------------------------------

def test_words_are_never_cut():
    assert wrap_words("Akutmodtagelsen, Odense Universitetshospital", 16) == [
        "Akutmodtagelsen,", "Odense", "Universitetshospital"]
    assert wrap_words("Sundhedscenter Svendborg (KOL-rehabilitering)", 18) == [
        "Sundhedscenter", "Svendborg (KOL-", "rehabilitering)"]
    assert wrap_words("tyk- og endetarm", 7) == ["tyk- og", "endetarm"]


def _label_lines(dot: str) -> list[list[str]]:
    return [label.split("\\n") for label in re.findall(r'label="((?:[^"\\]|\\.)*)"', dot)]


def test_the_demos_longest_pathway_keeps_every_word_whole_and_wraps_into_rows(demo_db):
    units = {u.id: u.name for u in list_units(demo_db)}
    longest = max(list_pathways(demo_db), key=lambda p: len(p.steps))
    assert len(longest.steps) >= 7
    counts = {longest.steps[0].id: 1, longest.steps[1].id: 2}
    sectors = {"hospital": "Hospital", "municipality": "Kommune", "general_practice": "Almen praksis",
               "region": "Region", "other": "Andet"}
    dot = pathway_dot(longest, unit_names=units, sector_names=sectors, problem_counts=counts, problems_text=lambda n: translate_plural("da", "pathway_forms.open_problems", n))
    for step, lines in zip(longest.steps, _label_lines(dot)):
        told = " ".join(part for part in (f"{step.position}. {step.name}", units.get(step.unit_id),
                                          f"({sectors[step.sector]})") if part)
        rejoined = re.sub(r"(?<=\w-) ", "", " ".join(lines))  # a line ending in a hyphen goes on without a space
        assert rejoined.startswith(told), (told, lines)  # every word whole, in order
        assert all(len(line) <= 18 or " " not in line for line in lines)
    shown_words = {w for lines in _label_lines(dot) for line in lines for w in line.split()}
    assert "Universitetshospital" in shown_words
    assert "⚠ 1 åbent problem" in dot and "⚠ 2 åbne problemer" in dot
    rows = re.findall(r"\{ rank=same; ([^}]*) \}", dot)
    assert [len(r.split()) for r in rows] == [3, 3, 1][: len(rows)] and len(rows) == 3
    assert "rankdir=TB" in dot


def test_a_short_pathway_is_one_row_and_labels_are_escaped():
    pathway = Pathway(id=1, name="P", steps=[PathwayStep(id=1, position=1, name='Citat "x" \\ y', sector="region")])
    dot = pathway_dot(pathway, unit_names={}, sector_names={"region": "Region"})
    assert 'label="1. Citat \\"x\\" \\\\ y\\n(Region)"' in dot
    assert step_label_lines("a b", None, "") == ["a b"]


# --- the page (AppTest) --------------------------------------------------------------------------

def _staff_db(path, *steps: str) -> None:
    """The empty database (an administrator) with a pathway of the given steps, made by a staff user."""
    con = connect(path)
    cur = con.cursor()
    if steps:
        actions.create_pathway(cur, ANNA, Pathway(name="Hoftebrud", steps=_steps(*steps)))
    con.close()


def _step_lines(at) -> list[str]:
    return [m.value for m in at.markdown if re.match(r"\*\*\d+\. ", m.value)]


def _stored(path) -> Pathway | None:
    con = connect(path)
    try:
        found = list_pathways(con.cursor(), include_archived=True)
        return found[0] if found else None
    finally:
        con.close()


@pytest.mark.parametrize("language", ["da", "en"])
def test_an_empty_database_shows_the_create_form_and_a_pathway_is_created(monkeypatch, empty_path, language):
    at = open_page(monkeypatch, empty_path, "views/pathways.py", language, user="admin")
    assert not at.exception, at.exception
    assert at.info[0].value == translate(language, "pathway_forms.empty")
    assert "python -m pdsa" not in at.info[0].value
    at.text_input(key="new-pathway-name").set_value("Hoftebrud hos ældre")
    at.text_area(key="new-pathway-description").set_value("Fra 112 til egen læge")
    at.button(key="FormSubmitter:new-pathway-Opret forløb" if language == "da" else
              "FormSubmitter:new-pathway-Create pathway").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == translate(language, "pathway_forms.pathway_created", name="Hoftebrud hos ældre")
    assert at.selectbox(key="pathway").value == _stored(empty_path).id
    assert at.info[0].value == translate(language, "pathway_forms.no_steps_yet")  # what to do next


def _submit(at, form: str):
    submits = {translate(language, f"pathway_forms.{key}") for language in ("da", "en")
               for key in ("save", "add_step_button", "create_pathway", "add_unit")}
    [button] = [b for b in at.button if b.key and b.key.startswith(f"FormSubmitter:{form}-") and b.label in submits]
    return button.click().run()


def test_a_step_is_added_between_two_moved_edited_and_removed(monkeypatch, empty_path):
    _staff_db(empty_path, "Skadestue", "Operation", "Hjemmepleje")
    pathway = _stored(empty_path)
    at = open_page(monkeypatch, empty_path, "views/pathways.py", "da", user="admin")
    assert not at.exception, at.exception
    assert _step_lines(at) == ["**1. Skadestue** · Hospital", "**2. Operation** · Hospital", "**3. Hjemmepleje** · Hospital"]

    # add "Røntgen" after step 1
    at.text_input(key=f"new-step-name-{pathway.id}").set_value("Røntgen")
    at.selectbox(key=f"new-step-place-{pathway.id}").set_value(1)
    _submit(at, f"new-step-{pathway.id}")
    assert not at.exception, at.exception
    assert at.success[0].value == translate("da", "pathway_forms.step_added", name="Røntgen", position=2)
    assert [line.split("**")[1] for line in _step_lines(at)] == ["1. Skadestue", "2. Røntgen", "3. Operation",
                                                                  "4. Hjemmepleje"]
    assert "Røntgen" in at.get("graphviz_chart")[0].proto.spec  # the diagram redrew at once

    # move "Hjemmepleje" up one place
    hjem = next(s for s in _stored(empty_path).steps if s.name == "Hjemmepleje")
    at.button(key=f"step-up-{hjem.id}").click().run()
    assert at.success[0].value == translate("da", "pathway_forms.step_moved", name="Hjemmepleje", position=3)
    assert [line.split("**")[1] for line in _step_lines(at)] == ["1. Skadestue", "2. Røntgen", "3. Hjemmepleje",
                                                                  "4. Operation"]

    # edit it: a new name and sector
    at.button(key=f"step-edit-{hjem.id}").click().run()
    at.text_input(key=f"step-name-{hjem.id}").set_value("Hjemmepleje de første uger")
    at.selectbox(key=f"step-sector-{hjem.id}").set_value("municipality")
    _submit(at, f"edit-step-{hjem.id}")
    assert not at.exception, at.exception
    assert at.success[0].value == translate("da", "pathway_forms.step_saved", name="Hjemmepleje de første uger")
    assert "**3. Hjemmepleje de første uger** · Kommune" in _step_lines(at)

    # remove "Røntgen": asked first, nothing happens until confirmed
    rontgen = next(s for s in _stored(empty_path).steps if s.name == "Røntgen")
    at.button(key=f"step-remove-{rontgen.id}").click().run()
    assert at.warning[0].value == translate("da", "pathway_forms.confirm_remove_step", name="Røntgen")
    assert len(_stored(empty_path).steps) == 4
    at.button(key=f"step-remove-yes-{rontgen.id}").click().run()
    assert at.success[0].value == translate("da", "pathway_forms.step_removed", name="Røntgen")
    assert [line.split("**")[1] for line in _step_lines(at)] == ["1. Skadestue", "2. Hjemmepleje de første uger",
                                                                  "3. Operation"]
    assert [s.name for s in archived_steps_of(empty_path)] == ["Røntgen"]


def archived_steps_of(path):
    con = connect(path)
    try:
        cur = con.cursor()
        return archived_steps(cur, list_pathways(cur)[0].id)
    finally:
        con.close()


@pytest.mark.parametrize("bad, message_key", [("", "error.missing"), (f"Besøg {CPR}", "error.cpr_number")])
def test_a_bad_step_name_is_told_under_the_field_and_nothing_is_saved(monkeypatch, empty_path, bad, message_key):
    _staff_db(empty_path, "Skadestue")
    pathway = _stored(empty_path)
    at = open_page(monkeypatch, empty_path, "views/pathways.py", "da", user="admin")
    at.text_input(key=f"new-step-name-{pathway.id}").set_value(bad)
    at.text_area(key=f"new-step-description-{pathway.id}").set_value("Noget der skal bevares")
    _submit(at, f"new-step-{pathway.id}")
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [translate("da", message_key)]
    assert CPR not in " ".join(e.value for e in at.error)
    assert len(_stored(empty_path).steps) == 1, "nothing was saved"
    assert at.text_area(key=f"new-step-description-{pathway.id}").value == "Noget der skal bevares"  # input kept


def test_an_empty_pathway_name_is_told_under_the_field(monkeypatch, empty_path):
    at = open_page(monkeypatch, empty_path, "views/pathways.py", "en", user="admin")
    at.text_input(key="new-pathway-name").set_value("   ")
    at.button(key="FormSubmitter:new-pathway-Create pathway").click().run()
    assert [e.value for e in at.error] == [translate("en", "error.missing")]
    assert _stored(empty_path) is None


def test_a_stale_edit_says_who_saved_first_and_keeps_the_input(monkeypatch, empty_path):
    _staff_db(empty_path, "Skadestue")
    pathway = _stored(empty_path)
    at = open_page(monkeypatch, empty_path, "views/pathways.py", "da", user="admin")
    at.text_input(key=f"pathway-name-{pathway.id}").set_value("Mit navn")
    con = connect(empty_path)  # meanwhile, Bo saves
    actions.update_pathway(con.cursor(), BO, pathway.model_copy(update={"description": "Bos beskrivelse"}))
    con.close()
    _submit(at, f"edit-pathway-{pathway.id}")
    assert not at.exception, at.exception
    [error] = at.error
    assert error.value.startswith("Bo Berg gemte en ændring")
    assert at.text_input(key=f"pathway-name-{pathway.id}").value == "Mit navn"
    assert _stored(empty_path).name == "Hoftebrud"
    _submit(at, f"edit-pathway-{pathway.id}")  # a second Save saves over theirs
    assert at.success[0].value == translate("da", "pathway_forms.pathway_saved", name="Mit navn")
    assert _stored(empty_path).name == "Mit navn"


def test_a_pathway_is_archived_after_a_question_and_restored(monkeypatch, empty_path):
    _staff_db(empty_path, "Skadestue")
    at = open_page(monkeypatch, empty_path, "views/pathways.py", "da", user="admin")
    at.button(key="archive-pathway").click().run()
    assert at.warning[0].value == translate("da", "pathway_forms.confirm_archive_pathway", name="Hoftebrud")
    assert not _stored(empty_path).archived
    at.button(key="archive-pathway-yes").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value == translate("da", "pathway_forms.pathway_archived", name="Hoftebrud")
    assert _stored(empty_path).archived
    assert translate("da", "pathway_forms.archived_pathways", n=1) in [e.label for e in at.expander]
    at.button(key=f"restore-pathway-{_stored(empty_path).id}").click().run()
    assert at.success[0].value == translate("da", "pathway_forms.pathway_restored", name="Hoftebrud")
    assert _step_lines(at) == ["**1. Skadestue** · Hospital"]


def test_units_are_created_and_renamed(monkeypatch, empty_path):
    at = open_page(monkeypatch, empty_path, "views/pathways.py", "da", user="admin")
    _staff_db(empty_path, "Skadestue")
    at.run()
    at.text_input(key="new-unit-name").set_value("Akutmodtagelsen")
    _submit(at, "new-unit")
    assert at.success[0].value == translate("da", "pathway_forms.unit_added", name="Akutmodtagelsen")
    unit = _units(empty_path)[0]
    at.text_input(key=f"unit-name-{unit.id}").set_value("Fælles Akutmodtagelse")
    _submit(at, f"edit-unit-{unit.id}")
    assert at.success[0].value == translate("da", "pathway_forms.unit_saved", name="Fælles Akutmodtagelse")
    pathway = _stored(empty_path)
    assert "Fælles Akutmodtagelse" in at.selectbox(key=f"new-step-unit-{pathway.id}").options


def _units(path):
    con = connect(path)
    try:
        return list_units(con.cursor())
    finally:
        con.close()


def test_a_reader_sees_no_forms_and_the_empty_state_says_who_can(monkeypatch, empty_path):
    from actions.accounts import create_user

    con = connect(empty_path)
    create_user(con.cursor(), Actor(None, "setup", roles=frozenset({"administrator"})), username="rie",
                display_name="Rie Læser", roles={"reader"})
    con.close()
    at = open_page(monkeypatch, empty_path, "views/pathways.py", "da", user="rie")
    assert at.info[0].value == translate("da", "pathway_forms.empty_reader")
    assert not at.text_input
    _staff_db(empty_path, "Skadestue")
    at.run()
    assert not at.exception, at.exception
    assert _step_lines(at) == ["**1. Skadestue** · Hospital"]
    assert not [b for b in at.button if b.key and b.key.startswith(("step-", "archive-"))]
    assert not at.text_input


def test_the_demo_page_counts_open_problems_in_one_line(monkeypatch, demo_db_file):
    at = open_page(monkeypatch, demo_db_file, "views/pathways.py", "en")
    assert not at.exception, at.exception
    assert not at.dataframe, "the problems table moved to the Problems page"
    shown = " ".join(m.value for m in at.markdown) + " ".join(str(p.proto.label) for p in at.get("page_link"))
    assert re.search(r"\d+ open problems? in the pathway", shown)


def test_typed_names_in_the_pages_messages_are_shown_literally(monkeypatch, empty_path):
    from ui.plain import plain

    evil = "![x](http://e.dk/a.png) :red[rød] <b>fed</b>"
    _staff_db(empty_path, "Skadestue")
    pathway = _stored(empty_path)
    at = open_page(monkeypatch, empty_path, "views/pathways.py", "da", user="admin")
    at.text_input(key=f"new-step-name-{pathway.id}").set_value(evil)
    _submit(at, f"new-step-{pathway.id}")
    step = next(s for s in _stored(empty_path).steps if s.name == evil)
    at.button(key=f"step-remove-{step.id}").click().run()
    sources = [e.value for kind in ("markdown", "success", "warning", "error", "info") for e in getattr(at, kind)]
    assert any(plain(evil) in s for s in sources if s.startswith("**2."))  # the steps list
    assert plain(evil) in at.warning[0].value  # the question before removing it
    for source in sources:
        assert "![" not in source and ":red[" not in source and "<b>" not in source, source


def test_a_stale_step_edit_keeps_the_input_and_the_form_open(monkeypatch, empty_path):
    _staff_db(empty_path, "Skadestue", "Operation")
    pathway = _stored(empty_path)
    step = pathway.steps[1]
    at = open_page(monkeypatch, empty_path, "views/pathways.py", "en", user="admin")
    at.button(key=f"step-edit-{step.id}").click().run()
    at.text_area(key=f"step-description-{step.id}").set_value("Mine noter")
    con = connect(empty_path)
    actions.update_pathway_step(con.cursor(), BO, pathway.id, step.model_copy(update={"name": "Operation (Bo)"}))
    con.close()
    _submit(at, f"edit-step-{step.id}")
    assert not at.exception, at.exception
    [error] = at.error
    assert error.value.startswith("Bo Berg saved a change")
    assert at.text_area(key=f"step-description-{step.id}").value == "Mine noter"
    assert _stored(empty_path).steps[1].description is None
