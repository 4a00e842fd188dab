"""Signing in: who the person in this browser session is, and the page that asks them.

Local accounts sign in with a user name and password (Argon2 hashes, failures counted in the
database). With an ``[auth]`` section in ``.streamlit/secrets.toml`` the app signs in with
OpenID Connect through ``st.login`` and maps the verified identity (issuer + subject) to a
user. Streamlit cannot set cookies of its own, so a local sign-in lasts for the browser
session: a reload asks again. The query parameters stay in the address, so a deep link still
opens after signing in. A session ends after ``PDSA_IDLE_MINUTES`` (default 60) idle minutes.
"""

from __future__ import annotations

import os
import time
from datetime import datetime

import streamlit as st

from actions.accounts import (
    SignInRefused,
    create_user,
    current_actor_again,
    sign_in,
    sign_in_as_demo_user,
)
from actions.actor import Actor
from pdsa.store import users as user_store
from ui.state import cursor, database, t

SIGNED_IN = "signed_in_user_id"
LAST_SEEN = "signed_in_last_seen"
NOTICE = "sign_in_notice"
SETUP_ACTOR = Actor(user_id=None, name="first start (setup code)", roles=frozenset({"administrator"}))


def idle_minutes() -> float:
    try:
        return float(os.environ.get("PDSA_IDLE_MINUTES", "60"))
    except ValueError:
        return 60.0


def sso_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def _trusted_address() -> str | None:
    """The client's address, only from the proxy header an administrator named (PDSA_TRUSTED_PROXY_HEADER)."""
    header = os.environ.get("PDSA_TRUSTED_PROXY_HEADER")
    if not header:
        return None
    value = st.context.headers.get(header)
    return value.split(",")[0].strip() if value else None


def sign_out(notice: str | None = None) -> None:
    for key in (SIGNED_IN, LAST_SEEN):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE] = notice


def _user_from_sso(cur) -> int | None:
    """The user a verified single-sign-on identity belongs to; an unknown one waits for access."""
    if not sso_configured() or not getattr(st.user, "is_logged_in", False):
        return None
    issuer, subject = st.user.get("iss"), st.user.get("sub")
    if not issuer or not subject:
        return None
    identity = user_store.find_identity(cur, issuer, subject)
    if identity is None:
        user_store.add_waiting_identity(cur, issuer, subject, st.user.get("name"), st.user.get("email"))
        return None
    return identity.user_id


def signed_in_actor() -> Actor | None:
    """The signed-in person as the database says now, or None (then the sign-in page shows)."""
    cur = cursor()
    user_id = st.session_state.get(SIGNED_IN)
    if user_id is None:
        user_id = _user_from_sso(cur)
        if user_id is not None:
            st.session_state[SIGNED_IN] = user_id
    if user_id is None:
        return None
    last_seen, now = st.session_state.get(LAST_SEEN), time.time()
    if last_seen is not None and now - last_seen > idle_minutes() * 60:
        sign_out("signin.expired")
        return None
    actor = current_actor_again(cur, user_id)
    if actor is None or (_is_demo_user(cur, user_id) and not user_store.has_mark(cur, user_store.DEMO_MARK)):
        sign_out("signin.no_longer")
        return None
    st.session_state[LAST_SEEN] = now
    return actor


def _is_demo_user(cur, user_id: int) -> bool:
    return user_store.get_user(cur, user_id).username.startswith("demo-")


# --- the sign-in page ---------------------------------------------------------------------------

def _local_sign_in() -> None:
    state = st.session_state
    try:
        actor = sign_in(cursor(), state.get("signin_username", ""), state.get("signin_password", ""),
                        now=datetime.now(), address=_trusted_address())
    except SignInRefused as refused:
        wait = round(refused.wait_seconds)
        state[NOTICE] = ("signin.too_soon", wait) if refused.reason == "too_soon" else (
            ("signin.disabled", 0) if refused.reason == "disabled" else ("signin.wrong", wait))
        return
    finally:
        state["signin_password"] = ""  # never kept in the session
    state[SIGNED_IN], state[LAST_SEEN] = actor.user_id, time.time()


