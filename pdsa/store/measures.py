"""Measures and their data points."""

from __future__ import annotations

from collections.abc import Iterable

import duckdb
import pandas as pd

from pdsa.core.audit import bump_version, current_author, insert_audited, insert_many_audited, record_event, update_audited
from pdsa.core.db import fetch_records, trusted, write
from pdsa.models import EVENT_DATA_TYPES, DataPoint, Measure
from pdsa.store.events import archive_weeks_with_events

Cursor = duckdb.DuckDBPyConnection

_MEASURE_COLUMNS = (
    "id, project_id, theme_id, name, kind, definition, numerator_definition, denominator_definition, data_source,"
    " collection_frequency, data_type, period, direction, target, unit, is_key, chart, rules, freeze_until,"
    " version, data_version, archived"
)
_EDIT_STATE = {"id", "version", "data_version", "archived", "splits"}
_POINT_VALUE_FIELDS = ("value", "numerator", "denominator", "note", "excluded", "entered_by")


def add_measure(cur: Cursor, measure: Measure) -> int:
    """Save a measure with its chart settings (splits included)."""

    def change(c: Cursor) -> int:
        measure_id = insert_audited(c, "measure", measure.model_dump(exclude=_EDIT_STATE))
        _save_splits(c, measure_id, measure.splits)
        if measure.is_key and measure.project_id is not None:
            unset_other_key_measures(c, measure.project_id, measure_id)
        return measure_id

    return write(cur, change)


# slice: measures and data — the definition edited, one key measure per project
DEFINITION_FIELDS: tuple[str, ...] = (
    "name", "kind", "definition", "numerator_definition", "denominator_definition", "data_source",
    "collection_frequency", "data_type", "period", "direction", "target", "unit", "is_key",
)


def unset_other_key_measures(cur: Cursor, project_id: int, key_measure_id: int) -> list[int]:
    """The project keeps one key measure: every other one stops being it (audited); their ids."""
    others = [row[0] for row in cur.execute(
        "SELECT id FROM measure WHERE project_id = ? AND is_key AND id <> ? ORDER BY id", [project_id, key_measure_id]
    ).fetchall()]
    for other in others:
        update_audited(cur, "measure", other, {"is_key": False})
    return others


def update_measure(cur: Cursor, measure: Measure) -> list[int]:
    """Store a measure's definition (name, kind, operational definition, data type, period,
    direction, unit, target, key measure) on the version the user saw (``measure.version``;
    StaleEdit when someone saved since). Chart and rules go with it: a new data type may need
    its own chart. Made the key measure, the project's other key measure stops being it, in the
    same transaction. Returns the ids of the measures that stopped being the key measure."""

    def change(c: Cursor) -> list[int]:
        values = measure.model_dump(include={*DEFINITION_FIELDS, "chart", "rules"})
        changed = update_audited(c, "measure", measure.id, values, expected_version=measure.version)
        if changed:
            bump_data_version(c, measure.id)
        if measure.is_key and measure.project_id is not None:
            return unset_other_key_measures(c, measure.project_id, measure.id)
        return []

    return write(cur, change)


def has_data(cur: Cursor, measure_id: int) -> bool:
    return cur.execute("SELECT count(*) FROM data_point WHERE measure_id = ?", [measure_id]).fetchone()[0] > 0


def update_chart_settings(cur: Cursor, measure: Measure) -> None:
    """Store chart type, rule set, target, frozen baseline and splits of an existing measure.

    ``measure.version`` is the version the user saw: if someone saved since, StaleEdit is
    raised and nothing is saved, rather than silently undoing their change.
    """

    def change(c: Cursor) -> None:
        values = measure.model_dump(include={"chart", "rules", "target", "freeze_until"})
        changed = update_audited(c, "measure", measure.id, values, expected_version=measure.version)
        before = _splits_by_measure(c, [measure.id]).get(measure.id, [])
        if before != sorted(measure.splits):
            c.execute("DELETE FROM measure_split WHERE measure_id = ?", [measure.id])
            _save_splits(c, measure.id, measure.splits)
            record_event(c, entity="measure", entity_id=measure.id, action="update",
                         before={"splits": before}, after={"splits": sorted(measure.splits)})
            if not changed:
                bump_version(c, "measure", measure.id)
            changed = True
        if changed:
            bump_data_version(c, measure.id)

    write(cur, change)


