"""A project's team and driver diagram edited (issue 9): the stores and actions on both engines,
and the page parts (ui/team_editor.py, ui/driver_editor.py) as a signed-in user sees them."""

from __future__ import annotations

import re
from datetime import date
from functools import partial

import pytest
from pydantic import ValidationError
from streamlit.testing.v1 import AppTest

from conftest import read_from
import actions
from actions import Actor, NotAllowed, StaleEdit, can
from actions.accounts import actor_for
from actions.permissions import Scope
from pathways.models import Pathway, PathwayStep
from pdsa.core.db import connect
from pdsa.driver_diagram import to_dot
from pdsa.history import Formatters, project_history, reference_names, sentence
from pdsa.i18n import translate
from pdsa.models import ChangeIdea, Driver, PdsaCycle, Project, TeamMember
from pdsa.store import users
from pdsa.store.drivers import get_driver, list_drivers
from pdsa.store.projects import get_driver_diagram, get_project, list_change_ideas
from pdsa.store.team import Refused, list_team

ADMIN = Actor(None, "Ada Admin", roles=frozenset({"administrator"}))


def _project(cur) -> Project:
    pathway = actions.create_pathway(cur, ADMIN, Pathway(name="Hoftebrud", steps=[
        PathwayStep(position=1, name="Akutmodtagelse", sector="hospital")]))
    return actions.create_project(cur, ADMIN, Project(
        title="Smertefri mobilisering", pathway_id=pathway.id, aim_what="Andel mobiliseret inden 24 timer",
        aim_how_much="fra 50 % til 80 %", aim_by_when=date(2027, 6, 1), start_date=date(2026, 1, 1)))


def _user(cur, username: str, name: str, roles=("staff",)) -> users.User:
    return actions.create_user(cur, ADMIN, username=username, display_name=name, roles=set(roles))


def _member(cur, project_id: int, name: str, **values) -> TeamMember:
    team = actions.add_team_member(cur, ADMIN, project_id, TeamMember(name=name, sector="hospital", **values)).team
    return next(m for m in team if m.name == name)


# --- team: store and actions -----------------------------------------------------------------

def test_a_member_is_edited_removed_and_restored_and_the_last_lead_stays(db):
    project = _project(db)
    anna = _member(db, project.id, "Anna Lund", role="lead", discipline="Sygeplejerske")
    bo = _member(db, project.id, "Bo Holm", role="member")
    with pytest.raises(Refused) as refused:
        actions.remove_team_member(db, ADMIN, anna.id)
    assert refused.value.code == "last_lead_removed"
    with pytest.raises(Refused) as refused:
        actions.update_team_member(db, ADMIN, anna.model_copy(update={"role": "member"}))
    assert (refused.value.code, refused.value.field) == ("last_lead_role", "role")

    bo = actions.update_team_member(db, ADMIN, bo.model_copy(update={"role": "lead", "discipline": "Fysioterapeut",
                                                                     "sector": "municipality"}))
    assert (bo.role, bo.discipline, bo.sector, bo.version) == ("lead", "Fysioterapeut", "municipality", 2)
    anna = actions.update_team_member(db, ADMIN, anna.model_copy(update={"role": "member"}))  # Bo leads now
    assert anna.role == "member"

    other = Actor(None, "Carl Berg", roles=frozenset({"administrator"}))
    with pytest.raises(StaleEdit) as stale:  # Anna's form was opened before Carl saved
        actions.update_team_member(db, other, anna.model_copy(update={"name": "Anna Lund Berg"}))
        actions.update_team_member(db, ADMIN, anna.model_copy(update={"name": "Anna B. Lund"}))
    assert stale.value.changed_by == "Carl Berg"
    assert get_project(db, project.id).team[0].name == "Anna Lund Berg"

    removed = actions.remove_team_member(db, ADMIN, anna.id)
    assert removed.archived and [m.name for m in get_project(db, project.id).team] == ["Bo Holm"]
    assert [m.name for m in list_team(db, project.id, include_archived=True)] == ["Anna Lund Berg", "Bo Holm"]
    actions.restore_team_member(db, ADMIN, anna.id)
    assert [m.name for m in get_project(db, project.id).team] == ["Anna Lund Berg", "Bo Holm"]
    with pytest.raises(ValidationError):
        TeamMember(name="Anna 010190-1234", sector="hospital")


