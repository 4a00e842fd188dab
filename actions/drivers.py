"""What a project's team does with its driver diagram beyond adding to it (adding is
actions.projects.add_driver and add_change_idea): rename and move drivers, edit change
ideas and the drivers they serve, remove (archive) and restore both."""

from __future__ import annotations

from actions.actor import Actor
from actions.perform import Cursor, perform
from actions.permissions import Scope
from pdsa.models import ChangeIdea, Driver
from pdsa.store import drivers as store
from pdsa.store.projects import change_idea_project


def _driver_scope(driver_id: int):
    return lambda c: Scope(project_id=store.driver_project(c, driver_id))


def _idea_scope(idea_id: int):
    return lambda c: Scope(project_id=change_idea_project(c, idea_id))


def update_driver(cur: Cursor, actor: Actor, driver: Driver) -> Driver:
    """Rename a driver; a secondary driver may move under another primary driver (it goes
    last there). ``driver.version`` is the version the user saw."""

    def change(c: Cursor) -> Driver:
        store.update_driver(c, driver)
        return store.get_driver(c, driver.id)

    return perform(cur, actor, "update_driver", change, target=_driver_scope(driver.id))


def move_driver(cur: Cursor, actor: Actor, driver_id: int, step: int) -> Driver:
    """One place up (step -1) or down (step 1) among the drivers of its level."""

    def change(c: Cursor) -> Driver:
        store.move_driver(c, driver_id, step)
        return store.get_driver(c, driver_id)

    return perform(cur, actor, "move_driver", change, target=_driver_scope(driver_id))


def remove_driver(cur: Cursor, actor: Actor, driver_id: int, *, expected_version: int | None = None) -> Driver:
    """Archive a driver (a primary driver takes its secondary drivers with it)."""

    def change(c: Cursor) -> Driver:
        store.set_driver_archived(c, driver_id, True, expected_version=expected_version)
        return store.get_driver(c, driver_id)

    return perform(cur, actor, "remove_driver", change, target=_driver_scope(driver_id))


def restore_driver(cur: Cursor, actor: Actor, driver_id: int) -> Driver:
    """Bring a removed driver back (with what was removed together with it)."""

    def change(c: Cursor) -> Driver:
        store.set_driver_archived(c, driver_id, False)
        return store.get_driver(c, driver_id)

    return perform(cur, actor, "restore_driver", change, target=_driver_scope(driver_id))


def update_change_idea(cur: Cursor, actor: Actor, idea: ChangeIdea) -> ChangeIdea:
    """Save an idea's text, description and the drivers it serves; ``idea.version`` is the
    version the user saw."""

    def change(c: Cursor) -> ChangeIdea:
        store.update_change_idea(c, idea)
        return store.get_change_idea(c, idea.id)

    return perform(cur, actor, "update_change_idea", change, target=_idea_scope(idea.id))


def remove_change_idea(cur: Cursor, actor: Actor, idea_id: int, *, expected_version: int | None = None) -> ChangeIdea:
    """Archive a change idea; one that a PDSA cycle tests is refused (the cycles are told by it)."""

    def change(c: Cursor) -> ChangeIdea:
        store.set_change_idea_archived(c, idea_id, True, expected_version=expected_version)
        return store.get_change_idea(c, idea_id)

    return perform(cur, actor, "remove_change_idea", change, target=_idea_scope(idea_id))


def restore_change_idea(cur: Cursor, actor: Actor, idea_id: int) -> ChangeIdea:
    def change(c: Cursor) -> ChangeIdea:
        store.set_change_idea_archived(c, idea_id, False)
        return store.get_change_idea(c, idea_id)

    return perform(cur, actor, "restore_change_idea", change, target=_idea_scope(idea_id))
