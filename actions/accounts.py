"""Accounts: signing in, and the administrators' actions on users, roles and identities.

Signing in is not an action on data (nobody is signed in yet), so it asks no permission;
it reads the account, checks the password against its Argon2 hash and counts failures in
the database, so every app server slows down the same guesses.
"""

from __future__ import annotations

from datetime import datetime

from actions.actor import Actor
from actions.perform import Cursor, perform
from pdsa.core.fields import refuse_cpr
from pdsa.core.passwords import hash_password, verify_password, wait_after_failures
from pdsa.store import users as store


class SignInRefused(Exception):
    """Wrong user name or password, a disabled account, or a try too soon after failures.

    ``wait_seconds`` is how long before the next try counts (0 when it may be tried at once).
    The message never says which of user name or password was wrong.
    """

    def __init__(self, reason: str, wait_seconds: float = 0.0):
        self.reason, self.wait_seconds = reason, wait_seconds
        super().__init__(reason)


def actor_for(cur: Cursor, user: store.User) -> Actor:
    """The acting person with their roles, their team roles per project and the pathways they
    are attached to as patient partner — what the permission matrix asks about."""
    return Actor(
        user_id=user.id, name=user.display_name, roles=user.roles,
        project_roles=store.project_roles(cur, user.id), attached_pathways=store.attached_pathways(cur, user.id),
    )


def _seconds_since(moment: datetime | None, now: datetime) -> float:
    return float("inf") if moment is None else (now - moment).total_seconds()


def sign_in(cur: Cursor, username: str, password: str, *, now: datetime, address: str | None = None) -> Actor:
    """The signed-in person, or :class:`SignInRefused`."""
    if address:
        failures, last = store.address_failures(cur, address)
        wait = wait_after_failures(failures) - _seconds_since(last, now)
        if wait > 0:
            raise SignInRefused("too_soon", wait)
    user = store.find_user(cur, username or "")
    if user is not None:
        wait = wait_after_failures(user.failed_sign_ins) - _seconds_since(user.last_failed_at, now)
        if wait > 0:
            raise SignInRefused("too_soon", wait)
    if user is None or not verify_password(store.password_hash(cur, user.id), password or ""):
        store.record_failed_sign_in(cur, user.id if user else None, address, now)
        failures = (user.failed_sign_ins + 1) if user else 0
        raise SignInRefused("wrong", wait_after_failures(failures))
    if user.disabled:
        raise SignInRefused("disabled")
    if user.failed_sign_ins or address:
        store.clear_failed_sign_ins(cur, user.id, address)
    return actor_for(cur, store.get_user(cur, user.id))


def sign_in_as_demo_user(cur: Cursor, username: str) -> Actor:
    """The demo's "sign in as" button: only demo users, only while the database carries the demo mark."""
    user = store.find_user(cur, username)
    if user is None or not store.has_mark(cur, store.DEMO_MARK) or not user.username.startswith("demo-"):
        raise SignInRefused("not_demo")
    if user.disabled:
        raise SignInRefused("disabled")
    return actor_for(cur, user)


def current_actor_again(cur: Cursor, user_id: int) -> Actor | None:
    """The signed-in person as the database says now (roles may have changed); None when the
    account was disabled or removed meanwhile."""
    try:
        user = store.get_user(cur, user_id)
    except LookupError:
        return None
    return None if user.disabled else actor_for(cur, user)


# --- administrators' actions -------------------------------------------------------------------

def create_user(cur: Cursor, actor: Actor, *, username: str, display_name: str, roles: set[str],
                password: str | None = None, email: str | None = None) -> store.User:
    username, display_name = (username or "").strip(), (display_name or "").strip()
    if not username or not display_name:
        raise ValueError("username: a user name and a display name are needed")
    refuse_cpr(username), refuse_cpr(display_name)
    hashed = hash_password(password) if password else None

    def change(c) -> store.User:
        if store.find_user(c, username) is not None:
            raise ValueError("username: that user name is taken")
        return store.get_user(c, store.add_user(c, username, display_name, password_hash=hashed, roles=set(roles),
                                                email=email))

    return perform(cur, actor, "create_user", change)


def set_user_password(cur: Cursor, actor: Actor, user_id: int, password: str) -> None:
    hashed = hash_password(password)
    perform(cur, actor, "set_user_password", lambda c: store.set_password_hash(c, user_id, hashed))


def set_user_roles(cur: Cursor, actor: Actor, user_id: int, roles: set[str]) -> store.User:
    def change(c) -> store.User:
        store.set_roles(c, user_id, set(roles))
        return store.get_user(c, user_id)

    return perform(cur, actor, "set_user_roles", change)


def disable_user(cur: Cursor, actor: Actor, user_id: int, disabled: bool = True) -> store.User:
    def change(c) -> store.User:
        store.set_disabled(c, user_id, disabled)
        return store.get_user(c, user_id)

    return perform(cur, actor, "disable_user", change)


def grant_identity(cur: Cursor, actor: Actor, issuer: str, subject: str, *, roles: set[str],
                   user_id: int | None = None) -> store.User:
    """Give a waiting single-sign-on identity access: link it to an existing user, or make one."""

    def change(c) -> store.User:
        identity = store.find_identity(c, issuer, subject)
        if identity is None:
            raise LookupError("the identity is not waiting for access")
        target = user_id
        if target is None:
            name = identity.display_name or identity.email or subject
            target = store.add_user(c, f"sso-{subject}"[:60], name, password_hash=None, roles=set(roles),
                                    email=identity.email)
        else:
            store.set_roles(c, target, set(roles) | set(store.get_user(c, target).roles))
        store.link_identity(c, issuer, subject, target)
        return store.get_user(c, target)

    return perform(cur, actor, "grant_identity", change)
