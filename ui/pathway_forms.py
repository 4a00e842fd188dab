"""The Pathways page's forms: create, edit, archive and restore a pathway; add, edit, move and
remove its steps; create and edit units.

As in ui/measure_settings.py: every form's key and its widgets' keys stay the same for the
row they edit, and the save runs in the submit button's ``on_click``, before the page is
drawn again, so the page that follows already shows the change (the diagram redraws at
once). The outcome is kept in ``session_state`` and shown on that rerun: a success message,
a bad field's message right under the field (nothing saved, the input kept), or a sentence
saying who saved first (a stale edit: the input is kept, and a second Save saves over theirs).
Whatever removes something asks first, and archives rather than deletes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from pydantic import ValidationError

from actions import (
    NotAllowed,
    StaleEdit,
    add_pathway_step,
    add_unit,
    archive_pathway,
    archive_pathway_step,
    can,
    create_pathway,
    move_pathway_step,
    restore_pathway,
    restore_pathway_step,
    update_pathway,
    update_pathway_step,
    update_unit,
)
from actions.actor import Actor
from actions.permissions import Scope
from pathways.models import Pathway, PathwayStep, Unit
from pdsa.core.db import DatabaseError
from pdsa.core.fields import SECTORS
from ui.actor import current_actor
from ui.errors import reason, show_message
from ui.format import fmt_datetime, label
from ui.plain import plain
from ui.state import cursor, database_error_text, t

_RESULT = "pathway-forms-result"  # {area: (kind, payload)}: what the last save in each area came to


# --- outcomes ---------------------------------------------------------------------------------

def _set_result(area: str, kind: str, payload: Any = None) -> None:
    st.session_state.setdefault(_RESULT, {})[area] = (kind, payload)


def _take_result(area: str) -> tuple[str, Any] | None:
    return st.session_state.get(_RESULT, {}).pop(area, None)


def _field_errors(exc: ValidationError) -> dict[str, str]:
    """Each bad field's message in the user's language, by field name ("" for the whole form)."""
    found: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else (error.get("ctx") or {}).get("field", "")
        # a required text left empty (pydantic calls it too_short after the stripping): "must be filled in"
        found.setdefault(field, t("error.missing") if error["type"] == "too_short" else reason(error))
    return found


def _run(area: str, save: Callable[[], Any], *, saved: str | Callable[[Any], str],
         version_key: str | None = None, invalid_fields: tuple[str, ...] = ()) -> Any:
    """Run one save and keep its outcome for ``area``; the saved result, or None when refused."""
    try:
        result = save()
    except ValidationError as exc:
        errors = _field_errors(exc)
        if any(field not in invalid_fields for field in errors):  # an error no field of this form shows
            errors = {"": "; ".join(errors.values())} | {f: m for f, m in errors.items() if f in invalid_fields}
        _set_result(area, "invalid", errors)
        return None
    except StaleEdit as exc:
        if version_key:
            st.session_state[version_key] = exc.current_version  # a second Save saves over theirs
        _set_result(area, "error", t("pathway_forms.changed_meanwhile", who=plain(exc.changed_by or "?"),
                                     when=fmt_datetime(exc.changed_at)))
        return None
    except NotAllowed:
        _set_result(area, "error", t("app.not_allowed"))
        return None
    except DatabaseError as exc:
        _set_result(area, "error", database_error_text(exc))
        return None
    except (ValueError, LookupError):
        _set_result(area, "error", t("pathway_forms.not_found"))
        return None
    _set_result(area, "saved", saved(result) if callable(saved) else saved)
    return result


def _show_outcome(outcome: tuple[str, Any] | None) -> None:
    """The success message or the error that is not about one field."""
    if outcome is None:
        return
    kind, payload = outcome
    if show_message(kind, payload):
        return
    if kind == "invalid" and payload.get(""):
        st.error(t("app.not_saved") + " " + payload[""])


def _field_error(outcome: tuple[str, Any] | None, field: str) -> None:
    """Under a field: what is wrong with it, when the last save was refused for it."""
    if outcome is not None and outcome[0] == "invalid" and field in outcome[1]:
        st.error(outcome[1][field])


def _actor() -> Actor:
    actor = current_actor()
    if actor is None:
        raise NotAllowed(Actor(None, "?"), "change")  # the app shows its pages only to someone signed in
    return actor


def _choose_pathway(pathway_id: int) -> None:
    """Make the pathway the page's choice (the selectbox and the address follow)."""
    st.session_state["pathway"] = pathway_id
    st.session_state["pathway_remembered"] = pathway_id


