"""What a project's lead does with the team: edit a member (details, role, user account),
remove a member (archived) and restore one. Adding is actions.projects.add_team_member.

A member linked to a user account gives that person their rights on the project (the team
role is read when they act), so editing the link or the role changes what they may do.
"""

from __future__ import annotations

from actions.actor import Actor
from actions.perform import Cursor, perform
from actions.permissions import Scope
from pdsa.models import TeamMember
from pdsa.store import team as store


def _scope(member_id: int):
    return lambda c: Scope(project_id=store.team_member_project(c, member_id))


def update_team_member(cur: Cursor, actor: Actor, member: TeamMember) -> TeamMember:
    """Save a member's name, discipline, sector, role and account; ``member.version`` is the
    version the user saw (StaleEdit when someone saved since). The only lead stays lead."""

    def change(c: Cursor) -> TeamMember:
        store.update_team_member(c, member)
        return store.get_team_member(c, member.id)

    return perform(cur, actor, "update_team_member", change, target=_scope(member.id))


def remove_team_member(cur: Cursor, actor: Actor, member_id: int, *, expected_version: int | None = None) -> TeamMember:
    """The member leaves the team list (archived; their rights on the project end with it).
    The project's only lead is not removed: make another member lead first."""

    def change(c: Cursor) -> TeamMember:
        store.set_team_member_archived(c, member_id, True, expected_version=expected_version)
        return store.get_team_member(c, member_id)

    return perform(cur, actor, "remove_team_member", change, target=_scope(member_id))


def restore_team_member(cur: Cursor, actor: Actor, member_id: int) -> TeamMember:
    """A removed member back in the team, with the role and account they had."""

    def change(c: Cursor) -> TeamMember:
        store.set_team_member_archived(c, member_id, False)
        return store.get_team_member(c, member_id)

    return perform(cur, actor, "restore_team_member", change, target=_scope(member_id))
