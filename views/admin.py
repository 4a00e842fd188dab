"""Administration: people and their roles, identities waiting for access, and a backup."""

import io
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st

from actions import NotAllowed, create_user, disable_user, grant_identity, set_user_roles
from pdsa.core.backup import backup
from pdsa.core.vocabulary import USER_ROLES
from pdsa.store.users import list_users, waiting_identities
from ui.actor import current_actor
from ui.format import fmt_datetime
from ui.state import cursor, t

st.title(t("admin.title"))
st.caption(t("admin.purpose"))

actor = current_actor()
if actor is None or "administrator" not in actor.roles:
    st.info(t("admin.only_administrators"))
    st.stop()

cur = cursor()
role_names = {role: t(f"user_role.{role}") for role in USER_ROLES}


def _done(key: str) -> None:
    st.session_state["admin_notice"] = ("success", t(key))


def _refused(exc: Exception) -> None:
    text = t("app.not_allowed") if isinstance(exc, NotAllowed) else t("admin.not_saved", reason=str(exc).split(":", 1)[-1].strip())
    st.session_state["admin_notice"] = ("error", text)


def _save_roles(user_id: int, key: str) -> None:
    try:
        set_user_roles(cursor(), current_actor(), user_id, set(st.session_state[key]))
        _done("admin.roles_saved")
    except (NotAllowed, ValueError, LookupError) as exc:
        _refused(exc)


def _toggle(user_id: int, disabled: bool) -> None:
    try:
        disable_user(cursor(), current_actor(), user_id, disabled)
        _done("admin.closed" if disabled else "admin.opened")
    except (NotAllowed, ValueError, LookupError) as exc:
        _refused(exc)


def _add_user() -> None:
    state = st.session_state
    try:
        create_user(cursor(), current_actor(), username=state.get("new_username", ""),
                    display_name=state.get("new_name", ""), roles=set(state.get("new_roles", [])),
                    password=state.get("new_password") or None)
        _done("admin.user_added")
    except (NotAllowed, ValueError) as exc:
        _refused(exc)
    finally:
        state["new_password"] = ""


def _grant(issuer: str, subject: str, key: str) -> None:
    try:
        grant_identity(cursor(), current_actor(), issuer, subject, roles=set(st.session_state[key]))
        _done("admin.granted")
    except (NotAllowed, ValueError, LookupError) as exc:
        _refused(exc)


notice = st.session_state.pop("admin_notice", None)
if notice:
    (st.success if notice[0] == "success" else st.error)(notice[1])

st.subheader(t("admin.users_heading"))
for user in list_users(cur):
    with st.container(border=True):
        left, middle, right = st.columns([2, 3, 1])
        left.text(f"{user.display_name}\n{user.username}")
        if user.disabled:
            left.caption(t("admin.is_closed"))
        key = f"roles-{user.id}"
        middle.multiselect(t("admin.roles"), list(role_names), default=sorted(user.roles),
                           format_func=role_names.__getitem__, key=key, on_change=_save_roles, args=(user.id, key))
        if user.id != actor.user_id:
            right.button(t("admin.open") if user.disabled else t("admin.close"), key=f"toggle-{user.id}",
                         on_click=_toggle, args=(user.id, not user.disabled))

with st.expander(t("admin.add_heading")):
    with st.form("add-user"):
        st.text_input(t("signin.username"), key="new_username")
        st.text_input(t("signin.display_name"), key="new_name")
        st.multiselect(t("admin.roles"), list(role_names), format_func=role_names.__getitem__, key="new_roles")
        st.text_input(t("admin.password_optional"), key="new_password", type="password",
                      help=t("admin.password_help"))
        st.form_submit_button(t("admin.add"), on_click=_add_user, type="primary")

st.subheader(t("admin.waiting_heading"))
waiting = waiting_identities(cur)
if not waiting:
    st.caption(t("admin.nobody_waiting"))
for identity in waiting:
    with st.container(border=True):
        st.text(f"{identity.display_name or '–'} · {identity.email or '–'} · {fmt_datetime(identity.first_seen)}")
        key = f"grant-{identity.issuer}-{identity.subject}"
        st.multiselect(t("admin.roles"), list(role_names), format_func=role_names.__getitem__, key=key)
        st.button(t("admin.grant"), key=f"{key}-button", on_click=_grant, args=(identity.issuer, identity.subject, key))

st.subheader(t("admin.backup_heading"))
st.caption(t("admin.backup_purpose"))
if st.button(t("admin.make_backup")):
    with st.spinner(t("admin.making_backup")), tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "backup"
        backup(cur, target)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(target.iterdir()):
                archive.write(file, arcname=f"pdsa-backup/{file.name}")
    st.download_button(t("admin.download_backup"), buffer.getvalue(),
                       file_name=f"pdsa-backup-{datetime.now():%Y-%m-%d-%H%M}.zip", mime="application/zip")

st.subheader(t("admin.people_heading"))
st.dataframe(pd.DataFrame({
    t("signin.display_name"): [u.display_name for u in list_users(cur)],
    t("admin.roles"): [", ".join(role_names[r] for r in sorted(u.roles)) for u in list_users(cur)],
}), hide_index=True, width="stretch")