def _sector_box(label_text: str, key: str) -> None:
    st.selectbox(label_text, list(SECTORS), format_func=lambda s: label("sector", s), key=key)


def _unit_box(units: dict[int, str], key: str) -> None:
    none = t("pathway_forms.no_unit")
    st.selectbox(t("pathway_forms.step_unit"), [None, *units], format_func=lambda u: none if u is None else units[u],
                 key=key, help=t("pathway_forms.step_unit_help"))


# --- a new pathway ----------------------------------------------------------------------------

_NEW = {"name": "new-pathway-name", "description": "new-pathway-description"}


def _create_pathway() -> None:
    state = st.session_state
    created = _run("create", lambda: create_pathway(cursor(), _actor(), Pathway(
        name=state[_NEW["name"]], description=state[_NEW["description"]])),
        saved=lambda p: t("pathway_forms.pathway_created", name=plain(p.name, one_line=True)),
        invalid_fields=("name", "description"))
    if created is not None:
        _set_result("page", *_take_result("create"))  # shown at the top of the page, which opens the new pathway
        _choose_pathway(created.id)
        state[_NEW["name"]], state[_NEW["description"]] = "", ""


def create_pending() -> bool:
    """True when the last try to create a pathway was refused (its form should be open)."""
    return "create" in st.session_state.get(_RESULT, {})


def create_pathway_form(*, border: bool = True) -> None:
    """Name and description; the steps are added once it exists."""
    outcome = _take_result("create")
    with st.form("new-pathway", border=border):
        st.text_input(t("pathway_forms.pathway_name"), key=_NEW["name"], placeholder=t("pathway_forms.name_example"))
        _field_error(outcome, "name")
        st.text_area(t("pathway_forms.pathway_description"), key=_NEW["description"],
                     help=t("pathway_forms.description_help"))
        _field_error(outcome, "description")
        st.form_submit_button(t("pathway_forms.create_pathway"), type="primary", on_click=_create_pathway)
    _show_outcome(outcome)


def may(actor: Actor | None, action: str, pathway_id: int | None = None) -> bool:
    return actor is not None and can(actor, action, Scope(pathway_id=pathway_id))


# --- a pathway's name and description -----------------------------------------------------------

def _pathway_keys(pathway_id: int) -> dict[str, str]:
    return {"name": f"pathway-name-{pathway_id}", "description": f"pathway-description-{pathway_id}",
            "version": f"pathway-version-{pathway_id}"}


def _update_pathway(pathway: Pathway) -> None:
    keys, state = _pathway_keys(pathway.id), st.session_state
    saved = _run(f"pathway-{pathway.id}", lambda: update_pathway(cursor(), _actor(), Pathway(
        id=pathway.id, name=state[keys["name"]], description=state[keys["description"]],
        version=state[keys["version"]])),
        saved=lambda p: t("pathway_forms.pathway_saved", name=plain(p.name, one_line=True)),
        version_key=keys["version"], invalid_fields=("name", "description"))
    if saved is not None:
        state[keys["version"]] = saved.version


