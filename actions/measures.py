"""What people do with measures: define them, set how they are charted, record their data."""

from __future__ import annotations

from collections.abc import Iterable

from actions.actor import Actor
from actions.perform import Cursor, perform
from actions.permissions import Scope
from pdsa.models import DataPoint, Measure
from pdsa.store import measures as store


def define_measure(cur: Cursor, actor: Actor, measure: Measure) -> Measure:
    def change(c: Cursor) -> Measure:
        if measure.project_id is not None:
            from pdsa.store.projects import get_project

            get_project(c, measure.project_id)
        return store.get_measure(c, store.add_measure(c, measure))

    return perform(cur, actor, "define_measure", change,
                   target=Scope(project_id=measure.project_id, theme_id=measure.theme_id))


def update_chart_settings(cur: Cursor, actor: Actor, measure: Measure) -> Measure:
    """Chart type, rules, target, freeze and splits, on the version the user saw
    (``measure.version``): a measure changed since raises StaleEdit and nothing is saved."""

    def change(c: Cursor) -> Measure:
        store.update_chart_settings(c, measure)
        return store.get_measure(c, measure.id)

    return perform(cur, actor, "update_chart_settings", change, target=lambda c: _measure_scope(c, measure.id))


def record_data_points(cur: Cursor, actor: Actor, measure_id: int, points: Iterable[dict | DataPoint]) -> list[DataPoint]:
    """Many periods' values in one action: every row is checked against the measure before
    anything is saved; a period already present is updated (its history stays in the trail)."""

    def change(c: Cursor) -> list[DataPoint]:
        measure = store.get_measure(c, measure_id)
        checked = [
            DataPoint.model_validate(p.model_dump(exclude_unset=True) if isinstance(p, DataPoint) else
                                     {"measure_id": measure_id, **p}, context={"measure": measure})
            for p in points
        ]
        store.save_data_points(c, measure, checked)
        return store.list_data_points(c, measure_id)

    return perform(cur, actor, "record_data_points", change, target=lambda c: _measure_scope(c, measure_id))


def set_point_excluded(cur: Cursor, actor: Actor, point_id: int, excluded: bool) -> None:
    perform(cur, actor, "set_point_excluded", lambda c: store.set_point_excluded(c, point_id, excluded),
            target=lambda c: _measure_scope(c, store.point_measure(c, point_id)))


def _measure_scope(cur: Cursor, measure_id: int) -> Scope:
    """A measure's project, or its theme: who may change it follows from its owner."""
    measure = store.get_measure(cur, measure_id)
    return Scope(project_id=measure.project_id, theme_id=measure.theme_id)
