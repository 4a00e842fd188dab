"""A project's driver diagram, drawn, and for its team: add, rename, move and remove primary and
secondary drivers and change ideas (an idea may serve several drivers).

The forms work as the team editor's do (ui/team_editor.py): stable keys, the save in the
submit button's ``on_click``, a bad field's message under the field, a stale edit told with
who saved first, removing asked first and archived, archived parts restored from a list.
"""

from __future__ import annotations

import streamlit as st

from actions import (
    add_change_idea,
    add_driver,
    can,
    move_driver,
    remove_change_idea,
    remove_driver,
    restore_change_idea,
    restore_driver,
    update_change_idea,
    update_driver,
)
from actions.permissions import Scope
from pdsa.driver_diagram import to_dot
from pdsa.models import ChangeIdea, Driver, Project
from pdsa.store.drivers import archived_change_ideas, cycles_testing, list_drivers
from pdsa.store.projects import get_driver_diagram
from ui.format import label
from ui.plain import plain
from ui.state import cursor, t
from ui.team_editor import Outcome, field_message, general_message, refused_text, run_save


def _outcome_key(project_id: int, what: str) -> str:
    return f"drv-outcome-{project_id}-{what}"


def _confirm_key(project_id: int) -> str:
    return f"drv-confirm-remove-{project_id}"


def _name(text: str) -> str:
    return plain(text, one_line=True)


def _option(text: str) -> str:
    """A name in a list to choose from: shown as typed (options are not Markdown), on one line."""
    return " ".join(str(text).split())


def _actor():
    from ui.actor import current_actor

    return current_actor()


# --- saves (the buttons' on_click) ---------------------------------------------------------------

def _add_primary(project_id: int) -> None:
    key = f"drv-add-primary-{project_id}-text"

    def save() -> str:
        driver = Driver.model_validate({"kind": "primary", "text": st.session_state.get(key)})
        add_driver(cursor(), _actor(), project_id, driver)
        st.session_state[key] = ""
        return t("team_forms.driver_added", name=_name(driver.text))

    run_save(_outcome_key(project_id, "add-primary"), save)


def _add_secondary(project_id: int) -> None:
    keys = {name: f"drv-add-secondary-{project_id}-{name}" for name in ("text", "parent_id")}

    def save() -> str:
        driver = Driver.model_validate({"kind": "secondary", "text": st.session_state.get(keys["text"]),
                                        "parent_id": st.session_state.get(keys["parent_id"])})
        add_driver(cursor(), _actor(), project_id, driver)
        st.session_state[keys["text"]] = ""
        return t("team_forms.driver_added", name=_name(driver.text))

    run_save(_outcome_key(project_id, "add-secondary"), save)


def _add_idea(project_id: int) -> None:
    keys = {name: f"drv-add-idea-{project_id}-{name}" for name in ("text", "description", "driver_ids")}

    def save() -> str:
        idea = ChangeIdea.model_validate({name: st.session_state.get(key) for name, key in keys.items()}
                                         | {"driver_ids": st.session_state.get(keys["driver_ids"]) or []})
        add_change_idea(cursor(), _actor(), project_id, idea)
        st.session_state[keys["text"]] = ""
        st.session_state[keys["description"]] = ""
        st.session_state[keys["driver_ids"]] = []
        return t("team_forms.idea_added", name=_name(idea.text))

    run_save(_outcome_key(project_id, "add-idea"), save)


def _edit_keys(item: str) -> dict[str, str]:
    return {name: f"drv-edit-{item}-{name}" for name in ("text", "parent_id", "description", "driver_ids", "version")}


def _save_driver(project_id: int, driver: Driver) -> None:
    keys = _edit_keys(f"d{driver.id}")

    def save() -> str:
        state = st.session_state
        wanted = Driver.model_validate({
            **driver.model_dump(), "text": state.get(keys["text"]),
            "parent_id": state.get(keys["parent_id"]) if driver.kind == "secondary" else None,
            "version": state[keys["version"]],
        })
        saved = update_driver(cursor(), _actor(), wanted)
        state[keys["version"]] = saved.version
        return t("team_forms.driver_saved", name=_name(saved.text))

    run_save(_outcome_key(project_id, "edit"), save, version_key=keys["version"])


def _save_idea(project_id: int, idea: ChangeIdea) -> None:
    keys = _edit_keys(f"c{idea.id}")

    def save() -> str:
        state = st.session_state
        wanted = ChangeIdea.model_validate({
            "id": idea.id, "text": state.get(keys["text"]), "description": state.get(keys["description"]),
            "driver_ids": state.get(keys["driver_ids"]) or [], "version": state[keys["version"]],
        })
        saved = update_change_idea(cursor(), _actor(), wanted)
        state[keys["version"]] = saved.version
        return t("team_forms.idea_saved", name=_name(saved.text))

    run_save(_outcome_key(project_id, "edit"), save, version_key=keys["version"])