def test_the_linked_account_is_what_gives_rights_on_the_project(db):
    project = _project(db)
    lene = _user(db, "lene", "Lene Holm")
    scope = Scope(project_id=project.id)
    assert not can(actor_for(db, lene), "add_driver", scope)
    member = _member(db, project.id, "Lene Holm", role="member", user_id=lene.id)
    as_member = actor_for(db, lene)
    assert can(as_member, "add_driver", scope) and can(as_member, "remove_driver", scope)
    assert not can(as_member, "update_team_member", scope)  # the lead changes the team
    with pytest.raises(NotAllowed):
        actions.update_team_member(db, as_member, member.model_copy(update={"role": "lead"}))
    actions.update_team_member(db, ADMIN, member.model_copy(update={"role": "lead"}))
    as_lead = actor_for(db, lene)
    assert can(as_lead, "update_team_member", scope) and can(as_lead, "remove_team_member", scope)
    bo = _member(db, project.id, "Bo Holm", role="member")
    actions.update_team_member(db, as_lead, bo.model_copy(update={"role": "lead"}))
    actions.remove_team_member(db, as_lead, member.id)  # Lene steps down; Bo leads
    assert not can(actor_for(db, lene), "add_driver", scope)  # her rights ended with it

    carl = _user(db, "carl", "Carl Berg")
    _member(db, project.id, "Carl Berg", user_id=carl.id)
    with pytest.raises(Refused) as refused:  # one account is one member of a team
        _member(db, project.id, "Carl igen", user_id=carl.id)
    assert refused.value.code == "user_already_in_team"
    actions.disable_user(db, ADMIN, users.find_user(db, "lene").id)
    with pytest.raises(Refused) as refused:
        _member(db, project.id, "Spærret", user_id=lene.id)
    assert (refused.value.code, refused.value.field) == ("user_disabled", "user_id")


# --- drivers: store and actions ---------------------------------------------------------------

def _names(cur, project_id) -> list[str]:
    return [d.text for d in get_driver_diagram(cur, project_id).drivers]


def test_drivers_are_renamed_moved_removed_and_restored(db):
    project = _project(db)
    p1 = actions.add_driver(db, ADMIN, project.id, Driver(kind="primary", text="Mobilisering"))
    p2 = actions.add_driver(db, ADMIN, project.id, Driver(kind="primary", text="Udskrivelse"))
    s1 = actions.add_driver(db, ADMIN, project.id, Driver(kind="secondary", text="Smerte", parent_id=p1.id))
    s2 = actions.add_driver(db, ADMIN, project.id, Driver(kind="secondary", text="Fysioterapi", parent_id=p1.id))
    s3 = actions.add_driver(db, ADMIN, project.id, Driver(kind="secondary", text="Hjemmepleje", parent_id=p2.id))
    assert (p2.position, s2.position, s3.position) == (2, 2, 1)  # each goes last in its level
    assert _names(db, project.id) == ["Mobilisering", "Smerte", "Fysioterapi", "Udskrivelse", "Hjemmepleje"]

    actions.move_driver(db, ADMIN, p2.id, -1)
    actions.move_driver(db, ADMIN, s2.id, -1)
    actions.move_driver(db, ADMIN, s2.id, -1)  # already first: stays
    assert _names(db, project.id) == ["Udskrivelse", "Hjemmepleje", "Mobilisering", "Fysioterapi", "Smerte"]
    assert get_driver(db, p2.id).version == 1, "a move is order, not an edit: an open rename still saves"

    moved = actions.update_driver(db, ADMIN, get_driver(db, s1.id).model_copy(
        update={"text": "Smertelindring", "parent_id": p2.id}))
    assert (moved.parent_id, moved.position, moved.version) == (p2.id, 2, 2)
    assert _names(db, project.id) == ["Udskrivelse", "Hjemmepleje", "Smertelindring", "Mobilisering", "Fysioterapi"]
    with pytest.raises(StaleEdit):
        actions.update_driver(db, ADMIN, s1.model_copy(update={"text": "Gammel"}))
    with pytest.raises(ValidationError):
        Driver(kind="primary", text=" ")

    idea = actions.add_change_idea(db, ADMIN, project.id, ChangeIdea(text="Nerveblokade", driver_ids=[s2.id, s3.id]))
    actions.remove_driver(db, ADMIN, s3.id)  # removed on its own
    extra = actions.add_driver(db, ADMIN, project.id, Driver(kind="secondary", text="Ekstra", parent_id=p1.id))
    actions.remove_driver(db, ADMIN, extra.id)  # removed on its own, before its primary
    actions.remove_driver(db, ADMIN, p1.id)  # takes Fysioterapi with it
    assert _names(db, project.id) == ["Udskrivelse", "Smertelindring"]
    assert list_change_ideas(db, project.id)[0].driver_ids == []  # links to removed drivers are hidden
    assert "d%d" % s2.id not in to_dot(get_driver_diagram(db, project.id))

    actions.restore_driver(db, ADMIN, p1.id)  # brings back what was removed with it, not Ekstra
    assert get_driver(db, extra.id).archived
    assert _names(db, project.id) == ["Udskrivelse", "Smertelindring", "Mobilisering", "Fysioterapi"]
    assert list_change_ideas(db, project.id)[0].driver_ids == [s2.id]
    actions.remove_driver(db, ADMIN, p2.id)
    actions.restore_driver(db, ADMIN, s3.id)  # a secondary brings its primary back (only that)
    assert _names(db, project.id) == ["Udskrivelse", "Hjemmepleje", "Mobilisering", "Fysioterapi"]
    assert sorted(list_change_ideas(db, project.id)[0].driver_ids) == sorted([s2.id, s3.id]) and idea.id


