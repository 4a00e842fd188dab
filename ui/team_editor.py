"""A project's team, as a table, and for the project's lead: add, edit and remove members.

Each member may be linked to a user account; the link is what gives that person their rights
on the project (a lead may change the team; lead and members the driver diagram, measures and
cycles). The project's only lead is not removed and does not become something else: another
member is made lead first (the page says so before anyone tries, and the store refuses too).

Forms follow ui/measure_settings.py: stable keys, the save runs in the submit button's
``on_click``, its outcome is kept in session state and shown on the rerun next to the field
it is about; a stale edit says who saved first and keeps the input (a second Save saves over).
Removing asks first and archives; archived members are listed with a Restore button.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from actions import (
    NotAllowed,
    StaleEdit,
    add_team_member,
    can,
    remove_team_member,
    restore_team_member,
    update_team_member,
)
from actions.permissions import Scope
from pdsa.core.db import DatabaseError
from pdsa.core.vocabulary import SECTORS, TEAM_ROLES
from pdsa.models import Project, TeamMember
from pdsa.store.team import Refused, has_lead, list_team
from pdsa.store.users import list_users
from ui.errors import reason
from ui.format import fmt_datetime, label
from ui.plain import plain
from ui.state import cursor, t

# --- shared by the team and driver editors -------------------------------------------------------


@dataclass
class Outcome:
    """What the last save said: "saved" (a message), or field messages and a general one."""

    kind: str                                   # saved | failed
    message: str | None = None
    fields: dict[str, str] = field(default_factory=dict)


def refused_text(exc: Refused) -> str:
    values = {k: (plain(v, one_line=True) if isinstance(v, str)
                  else ", ".join(plain(x, one_line=True) for x in v) if isinstance(v, list) else v)
              for k, v in exc.values.items()}
    return t(f"team_forms.refused.{exc.code}", **values)


def run_save(state_key: str, save: Callable[[], str], *, version_key: str | None = None) -> None:
    """Run a save (which returns the success message) and keep its outcome under state_key.

    A bad field's message goes under its field; a stale edit keeps the input, and the form
    then names the version the other person saved (so a second Save saves over theirs)."""
    state = st.session_state
    try:
        state[state_key] = Outcome("saved", save())
    except ValidationError as exc:
        fields: dict[str, str] = {}
        general = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else (error.get("ctx") or {}).get("field")
            # an emptied required text is reported by pydantic as too_short ("at least 1 item")
            text = t("error.string_too_short") if error["type"] == "too_short" else reason(error)
            if name:
                fields.setdefault(name, text)
            else:
                general.append(text)
        state[state_key] = Outcome("failed", t("app.not_saved") + " " + " ".join(general) if general else None, fields)
    except Refused as exc:
        text = refused_text(exc)
        state[state_key] = Outcome("failed", None if exc.field else text, {exc.field: text} if exc.field else {})
    except StaleEdit as exc:
        if version_key:
            state[version_key] = exc.current_version
        state[state_key] = Outcome("failed", t("team_forms.changed_meanwhile", who=plain(exc.changed_by or "?"),
                                                when=fmt_datetime(exc.changed_at)))
    except NotAllowed:
        state[state_key] = Outcome("failed", t("app.not_allowed"))
    except DatabaseError as exc:
        from ui.state import database_error_text

        state[state_key] = Outcome("failed", database_error_text(exc))
    except (ValueError, LookupError) as exc:
        state[state_key] = Outcome("failed", t("team_forms.not_saved_reason", reason=plain(str(exc))))


def field_message(outcome: Outcome | None, name: str) -> None:
    """The message about one field, right under it."""
    if outcome is not None and outcome.kind == "failed" and name in outcome.fields:
        st.error(outcome.fields[name])


def general_message(outcome: Outcome | None) -> None:
    if outcome is None:
        return
    if outcome.kind == "saved":
        st.success(outcome.message)
    elif outcome.message:
        st.error(outcome.message)
    elif outcome.fields:
        st.error(t("app.not_saved") + " " + t("team_forms.see_fields"))


# --- the team -------------------------------------------------------------------------------

_FIELDS = ("name", "discipline", "sector", "role", "user_id")


def _add_keys(project_id: int) -> dict[str, str]:
    return {name: f"team-add-{project_id}-{name}" for name in _FIELDS}


def _edit_keys(member_id: int) -> dict[str, str]:
    return {name: f"team-edit-{member_id}-{name}" for name in (*_FIELDS, "version")}


def _outcome_key(project_id: int, what: str) -> str:
    return f"team-outcome-{project_id}-{what}"


def _confirm_key(project_id: int) -> str:
    return f"team-confirm-remove-{project_id}"


def _accounts(cur, linked: set[int]) -> dict[int | None, str]:
    """Active accounts by display name (and any account already linked, even if disabled)."""
    names: dict[int | None, str] = {None: t("team_forms.no_account")}
    for user in list_users(cur):
        if not user.disabled or user.id in linked:
            names[user.id] = " ".join(user.display_name.split()) + (  # an option: shown as typed
                f" ({t('team_forms.account_disabled')})" if user.disabled else "")
    return names


def _member_fields(keys: dict[str, str], accounts: dict[int | None, str], outcome: Outcome | None) -> None:
    st.text_input(t("team.name"), key=keys["name"])
    field_message(outcome, "name")
    st.text_input(t("team.discipline"), key=keys["discipline"], placeholder=t("team_forms.discipline_example"))
    field_message(outcome, "discipline")
    # format_func looks names up in a dict made now (it is also called outside the page's run)
    sectors = {s: label("sector", s) for s in SECTORS}
    st.selectbox(t("team.sector"), SECTORS, format_func=sectors.__getitem__, key=keys["sector"])
    field_message(outcome, "sector")
    roles = {r: label("team_role", r) for r in TEAM_ROLES}
    st.selectbox(t("team.role"), TEAM_ROLES, format_func=roles.__getitem__, key=keys["role"],
                 help=t("team_forms.role_help"))
    field_message(outcome, "role")
    st.selectbox(t("team_forms.account"), list(accounts), format_func=accounts.__getitem__, key=keys["user_id"],
                 help=t("team_forms.account_help"))
    field_message(outcome, "user_id")


def _typed(keys: dict[str, str]) -> dict:
    state = st.session_state
    return {name: state.get(keys[name]) for name in _FIELDS}


def _save_new(project_id: int) -> None:
    from ui.actor import current_actor

    keys = _add_keys(project_id)

    def save() -> str:
        member = TeamMember.model_validate(_typed(keys))
        add_team_member(cursor(), current_actor(), project_id, member)
        for name, default in (("name", ""), ("discipline", ""), ("sector", SECTORS[0]), ("role", "member"),
                              ("user_id", None)):
            st.session_state[keys[name]] = default
        return t("team_forms.added", name=plain(member.name, one_line=True))

    run_save(_outcome_key(project_id, "add"), save)


def _save_edit(project_id: int, member_id: int) -> None:
    from ui.actor import current_actor

    keys = _edit_keys(member_id)

    def save() -> str:
        member = TeamMember.model_validate({**_typed(keys), "id": member_id, "version": st.session_state[keys["version"]]})
        saved = update_team_member(cursor(), current_actor(), member)
        st.session_state[keys["version"]] = saved.version
        return t("team_forms.saved", name=plain(saved.name, one_line=True))

    run_save(_outcome_key(project_id, "edit"), save, version_key=keys["version"])


def _remove(project_id: int, member: TeamMember) -> None:
    from ui.actor import current_actor

    st.session_state.pop(_confirm_key(project_id), None)

    def save() -> str:
        remove_team_member(cursor(), current_actor(), member.id, expected_version=member.version)
        return t("team_forms.removed", name=plain(member.name, one_line=True))

    run_save(_outcome_key(project_id, "edit"), save)


def _restore(project_id: int, member: TeamMember) -> None:
    from ui.actor import current_actor

    def save() -> str:
        restore_team_member(cursor(), current_actor(), member.id)
        return t("team_forms.restored", name=plain(member.name, one_line=True))

    run_save(_outcome_key(project_id, "archive"), save)


def _fill_edit_form(member: TeamMember, outcome: Outcome | None) -> None:
    """Show the stored member: the first time, and when someone saved while the form sat
    unused (after a refused save the user's input stays)."""
    keys = _edit_keys(member.id)
    state = st.session_state
    shown = state.get(keys["version"])
    # again when Streamlit dropped the form's values while it was not drawn (another member chosen,
    # another tab open: the project page draws only the open tab)
    if shown is None or (shown < member.version and outcome is None) or keys["name"] not in state:
        for name in _FIELDS:
            state[keys[name]] = getattr(member, name) or ("" if name in ("name", "discipline") else None)
        state[keys["version"]] = member.version


def _table(cur, members: list[TeamMember]) -> None:
    accounts = {u.id: u.display_name for u in list_users(cur)}
    st.dataframe(
        pd.DataFrame({
            t("team.name"): [m.name for m in members],
            t("team.discipline"): [m.discipline or "–" for m in members],
            t("team.sector"): [label("sector", m.sector) for m in members],
            t("team.role"): [label("team_role", m.role) for m in members],
            t("team_forms.account"): [accounts.get(m.user_id, "–") if m.user_id else "–" for m in members],
        }),
        hide_index=True, width="stretch",
    )


def team_editor(cur, actor, project: Project) -> None:
    """The team table; for the project's lead (and administrators) the forms that change it."""
    scope = Scope(project_id=project.id)
    members = list_team(cur, project.id)
    may_add = actor is not None and can(actor, "add_team_member", scope)
    may_edit = actor is not None and can(actor, "update_team_member", scope)
    may_remove = actor is not None and can(actor, "remove_team_member", scope)
    if members:
        _table(cur, members)
    else:
        st.info(t("team_forms.empty") if may_add else t("team.empty"))
    if not has_lead(cur, project.id):
        st.warning(t("team_forms.no_lead_admin") if may_add else t("team_forms.no_lead"))
    elif may_add and not any(m.role == "lead" and m.user_id for m in members):
        st.caption(t("team_forms.lead_without_account"))  # only an administrator can change this team
    if not (may_add or may_edit or may_remove):
        if members:
            st.caption(t("team_forms.only_lead"))
        return

    accounts = _accounts(cur, {m.user_id for m in members if m.user_id})
    if may_add:
        outcome = st.session_state.pop(_outcome_key(project.id, "add"), None)
        keys = _add_keys(project.id)
        st.session_state.setdefault(keys["role"], "lead" if not members else "member")
        with st.expander(t("team_forms.add_heading"), expanded=not members or (outcome is not None
                                                                           and outcome.kind == "failed")):
            with st.form(f"team-add-{project.id}", border=False):
                _member_fields(keys, accounts, outcome)
                st.form_submit_button(t("team_forms.add"), type="primary", on_click=_save_new, args=(project.id,),
                                      key=f"team-add-{project.id}-submit")
            if outcome is not None and outcome.kind == "failed":
                general_message(outcome)
        if outcome is not None and outcome.kind == "saved":
            st.success(outcome.message)

    if members and (may_edit or may_remove):
        _edit_section(project, members, accounts, may_edit, may_remove)
    _archived_section(cur, project, may_remove)


def _edit_section(project: Project, members: list[TeamMember], accounts: dict, may_edit: bool, may_remove: bool) -> None:
    st.markdown(f"##### {t('team_forms.edit_heading')}")
    outcome = st.session_state.pop(_outcome_key(project.id, "edit"), None)
    by_id = {m.id: m for m in members}
    choice_key = f"team-edit-choice-{project.id}"
    if st.session_state.get(choice_key) not in by_id:
        st.session_state.pop(choice_key, None)
    names = {m.id: f"{' '.join(m.name.split())} · {label('team_role', m.role)}" for m in members}  # options: as typed
    chosen = st.selectbox(t("team_forms.choose_member"), list(by_id), format_func=names.__getitem__, key=choice_key)
    member = by_id[chosen]
    keys = _edit_keys(member.id)
    _fill_edit_form(member, outcome)
    only_lead = member.role == "lead" and sum(m.role == "lead" for m in members) == 1
    if may_edit:
        with st.form(f"team-edit-{member.id}", border=False):
            _member_fields(keys, {**accounts, **({member.user_id: accounts.get(member.user_id, "–")}
                                                  if member.user_id and member.user_id not in accounts else {})},
                           outcome)
            if only_lead:
                st.caption(t("team_forms.only_lead_role", name=plain(member.name, one_line=True)))
            st.form_submit_button(t("team_forms.save"), type="primary", on_click=_save_edit,
                                  args=(project.id, member.id), key=f"team-edit-{member.id}-submit")
    if may_remove:
        confirm = st.session_state.get(_confirm_key(project.id)) == member.id
        if only_lead:
            st.caption(t("team_forms.only_lead_remove", name=plain(member.name, one_line=True)))
        elif confirm:
            st.warning(t("team_forms.confirm_remove", name=plain(member.name, one_line=True))
                       + (" " + t("team_forms.confirm_remove_linked") if member.user_id else ""))
            yes, no = st.columns(2)
            yes.button(t("team_forms.yes_remove"), type="primary", key=f"team-remove-yes-{member.id}",
                       on_click=_remove, args=(project.id, member))
            no.button(t("team_forms.cancel"), key=f"team-remove-no-{member.id}",
                      on_click=lambda: st.session_state.pop(_confirm_key(project.id), None))
        else:
            st.button(t("team_forms.remove"), key=f"team-remove-{member.id}",
                      on_click=lambda: st.session_state.__setitem__(_confirm_key(project.id), member.id))
    general_message(outcome)


def _archived_section(cur, project: Project, may_restore: bool) -> None:
    removed = [m for m in list_team(cur, project.id, include_archived=True) if m.archived]
    outcome = st.session_state.pop(_outcome_key(project.id, "archive"), None)
    if not removed and outcome is None:
        return
    with st.expander(t("team_forms.archived_heading", count=len(removed)), expanded=outcome is not None):
        for member in removed:
            cols = st.columns([4, 1])
            cols[0].markdown(f"{plain(member.name, one_line=True)} · {label('team_role', member.role)}")
            if may_restore:
                cols[1].button(t("team_forms.restore"), key=f"team-restore-{member.id}", on_click=_restore,
                               args=(project.id, member))
        general_message(outcome)