def _move(project_id: int, driver: Driver, step: int) -> None:
    def save() -> str:
        move_driver(cursor(), _actor(), driver.id, step)
        return t("team_forms.driver_moved_up" if step < 0 else "team_forms.driver_moved_down", name=_name(driver.text))

    run_save(_outcome_key(project_id, "edit"), save)


def _remove(project_id: int, item: Driver | ChangeIdea) -> None:
    st.session_state.pop(_confirm_key(project_id), None)

    def save() -> str:
        if isinstance(item, Driver):
            remove_driver(cursor(), _actor(), item.id, expected_version=item.version)
        else:
            remove_change_idea(cursor(), _actor(), item.id, expected_version=item.version)
        return t("team_forms.part_removed", name=_name(item.text))

    run_save(_outcome_key(project_id, "edit"), save)


def _restore(project_id: int, item: Driver | ChangeIdea) -> None:
    def save() -> str:
        if isinstance(item, Driver):
            restore_driver(cursor(), _actor(), item.id)
        else:
            restore_change_idea(cursor(), _actor(), item.id)
        return t("team_forms.part_restored", name=_name(item.text))

    run_save(_outcome_key(project_id, "archive"), save)


# --- the page part ---------------------------------------------------------------------------------

def _outline(drivers: list[Driver], ideas: list[ChangeIdea]) -> str:
    """The diagram as a list, for reading on a narrow screen and for screen readers."""
    lines = []
    for driver in drivers:
        indent = "    " if driver.kind == "secondary" else ""
        lines.append(f"{indent}- {label('driver_kind', driver.kind)}: **{_name(driver.text)}**")
    names = {d.id: _name(d.text) for d in drivers}
    for idea in ideas:
        served = ", ".join(names[i] for i in idea.driver_ids if i in names) or t("team_forms.serves_nothing")
        lines.append(f"- {t('team_forms.idea')}: **{_name(idea.text)}** ← {served}")
    return "\n".join(lines)


def driver_editor(cur, actor, project: Project) -> None:
    """The diagram (Graphviz) and its parts as a list; for the team the forms that change it."""
    scope = Scope(project_id=project.id)
    diagram = get_driver_diagram(cur, project.id)
    may = {action: actor is not None and can(actor, action, scope) for action in (
        "add_driver", "add_change_idea", "update_driver", "move_driver", "remove_driver", "update_change_idea",
        "remove_change_idea", "restore_driver", "restore_change_idea")}
    if diagram.drivers or diagram.change_ideas:
        headings = (t("drivers.aim"), t("drivers.primary"), t("drivers.secondary"), t("drivers.ideas"))
        st.graphviz_chart(to_dot(diagram, headings=headings), width="stretch")
        st.markdown(_outline(diagram.drivers, diagram.change_ideas))
    else:
        st.info(t("team_forms.drivers_empty") if may["add_driver"] else t("drivers.empty"))
    if may["add_driver"] or may["add_change_idea"]:
        _add_forms(project, diagram.drivers, may)
    if (diagram.drivers or diagram.change_ideas) and any(may[a] for a in (
            "update_driver", "move_driver", "remove_driver", "update_change_idea", "remove_change_idea")):
        _change_section(cur, project, diagram.drivers, diagram.change_ideas, may)
    _archived_section(cur, project, may)


def _add_forms(project: Project, drivers: list[Driver], may: dict[str, bool]) -> None:
    pid = project.id
    primaries = [d for d in drivers if d.kind == "primary"]
    if may["add_driver"]:
        outcome = st.session_state.pop(_outcome_key(pid, "add-primary"), None)
        with st.expander(t("team_forms.add_primary_heading"), expanded=not drivers or _failed(outcome)):
            with st.form(f"drv-add-primary-{pid}", border=False):
                st.text_input(t("team_forms.primary_text"), key=f"drv-add-primary-{pid}-text",
                              help=t("team_forms.primary_help"))
                field_message(outcome, "text")
                st.form_submit_button(t("team_forms.add"), type="primary", on_click=_add_primary, args=(pid,),
                                      key=f"drv-add-primary-{pid}-submit")
            _failure(outcome)
        _success(outcome)
        if primaries:
            outcome = st.session_state.pop(_outcome_key(pid, "add-secondary"), None)
            names = {d.id: _option(d.text) for d in primaries}
            key = f"drv-add-secondary-{pid}-parent_id"
            if st.session_state.get(key) not in names:
                st.session_state[key] = primaries[0].id
            with st.expander(t("team_forms.add_secondary_heading"), expanded=_failed(outcome)):
                with st.form(f"drv-add-secondary-{pid}", border=False):
                    st.selectbox(t("team_forms.under_primary"), list(names), format_func=names.__getitem__, key=key)
                    field_message(outcome, "parent_id")
                    st.text_input(t("team_forms.secondary_text"), key=f"drv-add-secondary-{pid}-text",
                                  help=t("team_forms.secondary_help"))
                    field_message(outcome, "text")
                    st.form_submit_button(t("team_forms.add"), type="primary", on_click=_add_secondary, args=(pid,),
                                          key=f"drv-add-secondary-{pid}-submit")
                _failure(outcome)
            _success(outcome)
    if may["add_change_idea"]:
        outcome = st.session_state.pop(_outcome_key(pid, "add-idea"), None)
        names = {d.id: f"{label('driver_kind', d.kind)}: {_option(d.text)}" for d in drivers}
        key = f"drv-add-idea-{pid}-driver_ids"
        st.session_state[key] = [i for i in st.session_state.get(key) or [] if i in names]
        with st.expander(t("team_forms.add_idea_heading"), expanded=_failed(outcome)):
            with st.form(f"drv-add-idea-{pid}", border=False):
                _idea_fields(f"drv-add-idea-{pid}", names, outcome)
                st.form_submit_button(t("team_forms.add"), type="primary", on_click=_add_idea, args=(pid,),
                                  key=f"drv-add-idea-{pid}-submit")
            _failure(outcome)
        _success(outcome)