def test_a_change_idea_serves_several_drivers_and_one_a_cycle_tests_stays(db):
    project = _project(db)
    p1 = actions.add_driver(db, ADMIN, project.id, Driver(kind="primary", text="Mobilisering"))
    s1 = actions.add_driver(db, ADMIN, project.id, Driver(kind="secondary", text="Smerte", parent_id=p1.id))
    idea = actions.add_change_idea(db, ADMIN, project.id, ChangeIdea(text="Nerveblokade", driver_ids=[p1.id, s1.id]))
    assert idea.driver_ids == sorted([p1.id, s1.id])
    edited = actions.update_change_idea(db, ADMIN, idea.model_copy(update={
        "text": "Nerveblokade i akutmodtagelsen", "description": "Anlægges af anæstesien", "driver_ids": [s1.id]}))
    assert (edited.text, edited.description, edited.driver_ids, edited.version) == (
        "Nerveblokade i akutmodtagelsen", "Anlægges af anæstesien", [s1.id], 2)
    with pytest.raises(StaleEdit):
        actions.update_change_idea(db, ADMIN, idea.model_copy(update={"driver_ids": []}))
    dot = to_dot(get_driver_diagram(db, project.id))
    assert f"d{s1.id} -> c{idea.id}" in dot and f"d{p1.id} -> c{idea.id}" not in dot

    cycle = actions.start_cycle(db, ADMIN, PdsaCycle(project_id=project.id, title="Test på 1 patient",
                                                     change_idea_id=idea.id))
    with pytest.raises(Refused) as refused:
        actions.remove_change_idea(db, ADMIN, idea.id)
    assert refused.value.code == "idea_in_cycles" and refused.value.values["cycles"] == ["Test på 1 patient"]
    assert [i.text for i in list_change_ideas(db, project.id)] == ["Nerveblokade i akutmodtagelsen"] and cycle.id

    other = actions.add_change_idea(db, ADMIN, project.id, ChangeIdea(text="Gangstativ ved sengen"))
    actions.remove_change_idea(db, ADMIN, other.id)
    assert [i.text for i in list_change_ideas(db, project.id)] == ["Nerveblokade i akutmodtagelsen"]
    assert len(list_change_ideas(db, project.id, include_archived=True)) == 2
    actions.restore_change_idea(db, ADMIN, other.id)
    assert len(list_change_ideas(db, project.id)) == 2


