"""Importing a file's rows into a measure: one action, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from actions.actor import Actor
from actions.measures import _measure_scope, check_splits
from actions.perform import Cursor, perform
from pdsa.imports.checks import Plan, Problem
from pdsa.imports.store import periods_with_data, remember_mapping
from pdsa.models import EVENT_DATA_TYPES, DataPoint, Measure
from pdsa.store import measures as store

OnExisting = Literal["skip", "replace"]


class ImportRefused(ValueError):
    """The plan has problems (or the measure changed since it was made): nothing was saved."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the file; nothing was imported")


@dataclass(frozen=True)
class ImportResult:
    added: int
    replaced: int
    skipped: int
    splits_added: int = 0
    freeze_until: object = None


def existing_counts(cur: Cursor, plan: Plan) -> tuple[int, int]:
    """(periods new to the measure, periods that already hold data) — the counts the user sees
    before choosing to skip or replace."""
    taken = periods_with_data(cur, plan.measure.id)
    existing = len({row.period for row in plan.rows if row.period in taken})
    return len({row.period for row in plan.rows}) - existing, existing


def import_data_points(cur: Cursor, actor: Actor, measure_id: int, plan: Plan, *,
                       on_existing: OnExisting = "skip", remember: bool = True,
                       sheet: str | None = None) -> ImportResult:
    """Save a checked plan's rows in one transaction with their audit events.

    Refused (ImportRefused, nothing saved) when the plan has problems. Every row is checked
    again against the measure as stored now (a ValidationError when it changed so a row no
    longer fits). A period that already holds data is skipped, or replaced (``on_existing``):
    a replaced point keeps what the file does not map (a note when no note column is mapped),
    and its earlier values stay in the audit trail. Rows marked split start a new part of the
    chart; the last row marked freeze ends the baseline. The mapping is remembered for the
    measure's next import."""
    if plan.problems:
        raise ImportRefused(plan.problems)
    if on_existing not in ("skip", "replace"):
        raise ValueError(f"on_existing: '{on_existing}' is neither skip nor replace")

    def change(c: Cursor) -> ImportResult:
        measure = store.get_measure(c, measure_id)
        points = [DataPoint.model_validate({"measure_id": measure_id, "period": row.period, **row.values},
                                           context={"measure": measure}) for row in plan.rows]
        taken = periods_with_data(c, measure_id)
        fresh = [p for p in points if p.period not in taken]
        again = [p for p in points if p.period in taken]
        replaced = 0
        if on_existing == "replace" and again:
            if measure.data_type in EVENT_DATA_TYPES:
                ids = [point_id for day in {p.period for p in again} for point_id in taken[day]]
                store.change_data_points(c, measure, deleted_ids=ids)
                fresh = points
            else:
                fresh = fresh + again
            replaced = len({p.period for p in again})
        store.save_data_points(c, measure, fresh)
        splits_added, freeze = _chart_marks(c, measure, plan)
        if remember and plan.mapping:
            remember_mapping(c, measure_id, plan.mapping, sheet=sheet, decimal=plan.decimal)
        skipped = 0 if on_existing == "replace" else len({p.period for p in again})
        return ImportResult(added=len({p.period for p in points}) - len({p.period for p in again}),
                            replaced=replaced, skipped=skipped, splits_added=splits_added, freeze_until=freeze)

    return perform(cur, actor, "import_data_points", change, target=lambda c: _measure_scope(c, measure_id))


def _chart_marks(cur: Cursor, measure: Measure, plan: Plan) -> tuple[int, object]:
    """Rows marked split or freeze become the measure's chart settings."""
    splits = {row.period for row in plan.rows if row.split}
    frozen = [row.period for row in plan.rows if row.freeze]
    new_splits = splits - set(measure.splits)
    freeze = max(frozen) if frozen else measure.freeze_until
    if not new_splits and freeze == measure.freeze_until:
        return 0, None
    wanted = Measure.model_validate({**measure.model_dump(), "splits": sorted(set(measure.splits) | splits),
                                     "freeze_until": freeze})
    check_splits(wanted, store.data_points_frame(cur, [measure.id]))
    store.update_chart_settings(cur, wanted)
    return len(new_splits), freeze if frozen else None