def _idea_fields(prefix: str, names: dict[int, str], outcome: Outcome | None) -> None:
    st.text_input(t("team_forms.idea_text"), key=f"{prefix}-text", help=t("team_forms.idea_help"))
    field_message(outcome, "text")
    st.text_area(t("team_forms.idea_description"), key=f"{prefix}-description", height=80)
    field_message(outcome, "description")
    st.multiselect(t("team_forms.idea_drivers"), list(names), format_func=names.__getitem__, key=f"{prefix}-driver_ids",
                   placeholder=t("team_forms.idea_drivers_none"))
    field_message(outcome, "driver_ids")


def _failed(outcome: Outcome | None) -> bool:
    return outcome is not None and outcome.kind == "failed"


def _failure(outcome: Outcome | None) -> None:
    if _failed(outcome):
        general_message(outcome)


def _success(outcome: Outcome | None) -> None:
    if outcome is not None and outcome.kind == "saved":
        st.success(outcome.message)


def _item_name(item: str, drivers: dict[int, Driver], ideas: dict[int, ChangeIdea]) -> str:
    if item.startswith("d"):
        driver = drivers[int(item[1:])]
        prefix = "— " if driver.kind == "secondary" else ""
        return f"{prefix}{label('driver_kind', driver.kind)}: {_option(driver.text)}"
    return f"{t('team_forms.idea')}: {_option(ideas[int(item[1:])].text)}"


def _change_section(cur, project: Project, drivers: list[Driver], ideas: list[ChangeIdea], may: dict) -> None:
    pid = project.id
    st.markdown(f"##### {t('team_forms.change_heading')}")
    outcome = st.session_state.pop(_outcome_key(pid, "edit"), None)
    by_driver = {d.id: d for d in drivers}
    by_idea = {i.id: i for i in ideas}
    items = [f"d{d.id}" for d in drivers] + [f"c{i.id}" for i in ideas]
    key = f"drv-choice-{pid}"
    if st.session_state.get(key) not in items:
        st.session_state.pop(key, None)
    names = {i: _item_name(i, by_driver, by_idea) for i in items}
    item = st.selectbox(t("team_forms.choose_part"), items, format_func=names.__getitem__, key=key)
    if item.startswith("d"):
        _driver_panel(project, by_driver[int(item[1:])], drivers, outcome, may)
    else:
        _idea_panel(cur, project, by_idea[int(item[1:])], drivers, outcome, may)
    general_message(outcome)


def _fill(keys: dict[str, str], values: dict, version: int, outcome: Outcome | None) -> None:
    """The stored values in the form: the first time, and when someone saved while it sat unused."""
    state = st.session_state
    shown = state.get(keys["version"])
    # again when Streamlit dropped the form's values while it was not drawn (another tab open:
    # the project page draws only the open tab)
    if shown is None or (shown < version and outcome is None) or keys["text"] not in state:
        for name, value in values.items():
            state[keys[name]] = value
        state[keys["version"]] = version