def edit_pathway_form(pathway: Pathway) -> None:
    keys = _pathway_keys(pathway.id)
    outcome = _take_result(f"pathway-{pathway.id}")
    state = st.session_state
    if keys["version"] not in state or (state[keys["version"]] < pathway.version and outcome is None):
        state[keys["name"]], state[keys["description"]] = pathway.name, pathway.description or ""
        state[keys["version"]] = pathway.version  # first view, or someone saved while the form sat unused
    with st.expander(t("pathway_forms.edit_pathway"), expanded=outcome is not None and outcome[0] != "saved"):
        with st.form(f"edit-pathway-{pathway.id}", border=False):
            st.text_input(t("pathway_forms.pathway_name"), key=keys["name"])
            _field_error(outcome, "name")
            st.text_area(t("pathway_forms.pathway_description"), key=keys["description"])
            _field_error(outcome, "description")
            st.form_submit_button(t("pathway_forms.save"), type="primary", on_click=_update_pathway, args=(pathway,))
        if outcome is None or outcome[0] != "saved":
            _show_outcome(outcome)
    if outcome is not None and outcome[0] == "saved":
        _show_outcome(outcome)


# --- archiving and restoring a pathway ---------------------------------------------------------

_CONFIRM_PATHWAY = "confirm-archive-pathway"


def _archive_pathway(pathway: Pathway) -> None:
    st.session_state.pop(_CONFIRM_PATHWAY, None)
    _run("page", lambda: archive_pathway(cursor(), _actor(), pathway.id),
         saved=t("pathway_forms.pathway_archived", name=plain(pathway.name, one_line=True)))
    st.session_state.pop("pathway", None)  # the page opens another pathway


def archive_pathway_button(pathway: Pathway) -> None:
    """Archive, after a question: the pathway leaves the lists; nothing is deleted."""
    if st.session_state.get(_CONFIRM_PATHWAY) == pathway.id:
        st.warning(t("pathway_forms.confirm_archive_pathway", name=plain(pathway.name, one_line=True)))
        left, right = st.columns(2)
        left.button(t("pathway_forms.yes_archive"), key="archive-pathway-yes", type="primary",
                    on_click=_archive_pathway, args=(pathway,))
        right.button(t("pathway_forms.cancel"), key="archive-pathway-no",
                     on_click=lambda: st.session_state.pop(_CONFIRM_PATHWAY, None))
    else:
        st.button(t("pathway_forms.archive_pathway"), key="archive-pathway",
                  on_click=lambda: st.session_state.__setitem__(_CONFIRM_PATHWAY, pathway.id))


def show_page_outcome() -> None:
    """What the last pathway-wide change came to (created, archived, restored): at the top of the page."""
    _show_outcome(_take_result("page"))


def _restore_pathway(pathway: Pathway) -> None:
    restored = _run("page", lambda: restore_pathway(cursor(), _actor(), pathway.id),
                    saved=t("pathway_forms.pathway_restored", name=plain(pathway.name, one_line=True)))
    if restored is not None:
        _choose_pathway(restored.id)


def archived_pathways(archived: list[Pathway]) -> None:
    """An "Archived" expander with a Restore button per pathway."""
    if not archived:
        return
    with st.expander(t("pathway_forms.archived_pathways", n=len(archived))):
        for pathway in archived:
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.markdown(plain(pathway.name, one_line=True))
            right.button(t("pathway_forms.restore"), key=f"restore-pathway-{pathway.id}",
                         on_click=_restore_pathway, args=(pathway,))


# --- the steps ---------------------------------------------------------------------------------

_EDITING_STEP = "editing-step"
_CONFIRM_STEP = "confirm-remove-step"


def _steps_area(pathway_id: int) -> str:
    return f"steps-{pathway_id}"


def _move(pathway: Pathway, step: PathwayStep, to: int) -> None:
    _run(_steps_area(pathway.id), lambda: move_pathway_step(cursor(), _actor(), pathway.id, step.id, to),
         saved=t("pathway_forms.step_moved", name=plain(step.name, one_line=True), position=to))


def _remove(pathway: Pathway, step: PathwayStep) -> None:
    st.session_state.pop(_CONFIRM_STEP, None)
    _run(_steps_area(pathway.id), lambda: archive_pathway_step(cursor(), _actor(), pathway.id, step.id),
         saved=t("pathway_forms.step_removed", name=plain(step.name, one_line=True)))


def _restore_step(pathway: Pathway, step: PathwayStep) -> None:
    _run(_steps_area(pathway.id), lambda: restore_pathway_step(cursor(), _actor(), pathway.id, step.id),
         saved=t("pathway_forms.step_restored", name=plain(step.name, one_line=True)))