def test_labels_wrap_at_spaces_only():
    from pdsa.models import DriverDiagram

    dot = to_dot(DriverDiagram(project_id=1, aim="Færre genindlæggelser på Universitetshospitalet", drivers=[
        Driver(id=1, kind="primary", text="Genindlæggelsesrisikovurderingsskemaet udfyldes ved udskrivelse"),
        Driver(id=2, kind="secondary", text='Citat "ord" og \\ skråstreg', parent_id=1)], change_ideas=[]))
    labels = re.findall(r'label="((?:[^"\\]|\\.)*)"', dot)
    words = {w for text in labels for w in re.split(r"\\n| ", text)}
    assert "Genindlæggelsesrisikovurderingsskemaet" in words and "Universitetshospitalet" in words
    assert '\\"ord\\"' in dot and "\\\\ skråstreg" in dot


def test_the_history_tells_removals_restores_and_moves(db, monkeypatch):
    import ui.format

    monkeypatch.setattr(ui.format, "language", lambda: "da")
    fmt = Formatters(number=ui.format.fmt_number, percent=ui.format.fmt_percent, date=ui.format.fmt_date,
                     period=ui.format.fmt_period)
    project = _project(db)
    _member(db, project.id, "Anna Lund", role="lead")
    bo = _member(db, project.id, "Bo Holm")
    actions.remove_team_member(db, ADMIN, bo.id)
    p1 = actions.add_driver(db, ADMIN, project.id, Driver(kind="primary", text="Mobilisering"))
    p2 = actions.add_driver(db, ADMIN, project.id, Driver(kind="primary", text="Udskrivelse"))
    actions.move_driver(db, ADMIN, p2.id, -1)
    actions.remove_driver(db, ADMIN, p1.id)
    actions.restore_driver(db, ADMIN, p1.id)
    entries, _ = project_history(db, project.id, limit=50)
    told = [sentence(e, partial(translate, "da"), fmt, reference_names(db, entries)) for e in entries]
    assert "Ada Admin fjernede *Bo Holm* fra teamet" in told
    assert "Ada Admin flyttede *Udskrivelse* fra plads 2 til plads 1" in told
    assert "Ada Admin fjernede driveren *Mobilisering* fra driverdiagrammet" in told
    assert "Ada Admin hentede driveren *Mobilisering* tilbage i driverdiagrammet" in told


# --- the page parts (AppTest, on a DuckDB file) --------------------------------------------------

def _team_page(project_id: int) -> None:
    from pdsa.store.projects import get_project
    from ui.actor import current_actor
    from ui.state import cursor
    from ui.team_editor import team_editor

    cur = cursor()
    team_editor(cur, current_actor(), get_project(cur, project_id))


def _driver_page(project_id: int) -> None:
    from pdsa.store.projects import get_project
    from ui.actor import current_actor
    from ui.driver_editor import driver_editor
    from ui.state import cursor

    cur = cursor()
    driver_editor(cur, current_actor(), get_project(cur, project_id))


@pytest.fixture
def setup(tmp_path):
    """A DuckDB file with an administrator, a staff user and a project without a team."""
    path = tmp_path / "team.duckdb"
    con = connect(path)
    cur = con.cursor()
    admin = _user(cur, "admin", "Ada Admin", roles=("administrator",))
    lene = _user(cur, "lene", "Lene Holm")
    project = _project(cur)
    cur.close()
    con.close()
    return {"path": path, "admin": admin.id, "lene": lene.id, "project": project.id}


def _open(monkeypatch, setup, script, language="da", user="admin") -> AppTest:
    monkeypatch.setenv("PDSA_DB", str(setup["path"]))
    at = AppTest.from_function(script, args=(setup["project"],), default_timeout=60)
    at.session_state["lang"] = language
    at.session_state["signed_in_user_id"] = setup[user]
    return at.run()


def _read(setup, read):
    return read_from(setup["path"], read)


def _table(at) -> list[list[str]]:
    return at.dataframe[0].value.values.tolist() if at.dataframe else []


def _click(at, key: str) -> AppTest:
    return at.button(key=key).click().run()