def set_measure_archived(cur: Cursor, measure_id: int, archived: bool, *,
                         expected_version: int | None = None) -> bool:
    """Archive a measure (it leaves the lists and the overview; nothing is deleted, its data
    and settings stay) or restore it; True when that changed anything."""

    def change(c: Cursor) -> bool:
        changed = update_audited(c, "measure", measure_id, {"archived": archived}, expected_version=expected_version)
        if changed:
            bump_data_version(c, measure_id)
        return changed

    return write(cur, change)


def bump_data_version(cur: Cursor, measure_id: int) -> None:
    """Anything drawn on the measure's chart changed: pages caching on data_version redraw it."""
    cur.execute("UPDATE measure SET data_version = data_version + 1 WHERE id = ?", [measure_id])


def _save_splits(cur: Cursor, measure_id: int, splits: list) -> None:
    for starts_on in sorted(splits):
        cur.execute("INSERT INTO measure_split (measure_id, starts_on) VALUES (?, ?)", [measure_id, starts_on])


def _splits_by_measure(cur: Cursor, measure_ids: list[int]) -> dict[int, list]:
    splits: dict[int, list] = {}
    for measure_id, starts_on in cur.execute(
        "SELECT measure_id, starts_on FROM measure_split WHERE measure_id IN (SELECT unnest(CAST(? AS INTEGER[])))"
        " ORDER BY measure_id, starts_on",
        [measure_ids],
    ).fetchall():
        splits.setdefault(measure_id, []).append(starts_on)
    return splits


def get_measure(cur: Cursor, measure_id: int) -> Measure:
    rows = fetch_records(cur, f"SELECT {_MEASURE_COLUMNS} FROM measure WHERE id = ?", [measure_id])
    if not rows:
        raise LookupError(f"measure {measure_id} does not exist")
    return trusted(Measure, rows[0], splits=_splits_by_measure(cur, [measure_id]).get(measure_id, []))


def list_measures(cur: Cursor, *, project_id: int | None = None, include_archived: bool = False,
                  archived_only: bool = False) -> list[Measure]:
    """Outcome measures first, then process, then balancing — the order teams read them in.

    Archived measures only when asked: ``include_archived`` adds them, ``archived_only`` lists
    only them (the "Archived" list they are restored from)."""
    rows = fetch_records(
        cur,
        f"SELECT {_MEASURE_COLUMNS} FROM measure"
        " WHERE (CASE WHEN CAST(? AS BOOLEAN) THEN archived WHEN CAST(? AS BOOLEAN) THEN TRUE ELSE NOT archived END)"
        " AND (CAST(? AS INTEGER) IS NULL OR project_id = ?)"
        " ORDER BY project_id, CASE kind WHEN 'outcome' THEN 1 WHEN 'process' THEN 2 ELSE 3 END, id",
        [archived_only, include_archived, project_id, project_id],
    )
    splits = _splits_by_measure(cur, [r["id"] for r in rows]) if rows else {}
    return [trusted(Measure, r, splits=splits.get(r["id"], [])) for r in rows]


