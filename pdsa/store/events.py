"""Weeks with no event, for measures of days or cases between events (table no_event_period,
migration 012).

Such a measure is entered as events (dates); a quiet week leaves no row, so "nothing happened"
and "nobody looked" would read alike. The team says "no events in week 48 2026" here, and the
home page's to-do list counts that week as covered (pdsa.store.todo). Event measures are
reviewed by the ISO week (:data:`REVIEW_PERIOD`) whatever their daily dates.

An entry is archived, not deleted: removed by the team, or by an event entered later in its
week (:func:`archive_weeks_with_events`, called where events are saved). Recording the week
again restores the same row. Every change is audited; ``version`` goes up with each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from pdsa.core.audit import (
    check_version,
    current_author,
    insert_many_audited,
    update_audited,
)
from pdsa.core.db import fetch_records, write
from pdsa.core.periods import period_start

Cursor = Any  # a DuckDB cursor, or the PostgreSQL adapter's (pdsa.core.postgres)

REVIEW_PERIOD = "week"  # event measures are looked over, and said to be quiet, per ISO week

_COLUMNS = "id, measure_id, period, entered_by, entered_at, version, archived"


@dataclass(frozen=True)
class NoEventPeriod:
    """A week the team recorded as having no event; ``period`` is its Monday."""

    id: int
    measure_id: int
    period: date
    entered_by: str
    entered_at: datetime
    version: int
    archived: bool


class PeriodHasEvent(ValueError):
    """The week already has an event: it cannot be recorded as having none."""

    def __init__(self, period: date, event_days: list[date]):
        self.period, self.event_days = period, event_days
        days = ", ".join(day.isoformat() for day in event_days)
        super().__init__(f"period: the week of {period.isoformat()} has an event ({days}); "
                         "a week with an event cannot be recorded as having none")


def review_start(day: date) -> date:
    """The start (Monday) of the review period holding the day."""
    return period_start(day, REVIEW_PERIOD)


def _week_end(start: date) -> date:
    return start + timedelta(days=7)


def event_days_in(cur: Cursor, measure_id: int, start: date) -> list[date]:
    """The days in the review period from ``start`` that have an event of the measure."""
    rows = cur.execute(
        "SELECT DISTINCT period FROM data_point WHERE measure_id = ? AND period >= ? AND period < ? ORDER BY period",
        [measure_id, start, _week_end(start)],
    ).fetchall()
    return [row[0] for row in rows]


def _row(cur: Cursor, where: str, values: list) -> NoEventPeriod | None:
    rows = fetch_records(cur, f"SELECT {_COLUMNS} FROM no_event_period WHERE {where}", values)
    return NoEventPeriod(**rows[0]) if rows else None


def get_no_event_period(cur: Cursor, entry_id: int) -> NoEventPeriod:
    entry = _row(cur, "id = ?", [entry_id])
    if entry is None:
        raise LookupError(f"no-event entry {entry_id} does not exist")
    return entry


def list_no_event_periods(cur: Cursor, measure_id: int, *, include_archived: bool = False) -> list[NoEventPeriod]:
    """The measure's weeks recorded as quiet, oldest first (archived ones only when asked)."""
    rows = fetch_records(
        cur,
        f"SELECT {_COLUMNS} FROM no_event_period WHERE measure_id = ? AND (CAST(? AS BOOLEAN) OR NOT archived)"
        " ORDER BY period",
        [measure_id, include_archived],
    )
    return [NoEventPeriod(**row) for row in rows]


def record_no_event_period(cur: Cursor, measure_id: int, day: date) -> NoEventPeriod:
    """Record the review period holding ``day`` as having no event of the measure; returns the
    entry. A week already recorded stays as it is; one removed earlier is restored (the same
    row, audited). PeriodHasEvent when the week has an event."""
    start = review_start(day)

    def change(c: Cursor) -> NoEventPeriod:
        events = event_days_in(c, measure_id, start)
        if events:
            raise PeriodHasEvent(start, events)
        stored = _row(c, "measure_id = ? AND period = ?", [measure_id, start])
        if stored is None:
            [entry_id] = insert_many_audited(c, "no_event_period", [
                {"measure_id": measure_id, "period": start, "entered_by": current_author().name}])
            return get_no_event_period(c, entry_id)
        if stored.archived:
            _set_archived(c, stored, False)
        return get_no_event_period(c, stored.id)

    return write(cur, change)


def set_no_event_period_archived(cur: Cursor, entry_id: int, archived: bool, *,
                                 expected_version: int | None = None) -> bool:
    """Remove (archive) or restore an entry; True when that changed anything. StaleEdit when
    ``expected_version`` is not the stored one (someone changed it since)."""

    def change(c: Cursor) -> bool:
        check_version(c, "no_event_period", entry_id, expected_version)
        return _set_archived(c, get_no_event_period(c, entry_id), archived)

    return write(cur, change)


def _set_archived(cur: Cursor, entry: NoEventPeriod, archived: bool) -> bool:
    if entry.archived == archived:
        return False
    return update_audited(cur, "no_event_period", entry.id, {"archived": archived, "version": entry.version + 1})


def archive_weeks_with_events(cur: Cursor, measure_id: int, days: Iterable[date]) -> list[int]:
    """Events were entered on these days: the entries saying their weeks had none are archived
    (audited, inside the caller's transaction). Returns the archived entries' ids."""
    starts = sorted({review_start(day) for day in days})
    if not starts:
        return []
    rows = fetch_records(
        cur,
        f"SELECT {_COLUMNS} FROM no_event_period WHERE measure_id = ? AND NOT archived"
        " AND period IN (SELECT unnest(CAST(? AS DATE[])))",
        [measure_id, starts],
    )
    for row in rows:
        _set_archived(cur, NoEventPeriod(**row), True)
    return [row["id"] for row in rows]


def weeks_to_offer(event_days: Iterable[date], entries: Iterable[NoEventPeriod], today: date,
                   count: int = 8) -> list[date]:
    """The review periods a team may still record as quiet, newest first: this week and the
    ``count - 1`` before it, less those with an event or already recorded."""
    taken = {review_start(day) for day in event_days} | {e.period for e in entries if not e.archived}
    current = review_start(today)
    weeks = [current - timedelta(weeks=n) for n in range(count)]
    return [week for week in weeks if week not in taken]
