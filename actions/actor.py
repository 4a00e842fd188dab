"""Who does something: the signed-in user, the command line, or the demo loader."""

from __future__ import annotations

import getpass
from collections.abc import Mapping
from dataclasses import dataclass, field

from pdsa.core.audit import Author


@dataclass(frozen=True, eq=False)
class Actor:
    """A person (or the command line) acting in the app: an id, a name and the roles held.

    ``user_id`` is None until people sign in (the login issue); the audit trail records the
    id beside the name, so the trail names a person, not only a typed string.
    """

    user_id: int | None
    name: str
    roles: frozenset[str] = field(default_factory=frozenset)
    # team roles per project (from the team list) and pathways attached to as patient partner
    project_roles: Mapping[int, frozenset[str]] = field(default_factory=dict)
    attached_pathways: frozenset[int] = field(default_factory=frozenset)

    @property
    def author(self) -> Author:
        return Author(user_id=self.user_id, name=self.name)

    @classmethod
    def command_line(cls) -> "Actor":
        """The command line acts as an administrator under the operating-system user's name:
        whoever can open the database file can change it anyway."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            user = "unknown"
        return cls(user_id=None, name=f"{user} (command line)", roles=frozenset({"administrator"}))


DEMO_LOADER = Actor(user_id=None, name="demo", roles=frozenset({"administrator"}))
