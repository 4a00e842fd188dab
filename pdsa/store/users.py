"""People who sign in: accounts, their roles, single-sign-on identities, failed sign-ins, and
the marks a database carries (the demo mark).

A person's rights on a project come from the team list (team_member.user_id), read here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from pdsa.core.audit import insert_audited, record_event, update_audited
from pdsa.core.db import fetch_records, write
from pdsa.core.vocabulary import USER_ROLES

DEMO_MARK = "demo"


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str
    email: str | None
    disabled: bool
    failed_sign_ins: int
    last_failed_at: datetime | None
    version: int
    roles: frozenset[str] = field(default_factory=frozenset)
    has_password: bool = False


_USER_COLUMNS = ("id, username, display_name, email, disabled, failed_sign_ins, last_failed_at, version,"
                 " password_hash IS NOT NULL AS has_password")


def _users(cur, where: str = "", params: list | None = None) -> list[User]:
    rows = fetch_records(cur, f"SELECT {_USER_COLUMNS} FROM app_user {where} ORDER BY display_name, id", params)
    roles: dict[int, set[str]] = {}
    for user_id, role in cur.execute("SELECT user_id, role FROM app_user_role").fetchall():
        roles.setdefault(user_id, set()).add(role)
    return [User(**r, roles=frozenset(roles.get(r["id"], ()))) for r in rows]


def list_users(cur) -> list[User]:
    return _users(cur)


def get_user(cur, user_id: int) -> User:
    found = _users(cur, "WHERE id = ?", [user_id])
    if not found:
        raise LookupError(f"user {user_id} does not exist")
    return found[0]


def find_user(cur, username: str) -> User | None:
    found = _users(cur, "WHERE lower(username) = lower(?)", [username.strip()])
    return found[0] if found else None


def password_hash(cur, user_id: int) -> str | None:
    row = cur.execute("SELECT password_hash FROM app_user WHERE id = ?", [user_id]).fetchone()
    return row[0] if row else None


def add_user(cur, username: str, display_name: str, *, password_hash: str | None, roles: set[str],
             email: str | None = None) -> int:
    def change(c) -> int:
        user_id = insert_audited(c, "app_user", {
            "username": username, "display_name": display_name, "email": email, "password_hash": password_hash,
        })
        set_roles(c, user_id, roles)
        return user_id

    return write(cur, change)


def set_roles(cur, user_id: int, roles: set[str]) -> None:
    unknown = set(roles) - set(USER_ROLES)
    if unknown:
        raise ValueError(f"roles: unknown role {sorted(unknown)[0]!r}")

    def change(c) -> None:
        before = sorted(r[0] for r in c.execute("SELECT role FROM app_user_role WHERE user_id = ?", [user_id]).fetchall())
        if before == sorted(roles):
            return
        c.execute("DELETE FROM app_user_role WHERE user_id = ?", [user_id])
        for role in sorted(roles):
            c.execute("INSERT INTO app_user_role (user_id, role) VALUES (?, ?)", [user_id, role])
        record_event(c, entity="app_user", entity_id=user_id, action="update",
                     before={"roles": before}, after={"roles": sorted(roles)})

    write(cur, change)


def set_password_hash(cur, user_id: int, new_hash: str) -> None:
    """The hash is recorded as changed, never its value."""

    def change(c) -> None:
        c.execute("UPDATE app_user SET password_hash = ?, failed_sign_ins = 0, version = version + 1 WHERE id = ?",
                  [new_hash, user_id])
        record_event(c, entity="app_user", entity_id=user_id, action="update", after={"password": "changed"})

    write(cur, change)


def set_disabled(cur, user_id: int, disabled: bool) -> None:
    write(cur, lambda c: update_audited(c, "app_user", user_id, {"disabled": disabled}))


def record_failed_sign_in(cur, user_id: int | None, address: str | None, now: datetime) -> None:
    """Counted outside any action's audit trail (a failed sign-in changes nothing of substance),
    in the database so that every app server sees it."""

    def change(c) -> None:
        if user_id is not None:
            c.execute("UPDATE app_user SET failed_sign_ins = failed_sign_ins + 1, last_failed_at = ? WHERE id = ?",
                      [now, user_id])
        if address:
            c.execute(
                "INSERT INTO sign_in_failure (address, failures, last_failed_at) VALUES (?, 1, ?)"
                " ON CONFLICT (address) DO UPDATE SET failures = sign_in_failure.failures + 1,"
                " last_failed_at = excluded.last_failed_at",
                [address, now],
            )

    write(cur, change)


def clear_failed_sign_ins(cur, user_id: int, address: str | None) -> None:
    def change(c) -> None:
        c.execute("UPDATE app_user SET failed_sign_ins = 0 WHERE id = ? AND failed_sign_ins <> 0", [user_id])
        if address:
            c.execute("DELETE FROM sign_in_failure WHERE address = ?", [address])

    write(cur, change)


def address_failures(cur, address: str) -> tuple[int, datetime | None]:
    row = cur.execute("SELECT failures, last_failed_at FROM sign_in_failure WHERE address = ?", [address]).fetchone()
    return (row[0], row[1]) if row else (0, None)


# --- single sign-on identities ---------------------------------------------------------------

@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    user_id: int | None
    display_name: str | None
    email: str | None
    first_seen: datetime


def find_identity(cur, issuer: str, subject: str) -> Identity | None:
    rows = fetch_records(cur, "SELECT issuer, subject, user_id, display_name, email, first_seen FROM app_user_identity"
                              " WHERE issuer = ? AND subject = ?", [issuer, subject])
    return Identity(**rows[0]) if rows else None


def add_waiting_identity(cur, issuer: str, subject: str, display_name: str | None, email: str | None) -> None:
    write(cur, lambda c: c.execute(
        "INSERT INTO app_user_identity (issuer, subject, display_name, email) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (issuer, subject) DO NOTHING", [issuer, subject, display_name, email]))


def waiting_identities(cur) -> list[Identity]:
    rows = fetch_records(cur, "SELECT issuer, subject, user_id, display_name, email, first_seen FROM app_user_identity"
                              " WHERE user_id IS NULL ORDER BY first_seen")
    return [Identity(**r) for r in rows]


def link_identity(cur, issuer: str, subject: str, user_id: int) -> None:
    def change(c) -> None:
        c.execute("UPDATE app_user_identity SET user_id = ? WHERE issuer = ? AND subject = ?", [user_id, issuer, subject])
        record_event(c, entity="app_user", entity_id=user_id, action="update",
                     after={"identity": f"{issuer} {subject}"})

    write(cur, change)


# --- what a person is on the projects --------------------------------------------------------

def project_roles(cur, user_id: int) -> dict[int, frozenset[str]]:
    """project id -> the person's team roles there (lead, member, patient_partner, sponsor)."""
    roles: dict[int, set[str]] = {}
    for project_id, role in cur.execute(
        "SELECT t.project_id, t.role FROM team_member t JOIN project p ON p.id = t.project_id"
        " WHERE t.user_id = ? AND NOT t.archived AND NOT p.archived", [user_id]
    ).fetchall():
        roles.setdefault(project_id, set()).add(role)
    return {project_id: frozenset(r) for project_id, r in roles.items()}


def attached_pathways(cur, user_id: int) -> frozenset[int]:
    """The pathways of the projects where the person is the patient partner."""
    rows = cur.execute(
        "SELECT DISTINCT p.pathway_id FROM team_member t JOIN project p ON p.id = t.project_id"
        " WHERE t.user_id = ? AND t.role = 'patient_partner' AND NOT t.archived", [user_id]
    ).fetchall()
    return frozenset(r[0] for r in rows)


# --- marks ------------------------------------------------------------------------------------

def has_mark(cur, name: str) -> bool:
    return cur.execute("SELECT count(*) FROM database_mark WHERE name = ?", [name]).fetchone()[0] > 0


def set_mark(cur, name: str, value: str | None = None) -> None:
    write(cur, lambda c: c.execute(
        "INSERT INTO database_mark (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [name, value]))
