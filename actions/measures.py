"""What people do with measures: define them, set how they are charted, record their data."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from pydantic import ValidationError
from pydantic_core import InitErrorDetails

from actions.actor import Actor
from actions.perform import Cursor, perform
from actions.permissions import Scope
from pdsa.models import CHARTS_FOR_DATA_TYPE, EVENT_DATA_TYPES, DataPoint, Measure
from pdsa.core.periods import period_label
from pdsa.core.validation import invalid
from pdsa.series import short_phases
from pdsa.store import events
from pdsa.store import measures as store
from pdsa.store.events import NoEventPeriod


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
    (``measure.version``): a measure changed since raises StaleEdit and nothing is saved.

    The settings are checked again here (a copy made with ``model_copy`` was never
    validated), and so are the splits against the measure's data: a split that leaves a phase
    with fewer than two points the chart can compute with is refused (ValidationError on
    ``splits``)."""
    measure = Measure.model_validate(measure.model_dump())

    def change(c: Cursor) -> Measure:
        check_splits(measure, store.data_points_frame(c, [measure.id]))
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


# slice: measures and data — the definition edited, the data table saved as one action
def update_measure(cur: Cursor, actor: Actor, measure: Measure) -> Measure:
    """A measure's definition (name, kind, operational definition, data type, period,
    direction, unit, target, key measure) on the version the user saw (``measure.version``):
    a measure changed since raises StaleEdit and nothing is saved.

    Its project or theme and its chart settings stay as stored, except that a chart or rule set
    the new data type cannot take goes back to the data type's own. Data type and period are
    fixed once the measure has data (a ValidationError on the field says so): the stored
    points would no longer fit. Made the key measure, the project's other key measure stops
    being it in the same action."""
    measure = Measure.model_validate(measure.model_dump())

    def change(c: Cursor) -> Measure:
        current = store.get_measure(c, measure.id)
        if store.has_data(c, measure.id):
            for field in ("data_type", "period"):
                if getattr(measure, field) != getattr(current, field):
                    raise _field_error(field, "fixed_with_data",
                                       "cannot be changed once the measure has data; archive it and define a new "
                                       "measure instead", getattr(measure, field))
        chart = current.chart if current.chart in CHARTS_FOR_DATA_TYPE[measure.data_type] else None
        rules = current.rules if (chart or CHARTS_FOR_DATA_TYPE[measure.data_type][0]) == "i" else "anhoej"
        wanted = Measure.model_validate({
            **current.model_dump(), **measure.model_dump(include=set(store.DEFINITION_FIELDS)),
            "chart": chart, "rules": rules, "version": measure.version,
        })
        store.update_measure(c, wanted)
        return store.get_measure(c, measure.id)

    return perform(cur, actor, "update_measure", change, target=lambda c: _measure_scope(c, measure.id))


def save_data_points(cur: Cursor, actor: Actor, measure_id: int, *, edited: Iterable[dict | DataPoint] = (),
                     added: Iterable[dict | DataPoint] = (), deleted_ids: Iterable[int] = ()) -> list[DataPoint]:
    """The data table saved as one action: rows edited (by id), added and deleted, all in one
    transaction. Every row is checked against the measure first (ValidationError naming the
    row's field); a period given twice, or added where one is stored, is refused (ValueError
    "period: …"). Nothing is saved when any row is wrong. Edits and deletions keep the row as
    it was in the audit trail. Returns the measure's points as saved."""
    edited, added, deleted_ids = list(edited), list(added), list(deleted_ids)

    def change(c: Cursor) -> list[DataPoint]:
        measure = store.get_measure(c, measure_id)

        def checked(raw: dict | DataPoint) -> DataPoint:
            values = raw.model_dump(exclude_unset=True) if isinstance(raw, DataPoint) else dict(raw)
            return DataPoint.model_validate({**values, "measure_id": measure_id}, context={"measure": measure})

        edits, adds = [checked(p) for p in edited], [checked(p) for p in added]
        if any(p.id is None for p in edits):
            raise ValueError("id: an edited row names the point it changes")
        if measure.data_type not in EVENT_DATA_TYPES:
            kept = {p.id: p.period for p in store.list_data_points(c, measure_id) if p.id not in set(deleted_ids)}
            kept.update({p.id: p.period for p in edits})
            periods = list(kept.values()) + [p.period for p in adds]
            twice = sorted({d for d in periods if periods.count(d) > 1})
            if twice:
                raise ValueError(f"period: {period_label(twice[0], measure.period)} is given twice")
        store.change_data_points(c, measure, edited=edits, added=adds, deleted_ids=deleted_ids)
        return store.list_data_points(c, measure_id)

    return perform(cur, actor, "save_data_points", change, target=lambda c: _measure_scope(c, measure_id))