def save_data_points(cur: Cursor, measure: Measure, points: Iterable[DataPoint]) -> int:
    """Save validated points in one transaction; a period already present is updated.

    An update writes only the fields the point was given (pydantic's fields_set): leave a
    key out to keep the stored note or exclusion; give it as None/False to clear it. Event
    measures (days/cases between) append one row per event instead.
    """
    points = list(points)
    for point in points:
        if point.measure_id != measure.id:
            raise ValueError(f"measure_id: point for measure {point.measure_id} given to measure {measure.id}")

    def change(c: Cursor) -> int:
        if points:  # first: two saves on one measure then collide at once, before any work is done
            bump_data_version(c, measure.id)
        new_rows = []
        if measure.data_type in EVENT_DATA_TYPES:
            last_event = dict(c.execute(
                "SELECT period, max(event_no) FROM data_point WHERE measure_id = ? GROUP BY period", [measure.id]
            ).fetchall())
            for number, point in enumerate(points, start=1):
                if measure.data_type == "days_between" and point.period in last_event:
                    raise ValueError(
                        f"row {number}, period: {point.period.isoformat()} already has an event; days between "
                        "events are counted in whole days, so record one event per day (several events a day "
                        "fit a count measure better)"
                    )
                last_event[point.period] = last_event.get(point.period, 0) + 1
                new_rows.append(_row(measure, point, event_no=last_event[point.period]))
            # an event in a week recorded as having none: that entry no longer holds
            archive_weeks_with_events(c, measure.id, [point.period for point in points])
        else:
            existing = dict(c.execute(
                "SELECT period, id FROM data_point WHERE measure_id = ? AND event_no = 0", [measure.id]
            ).fetchall())
            latest = {point.period: point for point in points}  # the same period twice: the last one counts
            for point in latest.values():
                if point.period in existing:
                    # only what was given: re-entering a value keeps the point's note and exclusion
                    values = point.model_dump(include=set(_POINT_VALUE_FIELDS), exclude_unset=True)
                    values["entered_by"] = point.entered_by or current_author().name
                    update_audited(c, "data_point", existing[point.period], values)
                else:
                    new_rows.append(_row(measure, point, event_no=0))
        insert_many_audited(c, "data_point", new_rows)
        return len(points)

    return write(cur, change)


def _row(measure: Measure, point: DataPoint, *, event_no: int) -> dict:
    values = point.model_dump(include=set(_POINT_VALUE_FIELDS))
    return {"measure_id": measure.id, "period": point.period, "event_no": event_no,
            **values, "entered_by": point.entered_by or current_author().name}


# slice: measures and data — the data table saved in one transaction
class PointChangedMeanwhile(LookupError):
    """A row the user edited or deleted is gone or belongs to another measure: nothing saved."""

    def __init__(self, point_id: int):
        self.point_id = point_id
        super().__init__(f"data point {point_id} was deleted meanwhile (or is not this measure's); nothing was saved")


def change_data_points(cur: Cursor, measure: Measure, *, edited: Iterable[DataPoint] = (),
                       added: Iterable[DataPoint] = (), deleted_ids: Iterable[int] = ()) -> None:
    """The data table's changes in one transaction: rows deleted (each leaves a delete event
    with the row as it was), rows edited by id (only what changed is written, so the trail
    holds before and after), rows added. For an event measure a row is an event: one moved to
    another day gets that day's next event number. Nothing is saved when any part fails."""
    edited, added, deleted_ids = list(edited), list(added), sorted(set(deleted_ids))
    for point in [*edited, *added]:
        if point.measure_id != measure.id:
            raise ValueError(f"measure_id: point for measure {point.measure_id} given to measure {measure.id}")

    def change(c: Cursor) -> None:
        if not (edited or added or deleted_ids):
            return
        bump_data_version(c, measure.id)  # first: two saves on one measure collide at once
        columns = ("id", "measure_id", "period", "event_no", *_POINT_VALUE_FIELDS)
        stored = {row["id"]: row for row in fetch_records(
            c, f"SELECT {', '.join(columns)} FROM data_point WHERE measure_id = ?", [measure.id])}
        for point_id in [*deleted_ids, *(p.id for p in edited)]:
            if point_id not in stored:
                raise PointChangedMeanwhile(point_id)
        for point_id in deleted_ids:
            row = stored.pop(point_id)
            c.execute("DELETE FROM data_point WHERE id = ?", [point_id])
            record_event(c, entity="data_point", entity_id=point_id, action="delete",
                         before={k: row[k] for k in ("measure_id", "period", "event_no", *_POINT_VALUE_FIELDS)})
        events = measure.data_type in EVENT_DATA_TYPES
        for point in edited:
            row = stored[point.id]
            values = point.model_dump(include={"period", "value", "numerator", "denominator", "note", "excluded"})
            if all(_same_value(row[k], v) for k, v in values.items()):
                continue
            if events and row["period"] != point.period:
                if measure.data_type == "days_between" and _next_event_no(c, measure.id, point.period) > 1:
                    raise ValueError(f"period: {point.period.isoformat()} already has an event; record one event per day")
                values["event_no"] = _next_event_no(c, measure.id, point.period)
            values["entered_by"] = current_author().name
            update_audited(c, "data_point", point.id, values)
        if events:
            archive_weeks_with_events(c, measure.id, [point.period for point in edited])
            save_data_points(c, measure, added)
        else:
            taken = dict(c.execute(
                "SELECT period, id FROM data_point WHERE measure_id = ? AND event_no = 0", [measure.id]).fetchall())
            for point in added:
                if point.period in taken:
                    raise ValueError(f"period: {point.period.isoformat()} already has a value; edit that row instead")
            insert_many_audited(c, "data_point", [_row(measure, point, event_no=0) for point in added])

    write(cur, change)