def _driver_panel(project: Project, driver: Driver, drivers: list[Driver], outcome: Outcome | None, may: dict) -> None:
    pid = project.id
    keys = _edit_keys(f"d{driver.id}")
    _fill(keys, {"text": driver.text, "parent_id": driver.parent_id}, driver.version, outcome)
    primaries = {d.id: _option(d.text) for d in drivers if d.kind == "primary"}
    if may["update_driver"]:
        with st.form(f"drv-edit-d{driver.id}", border=False):
            st.text_input(t("team_forms.rename"), key=keys["text"])
            field_message(outcome, "text")
            if driver.kind == "secondary":
                if st.session_state.get(keys["parent_id"]) not in primaries:
                    st.session_state[keys["parent_id"]] = driver.parent_id
                st.selectbox(t("team_forms.under_primary"), list(primaries), format_func=primaries.__getitem__,
                             key=keys["parent_id"], help=t("team_forms.move_to_primary_help"))
                field_message(outcome, "parent_id")
            st.form_submit_button(t("team_forms.save"), type="primary", on_click=_save_driver, args=(pid, driver),
                                  key=f"drv-edit-d{driver.id}-submit")
    siblings = [d for d in drivers if d.kind == driver.kind and d.parent_id == driver.parent_id]
    index = siblings.index(driver)
    cols = st.columns(3)
    if may["move_driver"]:
        cols[0].button(t("team_forms.move_up"), key=f"drv-up-{driver.id}", disabled=index == 0,
                       on_click=_move, args=(pid, driver, -1))
        cols[1].button(t("team_forms.move_down"), key=f"drv-down-{driver.id}", disabled=index == len(siblings) - 1,
                       on_click=_move, args=(pid, driver, 1))
    if may["remove_driver"]:
        under = [d for d in drivers if d.parent_id == driver.id]
        text = t("team_forms.confirm_remove_driver", name=_name(driver.text))
        if under:
            text += " " + t("team_forms.confirm_remove_primary", names=", ".join(_name(d.text) for d in under))
        _remove_button(cols[2], pid, f"d{driver.id}", driver, text)


def _idea_panel(cur, project: Project, idea: ChangeIdea, drivers: list[Driver], outcome: Outcome | None,
                may: dict) -> None:
    pid = project.id
    keys = _edit_keys(f"c{idea.id}")
    names = {d.id: f"{label('driver_kind', d.kind)}: {_option(d.text)}" for d in drivers}
    _fill(keys, {"text": idea.text, "description": idea.description or "", "driver_ids": idea.driver_ids},
          idea.version, outcome)
    st.session_state[keys["driver_ids"]] = [i for i in st.session_state.get(keys["driver_ids"]) or [] if i in names]
    if may["update_change_idea"]:
        with st.form(f"drv-edit-c{idea.id}", border=False):
            _idea_fields(f"drv-edit-c{idea.id}", names, outcome)
            st.form_submit_button(t("team_forms.save"), type="primary", on_click=_save_idea, args=(pid, idea),
                                  key=f"drv-edit-c{idea.id}-submit")
    if may["remove_change_idea"]:
        cycles = cycles_testing(cur, idea.id)
        if cycles:
            from pdsa.store.team import Refused

            st.caption(refused_text(Refused("idea_in_cycles", "", name=idea.text, cycles=cycles, count=len(cycles))))
        else:
            _remove_button(st, pid, f"c{idea.id}", idea, t("team_forms.confirm_remove_idea", name=_name(idea.text)))


def _remove_button(place, pid: int, item: str, target: Driver | ChangeIdea, question: str) -> None:
    if st.session_state.get(_confirm_key(pid)) == item:
        st.warning(question)
        yes, no = st.columns(2)
        yes.button(t("team_forms.yes_remove"), type="primary", key=f"drv-remove-yes-{item}", on_click=_remove,
                   args=(pid, target))
        no.button(t("team_forms.cancel"), key=f"drv-remove-no-{item}",
                  on_click=lambda: st.session_state.pop(_confirm_key(pid), None))
    else:
        place.button(t("team_forms.remove_part"), key=f"drv-remove-{item}",
                     on_click=lambda: st.session_state.__setitem__(_confirm_key(pid), item))


def _archived_section(cur, project: Project, may: dict) -> None:
    removed_drivers = [d for d in list_drivers(cur, project.id, include_archived=True) if d.archived]
    removed_ideas = archived_change_ideas(cur, project.id)
    outcome = st.session_state.pop(_outcome_key(project.id, "archive"), None)
    count = len(removed_drivers) + len(removed_ideas)
    if not count and outcome is None:
        return
    with st.expander(t("team_forms.archived_parts_heading", count=count), expanded=outcome is not None):
        for item in [*removed_drivers, *removed_ideas]:
            kind = label("driver_kind", item.kind) if isinstance(item, Driver) else t("team_forms.idea")
            cols = st.columns([4, 1])
            cols[0].markdown(f"{kind}: {_name(item.text)}")
            action = "restore_driver" if isinstance(item, Driver) else "restore_change_idea"
            if may[action]:
                prefix = "d" if isinstance(item, Driver) else "c"
                cols[1].button(t("team_forms.restore"), key=f"drv-restore-{prefix}{item.id}", on_click=_restore,
                               args=(project.id, item))
        general_message(outcome)