def _step_keys(step_id: int) -> dict[str, str]:
    return {name: f"step-{name}-{step_id}" for name in ("name", "sector", "unit", "description", "version")}


def _update_step(pathway: Pathway, step: PathwayStep) -> None:
    keys, state = _step_keys(step.id), st.session_state
    saved = _run(f"step-{step.id}", lambda: update_pathway_step(cursor(), _actor(), pathway.id, PathwayStep(
        id=step.id, position=step.position, name=state[keys["name"]], sector=state[keys["sector"]],
        unit_id=state[keys["unit"]], description=state[keys["description"]], version=state[keys["version"]])),
        saved=t("pathway_forms.step_saved", name=plain(state[keys["name"]], one_line=True)),
        version_key=keys["version"], invalid_fields=("name", "sector", "unit_id", "description"))
    if saved is not None:
        state.pop(_EDITING_STEP, None)
        _set_result(_steps_area(pathway.id), *_take_result(f"step-{step.id}"))  # shown above the list
        state[keys["version"]] = next((s.version for s in saved.steps if s.id == step.id), step.version)


def _start_editing(step: PathwayStep) -> None:
    keys, state = _step_keys(step.id), st.session_state
    state[_EDITING_STEP] = step.id
    state.pop(_CONFIRM_STEP, None)
    if state.get(keys["version"]) != step.version or keys["name"] not in state:
        state[keys["name"]], state[keys["sector"]] = step.name, step.sector
        state[keys["unit"]], state[keys["description"]] = step.unit_id, step.description or ""
        state[keys["version"]] = step.version


def _edit_step_form(pathway: Pathway, step: PathwayStep, units: dict[int, str]) -> None:
    keys = _step_keys(step.id)
    outcome = _take_result(f"step-{step.id}")
    if st.session_state.get(keys["unit"]) not in (None, *units):
        st.session_state[keys["unit"]] = None  # the unit was archived meanwhile
    with st.form(f"edit-step-{step.id}"):
        st.text_input(t("pathway_forms.step_name"), key=keys["name"])
        _field_error(outcome, "name")
        _sector_box(t("pathway_forms.step_sector"), keys["sector"])
        _unit_box(units, keys["unit"])
        st.text_area(t("pathway_forms.step_description"), key=keys["description"])
        _field_error(outcome, "description")
        left, right = st.columns(2)
        left.form_submit_button(t("pathway_forms.save"), type="primary", on_click=_update_step, args=(pathway, step))
        right.form_submit_button(t("pathway_forms.cancel"),
                                 on_click=lambda: st.session_state.pop(_EDITING_STEP, None))
    _show_outcome(outcome)


def step_line(step: PathwayStep, units: dict[int, str]) -> str:
    """A step as the list shows it: "**2. Name** · unit · sector"."""
    parts = [f"**{step.position}. {plain(step.name, one_line=True)}**"]
    if step.unit_id in units:
        parts.append(plain(units[step.unit_id], one_line=True))
    parts.append(label("sector", step.sector))
    return " · ".join(parts)