def _same_value(stored, new) -> bool:
    if isinstance(stored, float) or isinstance(new, float):
        return stored is not None and new is not None and abs(float(stored) - float(new)) < 1e-12
    return stored == new


def _next_event_no(cur: Cursor, measure_id: int, day) -> int:
    row = cur.execute("SELECT max(event_no) FROM data_point WHERE measure_id = ? AND period = ?",
                      [measure_id, day]).fetchone()
    return 1 if row is None or row[0] is None else row[0] + 1


def set_point_excluded(cur: Cursor, point_id: int, excluded: bool) -> None:
    def change(c: Cursor) -> None:
        if update_audited(c, "data_point", point_id, {"excluded": excluded}):
            measure_id = c.execute("SELECT measure_id FROM data_point WHERE id = ?", [point_id]).fetchone()[0]
            bump_data_version(c, measure_id)

    write(cur, change)


def point_measure(cur: Cursor, point_id: int) -> int:
    row = cur.execute("SELECT measure_id FROM data_point WHERE id = ?", [point_id]).fetchone()
    if row is None:
        raise LookupError(f"data point {point_id} does not exist")
    return row[0]


def list_data_points(cur: Cursor, measure_id: int) -> list[DataPoint]:
    """The measure's points in period order, as stored (validated when they were saved)."""
    if cur.execute("SELECT count(*) FROM measure WHERE id = ?", [measure_id]).fetchone()[0] == 0:
        raise LookupError(f"measure {measure_id} does not exist")
    rows = fetch_records(
        cur,
        "SELECT id, measure_id, period, value, numerator, denominator, note, excluded, entered_by, entered_at"
        " FROM data_point WHERE measure_id = ? ORDER BY period, event_no",
        [measure_id],
    )
    return [trusted(DataPoint, r) for r in rows]


def data_points_frame(cur: Cursor, measure_ids: list[int] | None = None) -> pd.DataFrame:
    """All points of the given measures (all measures when None) as one table, in period order."""
    # two statements, not "? IS NULL OR …": with the OR PostgreSQL scans all the points (a second
    # at the scale of a region) instead of reading the measures' points by the index
    only = " WHERE measure_id IN (SELECT unnest(CAST(? AS INTEGER[])))" if measure_ids is not None else ""
    frame = cur.execute(
        "SELECT measure_id, period, event_no, value, numerator, denominator, note, excluded"
        f" FROM data_point{only} ORDER BY measure_id, period, event_no",
        [measure_ids] if only else [],
    ).df()
    frame["period"] = pd.to_datetime(frame["period"])  # dates as timestamps on both engines
    return frame
