"""A project's team edited: a member's details and user account, removal (archive) and restore.

Adding a member lives with the project (pdsa.store.projects.add_team_member). The rule that
keeps a team manageable is checked here, where every caller meets it: the last lead cannot
be removed or made something else — the lead is who may change the team, so a project
without one could only be fixed by an administrator. Make someone else lead first.
"""

from __future__ import annotations

import duckdb

from pdsa.core.audit import update_audited
from pdsa.core.db import fetch_records, write
from pdsa.models import TeamMember

Cursor = duckdb.DuckDBPyConnection

_COLUMNS = "id, name, discipline, sector, role, user_id, position, version, archived"


class Refused(ValueError):
    """The store refuses a change for a reason the user can act on.

    ``code`` names the sentence in the catalogue (``team_forms.refused.<code>``), ``values``
    fill it in (names typed by users: the page escapes them); ``field`` is the form field the
    sentence belongs next to, when there is one.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None, **values: object):
        super().__init__(f"{field}: {message}" if field else message)
        self.code, self.field, self.values = code, field, values


def list_team(cur: Cursor, project_id: int, *, include_archived: bool = False) -> list[TeamMember]:
    """The project's team in its order; archived members only when asked."""
    rows = fetch_records(
        cur,
        f"SELECT {_COLUMNS} FROM team_member WHERE project_id = ? AND (CAST(? AS BOOLEAN) OR NOT archived) ORDER BY position, id",
        [project_id, include_archived],
    )
    return [TeamMember(**r) for r in rows]


def get_team_member(cur: Cursor, member_id: int) -> TeamMember:
    rows = fetch_records(cur, f"SELECT {_COLUMNS} FROM team_member WHERE id = ?", [member_id])
    if not rows:
        raise LookupError(f"team member {member_id} does not exist")
    return TeamMember(**rows[0])


def team_member_project(cur: Cursor, member_id: int) -> int:
    row = cur.execute("SELECT project_id FROM team_member WHERE id = ?", [member_id]).fetchone()
    if row is None:
        raise LookupError(f"team member {member_id} does not exist")
    return row[0]


def _other_leads(cur: Cursor, project_id: int, member_id: int) -> int:
    return cur.execute(
        "SELECT count(*) FROM team_member WHERE project_id = ? AND id <> ? AND role = 'lead' AND NOT archived",
        [project_id, member_id],
    ).fetchone()[0]


def _check_user(cur: Cursor, user_id: int | None) -> None:
    if user_id is None:
        return
    row = cur.execute("SELECT disabled FROM app_user WHERE id = ?", [user_id]).fetchone()
    if row is None:
        raise Refused("no_such_user", "the user account does not exist", field="user_id")
    if row[0]:
        raise Refused("user_disabled", "the user account is disabled", field="user_id")


def _check_user_once(cur: Cursor, project_id: int, member_id: int | None, user_id: int | None) -> None:
    """One account is one person: it is linked to one member of a team at most."""
    if user_id is None:
        return
    row = cur.execute(
        "SELECT name FROM team_member WHERE project_id = ? AND user_id = ? AND NOT archived"
        " AND (CAST(? AS INTEGER) IS NULL OR id <> ?)",
        [project_id, user_id, member_id, member_id],
    ).fetchone()
    if row is not None:
        raise Refused("user_already_in_team", "the account is already linked to another member of this team",
                      field="user_id", name=row[0])


def check_new_member(cur: Cursor, project_id: int, member: TeamMember) -> None:
    """What adding a member must respect beyond the model: a usable account, linked once."""
    _check_user(cur, member.user_id)
    _check_user_once(cur, project_id, None, member.user_id)


def update_team_member(cur: Cursor, member: TeamMember) -> None:
    """Save a member's name, discipline, sector, role and account. ``member.version`` is the
    version the user saw: a member changed since raises StaleEdit."""

    def change(c: Cursor) -> None:
        project_id = team_member_project(c, member.id)
        current = get_team_member(c, member.id)
        if current.archived:
            raise Refused("member_archived", "the member was removed from the team meanwhile", name=current.name)
        if current.role == "lead" and member.role != "lead" and not _other_leads(c, project_id, member.id):
            raise Refused("last_lead_role", "the project's only lead cannot become something else; make another "
                          "member lead first", field="role", name=current.name)
        if member.user_id != current.user_id:
            _check_user(c, member.user_id)
        _check_user_once(c, project_id, member.id, member.user_id)
        update_audited(c, "team_member", member.id, {
            "name": member.name, "discipline": member.discipline, "sector": member.sector, "role": member.role,
            "user_id": member.user_id,
        }, expected_version=member.version)

    write(cur, change)


def set_team_member_archived(cur: Cursor, member_id: int, archived: bool, *, expected_version: int | None = None) -> None:
    """Remove (archive) a member, or restore one. The last lead is never removed."""

    def change(c: Cursor) -> None:
        project_id = team_member_project(c, member_id)
        current = get_team_member(c, member_id)
        if archived and not current.archived and current.role == "lead" and not _other_leads(c, project_id, member_id):
            raise Refused("last_lead_removed", "the project's only lead cannot be removed; make another member "
                          "lead first", name=current.name)
        if not archived and current.archived:
            _check_user_once(c, project_id, member_id, current.user_id)
        update_audited(c, "team_member", member_id, {"archived": archived}, expected_version=expected_version)

    write(cur, change)


def has_lead(cur: Cursor, project_id: int) -> bool:
    return cur.execute(
        "SELECT count(*) FROM team_member WHERE project_id = ? AND role = 'lead' AND NOT archived", [project_id]
    ).fetchone()[0] > 0