def _field_error(field: str, code: str, message: str, value) -> ValidationError:
    return ValidationError.from_exception_data(
        "Measure", [InitErrorDetails(type=invalid(code, message, field=field), loc=(field,), input=value)])


def set_point_excluded(cur: Cursor, actor: Actor, point_id: int, excluded: bool) -> None:
    perform(cur, actor, "set_point_excluded", lambda c: store.set_point_excluded(c, point_id, excluded),
            target=lambda c: _measure_scope(c, store.point_measure(c, point_id)))


def check_splits(measure: Measure, points) -> None:
    """Raise a ValidationError on ``splits`` naming the first phase the chart cannot compute."""
    short = short_phases(measure, points)
    if not short:
        return
    phase = short[0]
    code, message, day = (
        ("short_first_phase", "the phase before {period} has {count} point(s); every phase needs at least 2",
         phase.ends_before) if phase.starts_on is None else
        ("short_phase", "the phase from {period} has {count} point(s); every phase needs at least 2", phase.starts_on)
    )
    error = invalid(code, message, field="splits", period=period_label(day, measure.period), count=phase.points)
    raise ValidationError.from_exception_data(
        "Measure", [InitErrorDetails(type=error, loc=("splits",), input=[d.isoformat() for d in measure.splits])])


# slice: measures — archive and restore
def archive_measure(cur: Cursor, actor: Actor, measure_id: int, *, expected_version: int | None = None) -> Measure:
    """The measure leaves the project's measures and the overview; its data, settings and
    history stay, and restore_measure brings it back as it was."""
    return _set_archived(cur, actor, "archive_measure", measure_id, True, expected_version)


def restore_measure(cur: Cursor, actor: Actor, measure_id: int, *, expected_version: int | None = None) -> Measure:
    """An archived measure back among the project's measures (one not archived stays as it is)."""
    return _set_archived(cur, actor, "restore_measure", measure_id, False, expected_version)


def _set_archived(cur: Cursor, actor: Actor, action: str, measure_id: int, archived: bool,
                  expected_version: int | None) -> Measure:
    def change(c: Cursor) -> Measure:
        store.set_measure_archived(c, measure_id, archived, expected_version=expected_version)
        return store.get_measure(c, measure_id)

    return perform(cur, actor, action, change, target=lambda c: _measure_scope(c, measure_id))


def _measure_scope(cur: Cursor, measure_id: int) -> Scope:
    """A measure's project, or its theme: who may change it follows from its owner."""
    measure = store.get_measure(cur, measure_id)
    return Scope(project_id=measure.project_id, theme_id=measure.theme_id)


# slice: no event this period — a week of an event measure recorded as having no event
def record_no_event_period(cur: Cursor, actor: Actor, measure_id: int, period: date, *,
                           today: date | None = None) -> NoEventPeriod:
    """Say that the measure (days or cases between events) had no event in the week holding
    ``period``: the home page then counts the week as covered. A week recorded earlier and
    removed is restored; one already recorded stays as it is. Refused (ValueError "period: …")
    for a measure of another data type or a week after this one, and (events.PeriodHasEvent)
    for a week that has an event."""

    def change(c: Cursor) -> NoEventPeriod:
        measure = store.get_measure(c, measure_id)
        if measure.data_type not in EVENT_DATA_TYPES:
            raise ValueError("period: only measures of days or cases between events record weeks without events")
        if events.review_start(period) > events.review_start(today or date.today()):
            raise ValueError(f"period: the week of {events.review_start(period).isoformat()} has not begun yet")
        return events.record_no_event_period(c, measure_id, period)

    return perform(cur, actor, "record_no_event_period", change, target=lambda c: _measure_scope(c, measure_id))


def remove_no_event_period(cur: Cursor, actor: Actor, entry_id: int, *,
                           expected_version: int | None = None) -> NoEventPeriod:
    """Take back "no events in week …": the entry is archived (recording the week again
    restores it). StaleEdit when someone changed it since ``expected_version``."""

    def change(c: Cursor) -> NoEventPeriod:
        events.set_no_event_period_archived(c, entry_id, True, expected_version=expected_version)
        return events.get_no_event_period(c, entry_id)

    return perform(cur, actor, "remove_no_event_period", change,
                   target=lambda c: _measure_scope(c, events.get_no_event_period(c, entry_id).measure_id))