def steps_list(pathway: Pathway, units: dict[int, str], *, editable: bool) -> None:
    """The steps in order, each with its unit, sector and what happens; with buttons to move,
    edit and remove it for those who may."""
    _show_outcome(_take_result(_steps_area(pathway.id)))
    if not pathway.steps:
        st.info(t("pathway_forms.no_steps_yet" if editable else "pathway_forms.no_steps_reader"))
        return
    last = len(pathway.steps)
    for step in pathway.steps:
        with st.container(border=True):
            st.markdown(step_line(step, units))
            if step.description:
                st.caption(plain(step.description))
            if not editable:
                continue
            row = st.container(horizontal=True, gap="small")
            row.button(t("pathway_forms.up"), key=f"step-up-{step.id}", icon=":material/arrow_upward:",
                       help=t("pathway_forms.move_up"), disabled=step.position == 1,
                       on_click=_move, args=(pathway, step, step.position - 1))
            row.button(t("pathway_forms.down"), key=f"step-down-{step.id}", icon=":material/arrow_downward:",
                       help=t("pathway_forms.move_down"), disabled=step.position == last,
                       on_click=_move, args=(pathway, step, step.position + 1))
            row.button(t("pathway_forms.edit"), key=f"step-edit-{step.id}", icon=":material/edit:",
                       on_click=_start_editing, args=(step,))
            row.button(t("pathway_forms.remove"), key=f"step-remove-{step.id}", icon=":material/delete:",
                       on_click=lambda s=step: (st.session_state.__setitem__(_CONFIRM_STEP, s.id),
                                                st.session_state.pop(_EDITING_STEP, None)))
            if st.session_state.get(_CONFIRM_STEP) == step.id:
                st.warning(t("pathway_forms.confirm_remove_step", name=plain(step.name, one_line=True)))
                yes, no = st.columns(2)
                yes.button(t("pathway_forms.yes_remove"), key=f"step-remove-yes-{step.id}", type="primary",
                           on_click=_remove, args=(pathway, step))
                no.button(t("pathway_forms.cancel"), key=f"step-remove-no-{step.id}",
                          on_click=lambda: st.session_state.pop(_CONFIRM_STEP, None))
            if st.session_state.get(_EDITING_STEP) == step.id:
                _edit_step_form(pathway, step, units)


def archived_steps_list(pathway: Pathway, archived: list[PathwayStep]) -> None:
    if not archived:
        return
    with st.expander(t("pathway_forms.archived_steps", n=len(archived))):
        for step in archived:
            left, right = st.columns([4, 1], vertical_alignment="center")
            left.markdown(plain(step.name, one_line=True))
            right.button(t("pathway_forms.restore"), key=f"restore-step-{step.id}",
                         on_click=_restore_step, args=(pathway, step))


def _new_step_keys(pathway_id: int) -> dict[str, str]:
    return {name: f"new-step-{name}-{pathway_id}" for name in ("name", "sector", "unit", "description", "place")}


def _add_step(pathway: Pathway) -> None:
    keys, state = _new_step_keys(pathway.id), st.session_state
    place = state[keys["place"]]
    position = len(pathway.steps) + 1 if place is None else place + 1  # None: at the end; 0: first
    saved = _run(f"new-step-{pathway.id}", lambda: add_pathway_step(cursor(), _actor(), pathway.id, PathwayStep(
        position=position, name=state[keys["name"]], sector=state[keys["sector"]], unit_id=state[keys["unit"]],
        description=state[keys["description"]])),
        saved=t("pathway_forms.step_added", name=plain(state[keys["name"]], one_line=True), position=position),
        invalid_fields=("name", "sector", "unit_id", "description"))
    if saved is not None:
        _set_result(_steps_area(pathway.id), *_take_result(f"new-step-{pathway.id}"))  # shown above the list
        state[keys["name"]], state[keys["description"]], state[keys["place"]] = "", "", None


def add_step_form(pathway: Pathway, units: dict[int, str]) -> None:
    """A new step at the end, first, or after any step."""
    keys = _new_step_keys(pathway.id)
    outcome = _take_result(f"new-step-{pathway.id}")
    if st.session_state.get(keys["unit"]) not in (None, *units):
        st.session_state[keys["unit"]] = None
    places = {None: t("pathway_forms.place_end"), 0: t("pathway_forms.place_first")} | {
        s.position: t("pathway_forms.place_after", position=s.position, name=s.name) for s in pathway.steps}
    if st.session_state.get(keys["place"]) not in places:
        st.session_state[keys["place"]] = None
    with st.expander(t("pathway_forms.add_step"), expanded=not pathway.steps or outcome is not None):
        with st.form(f"new-step-{pathway.id}", border=False):
            st.text_input(t("pathway_forms.step_name"), key=keys["name"], placeholder=t("pathway_forms.step_example"))
            _field_error(outcome, "name")
            _sector_box(t("pathway_forms.step_sector"), keys["sector"])
            _unit_box(units, keys["unit"])
            st.text_area(t("pathway_forms.step_description"), key=keys["description"],
                         help=t("pathway_forms.step_description_help"))
            _field_error(outcome, "description")
            st.selectbox(t("pathway_forms.place"), list(places), format_func=places.__getitem__, key=keys["place"])
            st.form_submit_button(t("pathway_forms.add_step_button"), type="primary", on_click=_add_step,
                                  args=(pathway,))
        _show_outcome(outcome)