def test_a_lead_adds_two_members_edits_a_role_and_removes_one(monkeypatch, setup):
    at = _open(monkeypatch, setup, _team_page)
    assert not at.exception, at.exception
    pid = setup["project"]
    assert translate("da", "team_forms.empty") in [i.value for i in at.info]
    add = f"team-add-{pid}"
    at.text_input(key=f"{add}-name").input("Lene Holm")
    at.text_input(key=f"{add}-discipline").input("Sygeplejerske")
    at.selectbox(key=f"{add}-role").set_value("lead")
    at.selectbox(key=f"{add}-user_id").set_value(setup["lene"])
    _click(at, f"{add}-submit")
    assert not at.exception, at.exception
    assert "Lene Holm er tilføjet til teamet." in [s.value for s in at.success]
    at.text_input(key=f"{add}-name").input("Ole Berg")
    at.selectbox(key=f"{add}-sector").set_value("municipality")
    at.selectbox(key=f"{add}-role").set_value("patient_partner")
    _click(at, f"{add}-submit")
    assert _table(at) == [["Lene Holm", "Sygeplejerske", "Hospital", "Tovholder", "Lene Holm"],
                          ["Ole Berg", "–", "Kommune", "Patientpartner", "–"]]
    # the link gives Lene her rights: she may now change the team and the diagram
    lene = _read(setup, lambda c: actor_for(c, users.get_user(c, setup["lene"])))
    assert can(lene, "update_team_member", Scope(project_id=pid)) and can(lene, "add_driver", Scope(project_id=pid))

    ole = _read(setup, lambda c: next(m for m in list_team(c, pid) if m.name == "Ole Berg"))
    at.selectbox(key=f"team-edit-choice-{pid}").set_value(ole.id).run()
    at.selectbox(key=f"team-edit-{ole.id}-role").set_value("sponsor")
    _click(at, f"team-edit-{ole.id}-submit")
    assert not at.exception, at.exception
    assert _table(at)[1][3] == "Sponsor (ledelse)"

    _click(at, f"team-remove-{ole.id}")
    assert "Vil du fjerne Ole Berg fra teamet?" in at.warning[0].value
    assert [row[0] for row in _table(at)] == ["Lene Holm", "Ole Berg"], "nothing removed before the answer"
    _click(at, f"team-remove-yes-{ole.id}")
    assert [row[0] for row in _table(at)] == ["Lene Holm"]
    assert any("Ole Berg er fjernet fra teamet" in s.value for s in at.success)
    assert any("Fjernede teammedlemmer (1)" in e.label for e in at.expander)
    _click(at, f"team-restore-{ole.id}")
    assert [row[0] for row in _table(at)] == ["Lene Holm", "Ole Berg"]

    # the only lead: no remove button, a sentence instead
    lead = _read(setup, lambda c: next(m for m in list_team(c, pid) if m.name == "Lene Holm"))
    at.selectbox(key=f"team-edit-choice-{pid}").set_value(lead.id).run()
    assert not [b for b in at.button if b.key == f"team-remove-{lead.id}"]
    assert any("eneste tovholder og kan ikke fjernes" in c.value for c in at.caption)


def test_the_linked_member_sees_the_forms_a_reader_does_not(monkeypatch, setup):
    pid = setup["project"]
    at = _open(monkeypatch, setup, _driver_page, user="lene")
    assert not [b for b in at.button if b.key == f"drv-add-primary-{pid}-submit"]
    assert translate("da", "drivers.empty") in [i.value for i in at.info]
    _read(setup, lambda c: _member(c, pid, "Lene Holm", role="member", user_id=setup["lene"]))
    at = _open(monkeypatch, setup, _driver_page, user="lene")
    assert translate("da", "team_forms.drivers_empty") in [i.value for i in at.info]
    assert [b for b in at.button if b.key == f"drv-add-primary-{pid}-submit"]


