"""What the import reads and writes besides the data points: the remembered mapping per
measure, and which of a plan's periods already hold data."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pdsa.core.audit import insert_audited, update_audited
from pdsa.core.db import fetch_records

Cursor = Any


def remembered_mapping(cur: Cursor, measure_id: int) -> dict | None:
    """{"mapping": {...}, "sheet": ..., "decimal": ...} as saved by the last import, or None."""
    rows = fetch_records(cur, "SELECT mapping, sheet, decimal_mark FROM import_mapping WHERE measure_id = ?",
                         [measure_id])
    if not rows:
        return None
    mapping = rows[0]["mapping"]
    return {"mapping": json.loads(mapping) if isinstance(mapping, str) else mapping,
            "sheet": rows[0]["sheet"], "decimal": rows[0]["decimal_mark"]}


def remember_mapping(cur: Cursor, measure_id: int, mapping: dict[str, str], *, sheet: str | None,
                     decimal: str | None) -> None:
    """Save (or replace) the measure's mapping, with its audit event; inside the import's transaction."""
    values = {"mapping": json.dumps(mapping, ensure_ascii=False), "sheet": sheet, "decimal_mark": decimal}
    row = cur.execute("SELECT id FROM import_mapping WHERE measure_id = ?", [measure_id]).fetchone()
    if row is None:
        insert_audited(cur, "import_mapping", {"measure_id": measure_id, **values})
    else:
        update_audited(cur, "import_mapping", row[0], {**values, "updated_at": datetime.now().replace(microsecond=0)})


def periods_with_data(cur: Cursor, measure_id: int) -> dict[date, list[int]]:
    """Each period that holds data: the ids of its points (one, or an event measure's events)."""
    found: dict[date, list[int]] = {}
    for period, point_id in cur.execute(
        "SELECT period, id FROM data_point WHERE measure_id = ? ORDER BY period, event_no", [measure_id]
    ).fetchall():
        found.setdefault(period if isinstance(period, date) and not isinstance(period, datetime) else period.date(),
                         []).append(point_id)
    return found