def _demo_sign_in(username: str) -> None:
    try:
        actor = sign_in_as_demo_user(cursor(), username)
    except SignInRefused:
        st.session_state[NOTICE] = ("signin.wrong", 0)
        return
    st.session_state[SIGNED_IN], st.session_state[LAST_SEEN] = actor.user_id, time.time()


def _first_administrator() -> None:
    state = st.session_state
    code = database().setup_code
    if not code or state.get("setup_code", "").strip() != code:
        state[NOTICE] = ("signin.setup_code_wrong", 0)
        return
    if state.get("setup_password") != state.get("setup_password_again"):
        state[NOTICE] = ("signin.passwords_differ", 0)
        return
    cur = cursor()
    if user_store.list_users(cur):
        state[NOTICE] = ("signin.setup_done", 0)
        return
    try:
        user = create_user(cur, SETUP_ACTOR, username=state.get("setup_username", ""),
                           display_name=state.get("setup_name", ""), roles={"administrator"},
                           password=state.get("setup_password", ""))
    except ValueError as exc:
        state[NOTICE] = ("signin.setup_invalid", str(exc).split(":", 1)[-1].strip())
        return
    finally:
        state["setup_password"] = state["setup_password_again"] = ""
    database().setup_code = None  # used once
    state[SIGNED_IN], state[LAST_SEEN] = user.id, time.time()


def _notice() -> None:
    notice = st.session_state.pop(NOTICE, None)
    if notice is None:
        return
    key, value = notice if isinstance(notice, tuple) else (notice, 0)
    if key == "signin.setup_invalid":
        st.error(t(key, reason=value))
    elif key in ("signin.wrong", "signin.too_soon") and value:
        st.error(t("signin.wrong") + " " + t("signin.wait", seconds=value))
    else:
        st.error(t(key)) if key != "signin.expired" else st.info(t(key))


def sign_in_page() -> None:
    """Everything someone who is not signed in may see: how to sign in, nothing else."""
    cur = cursor()
    st.title(t("signin.title"))
    _notice()
    users = user_store.list_users(cur)
    demo = user_store.has_mark(cur, user_store.DEMO_MARK)
    if demo:
        st.warning(t("signin.demo_banner"))
        st.subheader(t("signin.demo_heading"))
        for user in [u for u in users if u.username.startswith("demo-") and not u.disabled]:
            roles = ", ".join(t(f"user_role.{r}") for r in sorted(user.roles))
            st.button(t("signin.sign_in_as", name=user.display_name, roles=roles), key=f"demo-{user.username}",
                      on_click=_demo_sign_in, args=(user.username,))
    if sso_configured():
        st.button(t("signin.sso"), on_click=st.login, type="primary")
        if getattr(st.user, "is_logged_in", False):
            st.info(t("signin.waiting_for_access"))
    if not users:
        st.info(t("signin.first_start"))
        with st.form("first-administrator"):
            st.text_input(t("signin.setup_code"), key="setup_code", help=t("signin.setup_code_help"))
            st.text_input(t("signin.username"), key="setup_username")
            st.text_input(t("signin.display_name"), key="setup_name")
            st.text_input(t("signin.password"), key="setup_password", type="password")
            st.text_input(t("signin.password_again"), key="setup_password_again", type="password")
            st.form_submit_button(t("signin.create_administrator"), on_click=_first_administrator, type="primary")
        return
    with st.form("sign-in"):
        st.text_input(t("signin.username"), key="signin_username")
        st.text_input(t("signin.password"), key="signin_password", type="password")
        st.form_submit_button(t("signin.sign_in"), on_click=_local_sign_in, type="primary")
    st.caption(t("signin.reload_note"))