@pytest.mark.parametrize("typed, message", [
    ("", "skal udfyldes"), ("Anna 010190-1234", "ligner et CPR-nummer"),
])
def test_a_bad_field_is_told_next_to_it_and_nothing_is_saved(monkeypatch, setup, typed, message):
    pid = setup["project"]
    at = _open(monkeypatch, setup, _team_page)
    at.text_input(key=f"team-add-{pid}-name").input(typed)
    _click(at, f"team-add-{pid}-submit")
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert errors, (at.success, at.warning, at.info)
    assert any(message in e for e in errors) and not any("1234" in e for e in errors), errors
    assert at.text_input(key=f"team-add-{pid}-name").value == typed, "the input is kept"
    assert _read(setup, lambda c: list_team(c, pid, include_archived=True)) == []

    at = _open(monkeypatch, setup, _driver_page)
    at.text_input(key=f"drv-add-primary-{pid}-text").input(typed)
    _click(at, f"drv-add-primary-{pid}-submit")
    assert any(message in e.value for e in at.error)
    assert _read(setup, lambda c: list_drivers(c, pid, include_archived=True)) == []


def _dot(at) -> str:
    charts = at.get("graphviz_chart")
    return charts[0].proto.spec if charts else ""


def test_a_team_builds_its_driver_diagram_on_the_page(monkeypatch, setup):
    pid = setup["project"]
    at = _open(monkeypatch, setup, _driver_page, language="en")
    assert not at.exception, at.exception
    assert translate("en", "team_forms.drivers_empty") in [i.value for i in at.info]
    at.text_input(key=f"drv-add-primary-{pid}-text").input("Early mobilisation")
    _click(at, f"drv-add-primary-{pid}-submit")
    at.text_input(key=f"drv-add-primary-{pid}-text").input("Safe discharge")
    _click(at, f"drv-add-primary-{pid}-submit")
    assert not at.exception, at.exception
    assert '"Early mobilisation"' in _dot(at) and '"Safe discharge"' in _dot(at)
    drivers = _read(setup, lambda c: {d.text: d for d in list_drivers(c, pid)})
    early, discharge = drivers["Early mobilisation"], drivers["Safe discharge"]

    at.selectbox(key=f"drv-add-secondary-{pid}-parent_id").set_value(early.id)
    at.text_input(key=f"drv-add-secondary-{pid}-text").input("Pain relief before the first walk")
    _click(at, f"drv-add-secondary-{pid}-submit")
    pain = _read(setup, lambda c: next(d for d in list_drivers(c, pid) if d.kind == "secondary"))
    assert f"d{early.id} -> d{pain.id};" in _dot(at)

    at.text_input(key=f"drv-add-idea-{pid}-text").input("Nerve block in the emergency department")
    at.multiselect(key=f"drv-add-idea-{pid}-driver_ids").select(pain.id).select(discharge.id)
    _click(at, f"drv-add-idea-{pid}-submit")
    assert not at.exception, at.exception
    idea = _read(setup, lambda c: list_change_ideas(c, pid)[0])
    assert f"d{pain.id} -> c{idea.id};" in _dot(at) and f"d{discharge.id} -> c{idea.id};" in _dot(at)
    assert "Nerve block in the emergency department" in " ".join(m.value for m in at.markdown)

    # rename
    at.selectbox(key=f"drv-choice-{pid}").set_value(f"d{early.id}").run()
    at.text_input(key=f"drv-edit-d{early.id}-text").input("Mobilisation within 24 hours")
    _click(at, f"drv-edit-d{early.id}-submit")
    assert '"Mobilisation within 24 hours"' in _dot(at) and "Early mobilisation" not in _dot(at)

    # move: Safe discharge up, above the renamed one
    at.selectbox(key=f"drv-choice-{pid}").set_value(f"d{discharge.id}").run()
    _click(at, f"drv-up-{discharge.id}")
    dot = _dot(at)
    assert dot.index(f"d{discharge.id} [") < dot.index(f"d{early.id} [")
    assert _read(setup, lambda c: [d.text for d in list_drivers(c, pid) if d.kind == "primary"]) == [
        "Safe discharge", "Mobilisation within 24 hours"]

    # the secondary driver moves to the other primary
    at.selectbox(key=f"drv-choice-{pid}").set_value(f"d{pain.id}").run()
    at.selectbox(key=f"drv-edit-d{pain.id}-parent_id").set_value(discharge.id)
    _click(at, f"drv-edit-d{pain.id}-submit")
    assert f"d{discharge.id} -> d{pain.id};" in _dot(at)

    # the idea serves one driver only now
    at.selectbox(key=f"drv-choice-{pid}").set_value(f"c{idea.id}").run()
    at.multiselect(key=f"drv-edit-c{idea.id}-driver_ids").unselect(discharge.id)
    _click(at, f"drv-edit-c{idea.id}-submit")
    assert f"d{discharge.id} -> c{idea.id};" not in _dot(at) and f"d{pain.id} -> c{idea.id};" in _dot(at)

    # remove asks first, then archives; restore brings it back
    at.selectbox(key=f"drv-choice-{pid}").set_value(f"d{early.id}").run()
    _click(at, f"drv-remove-d{early.id}")
    assert "Remove Mobilisation within 24 hours from the driver diagram?" in at.warning[0].value
    assert "Mobilisation within 24 hours" in _dot(at)
    _click(at, f"drv-remove-yes-d{early.id}")
    assert not at.exception, at.exception
    assert "Mobilisation within 24 hours" not in _dot(at)
    assert any("Removed parts of the diagram (1)" in e.label for e in at.expander)
    _click(at, f"drv-restore-d{early.id}")
    assert "Mobilisation within 24 hours" in _dot(at)