# --- units -------------------------------------------------------------------------------------

_NEW_UNIT = {"name": "new-unit-name", "sector": "new-unit-sector"}
_UNIT_CHOICE = "unit-to-edit"


def _unit_keys(unit_id: int) -> dict[str, str]:
    return {name: f"unit-{name}-{unit_id}" for name in ("name", "sector", "version")}


def _add_unit() -> None:
    state = st.session_state
    created = _run("new-unit", lambda: add_unit(cursor(), _actor(), Unit(name=state[_NEW_UNIT["name"]],
                                                                         sector=state[_NEW_UNIT["sector"]])),
                   saved=lambda u: t("pathway_forms.unit_added", name=plain(u.name, one_line=True)),
                   invalid_fields=("name", "sector"))
    if created is not None:
        state[_NEW_UNIT["name"]] = ""


def _update_unit(unit: Unit) -> None:
    keys, state = _unit_keys(unit.id), st.session_state
    saved = _run("edit-unit", lambda: update_unit(cursor(), _actor(), Unit(
        id=unit.id, name=state[keys["name"]], sector=state[keys["sector"]], version=state[keys["version"]])),
        saved=lambda u: t("pathway_forms.unit_saved", name=plain(u.name, one_line=True)),
        version_key=keys["version"], invalid_fields=("name", "sector"))
    if saved is not None:
        state[keys["version"]] = saved.version


def units_section(units: list[Unit], *, may_add: bool, may_edit: bool) -> None:
    """An expander: the units the steps choose among, a form for a new one and one to edit one."""
    added, edited = _take_result("new-unit"), _take_result("edit-unit")
    opened = any(o is not None for o in (added, edited))
    with st.expander(t("pathway_forms.units_heading"), expanded=opened):
        st.caption(t("pathway_forms.units_purpose"))
        if may_add:
            with st.form("new-unit"):
                st.markdown(f"**{t('pathway_forms.new_unit')}**")
                st.text_input(t("pathway_forms.unit_name"), key=_NEW_UNIT["name"],
                              placeholder=t("pathway_forms.unit_example"))
                _field_error(added, "name")
                _sector_box(t("pathway_forms.unit_sector"), _NEW_UNIT["sector"])
                st.form_submit_button(t("pathway_forms.add_unit"), on_click=_add_unit)
            _show_outcome(added)
        if not units:
            st.info(t("pathway_forms.no_units"))
            return
        if not may_edit:
            st.markdown("\n".join(f"- {plain(u.name, one_line=True)} · {label('sector', u.sector)}" for u in units))
            return
        names = {u.id: u.name for u in units}
        if st.session_state.get(_UNIT_CHOICE) not in names:
            st.session_state[_UNIT_CHOICE] = units[0].id
        chosen_id = st.selectbox(t("pathway_forms.unit_to_edit"), list(names), format_func=names.__getitem__,
                                 key=_UNIT_CHOICE)
        unit = next(u for u in units if u.id == chosen_id)
        keys, state = _unit_keys(unit.id), st.session_state
        if keys["version"] not in state or (state[keys["version"]] < unit.version and edited is None):
            state[keys["name"]], state[keys["sector"]], state[keys["version"]] = unit.name, unit.sector, unit.version
        with st.form(f"edit-unit-{unit.id}"):
            st.text_input(t("pathway_forms.unit_name"), key=keys["name"])
            _field_error(edited, "name")
            _sector_box(t("pathway_forms.unit_sector"), keys["sector"])
            st.form_submit_button(t("pathway_forms.save"), on_click=_update_unit, args=(unit,))
        _show_outcome(edited)