def test_a_stale_rename_says_who_saved_first_and_keeps_the_input(monkeypatch, setup):
    pid = setup["project"]
    driver = _read(setup, lambda c: actions.add_driver(c, ADMIN, pid, Driver(kind="primary", text="Mobilisering")))
    at = _open(monkeypatch, setup, _driver_page)
    at.text_input(key=f"drv-edit-d{driver.id}-text").input("Min tekst")
    other = Actor(None, "Bo Holm", roles=frozenset({"administrator"}))
    _read(setup, lambda c: actions.update_driver(c, other, driver.model_copy(update={"text": "Bos tekst"})))
    _click(at, f"drv-edit-d{driver.id}-submit")
    assert any("Bo Holm gemte en ændring" in e.value for e in at.error)
    assert at.text_input(key=f"drv-edit-d{driver.id}-text").value == "Min tekst"
    _click(at, f"drv-edit-d{driver.id}-submit")  # a second Save saves over theirs
    assert _read(setup, lambda c: get_driver(c, driver.id).text) == "Min tekst"


def test_a_stale_member_edit_says_who_saved_first_and_keeps_the_input(monkeypatch, setup):
    pid = setup["project"]
    member = _read(setup, lambda c: _member(c, pid, "Ole Berg", role="lead"))
    at = _open(monkeypatch, setup, _team_page)
    at.text_input(key=f"team-edit-{member.id}-discipline").input("Sygeplejerske")
    other = Actor(None, "Bo Holm", roles=frozenset({"administrator"}))
    _read(setup, lambda c: actions.update_team_member(c, other, member.model_copy(update={"discipline": "Læge"})))
    _click(at, f"team-edit-{member.id}-submit")
    assert any("Bo Holm gemte en ændring" in e.value for e in at.error)
    assert at.text_input(key=f"team-edit-{member.id}-discipline").value == "Sygeplejerske"
    assert _read(setup, lambda c: list_team(c, pid)[0].discipline) == "Læge"


def test_an_idea_a_cycle_tests_says_why_it_stays(monkeypatch, setup):
    pid = setup["project"]

    def make(c):
        idea = actions.add_change_idea(c, ADMIN, pid, ChangeIdea(text="Nerveblokade"))
        actions.start_cycle(c, ADMIN, PdsaCycle(project_id=pid, title="Test på 1 patient", change_idea_id=idea.id))
        return idea

    idea = _read(setup, make)
    at = _open(monkeypatch, setup, _driver_page)
    at.selectbox(key=f"drv-choice-{pid}").set_value(f"c{idea.id}").run()
    assert not [b for b in at.button if b.key == f"drv-remove-c{idea.id}"]
    assert any("afprøves i PDSA-cirkler (Test på 1 patient)" in c.value for c in at.caption)
