"""A project's history in plain language, and the whole audit trail as CSV.

The audit trail (``audit_event``) records every change with who made it, when, and the row's
values before and after. Here it is read back, never written:

* :func:`iter_project_events` gathers the events of a project and of every row that belongs
  to it (team, progress scores, driver diagram, measures with their points and splits, PDSA
  cycles, observations, the problems linked to it), newest first, a batch at a time;
* :func:`iter_theme_events` does the same for a theme: the theme row and its own outcome
  measures with their points (:func:`theme_history` gives the page's lines);
* :func:`history_entries` drops saves that changed nothing and puts the data points one
  person entered for one measure in one minute on one line;
* :func:`sentence` tells an entry in the user's language ("Lene Thomsen changed the target of
  *Readmissions* from 15 % to 12 %"), given the translate function and the formatters of
  that language; :func:`reference_names` looks up the names of rows an event points at;
* :func:`audit_csv` writes the whole trail as CSV for administrators.

No Streamlit here: the page passes ``t`` and the formatters. The SQL is portable (DuckDB and
PostgreSQL): parameters that may be NULL are cast, arrays are passed as ``INTEGER[]``.
"""

from __future__ import annotations

import csv
import io
import json
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pdsa.core.postgres import dialect_of

Cursor = Any  # a DuckDB cursor, or the PostgreSQL adapter's (pdsa.core.postgres)
Translate = Callable[..., str]


# --- reading a project's events ------------------------------------------------------------

@dataclass(frozen=True)
class HistoryEvent:
    """One audit event, with what is needed to tell it: the row's name today and, for measures
    and their points, the measure's data type and period (targets of proportions are shown in
    percent, periods as weeks or months)."""

    id: int
    happened_at: datetime
    who: str
    actor_id: int | None
    entity: str
    entity_id: int
    action: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    subject: str | None = None          # the row's name, title or text today
    measure_id: int | None = None       # a measure, or the measure a data point belongs to
    data_type: str | None = None
    measure_period: str | None = None   # day, week or month
    point_period: date | None = None    # a data point's period


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the history: one event, or the data points one person entered (changed,
    deleted) for one measure within one minute. Newest event first."""

    events: tuple[HistoryEvent, ...]

    @property
    def newest(self) -> HistoryEvent:
        return self.events[0]

    @property
    def happened_at(self) -> datetime:
        return self.events[0].happened_at

    @property
    def who(self) -> str:
        return self.events[0].who


# The rows that belong to a project, each with the name it is told by. One branch per table;
# every branch takes the project id once.
_PROJECT_ROWS = """
    SELECT 'project' AS entity, id, title AS subject, CAST(NULL AS INTEGER) AS measure_id,
           CAST(NULL AS VARCHAR) AS data_type, CAST(NULL AS VARCHAR) AS measure_period,
           CAST(NULL AS DATE) AS point_period
      FROM project WHERE id = ?
    UNION ALL
    SELECT 'team_member', id, name, NULL, NULL, NULL, NULL FROM team_member WHERE project_id = ?
    UNION ALL
    SELECT 'progress_score', id, NULL, NULL, NULL, NULL, NULL FROM progress_score WHERE project_id = ?
    UNION ALL
    SELECT 'driver', id, text, NULL, NULL, NULL, NULL FROM driver WHERE project_id = ?
    UNION ALL
    SELECT 'change_idea', id, text, NULL, NULL, NULL, NULL FROM change_idea WHERE project_id = ?
    UNION ALL
    SELECT 'measure', id, name, id, data_type, period, NULL FROM measure WHERE project_id = ?
    UNION ALL
    SELECT 'data_point', d.id, m.name, m.id, m.data_type, m.period, d.period
      FROM data_point d JOIN measure m ON m.id = d.measure_id WHERE m.project_id = ?
    UNION ALL
    -- slice: measures and data — a deleted data point keeps its history, named from its delete event
    SELECT 'data_point', e.entity_id, m.name, m.id, m.data_type, m.period, CAST(e.before ->> 'period' AS DATE)
      FROM audit_event e JOIN measure m ON m.id = CAST(e.before ->> 'measure_id' AS INTEGER)
     WHERE e.entity = 'data_point' AND e.action = 'delete' AND m.project_id = ?
    UNION ALL
    SELECT 'pdsa_cycle', id, title, NULL, NULL, NULL, NULL FROM pdsa_cycle WHERE project_id = ?
    UNION ALL
    -- slice: no event this period — weeks of an event measure recorded as having no event
    SELECT 'no_event_period', n.id, m.name, m.id, m.data_type, 'week', n.period
      FROM no_event_period n JOIN measure m ON m.id = n.measure_id WHERE m.project_id = ?
    UNION ALL
    -- slice: worksheet — comments on the project's cycles, named by the cycle's title
    SELECT 'cycle_comment', k.id, c.title, NULL, NULL, NULL, NULL
      FROM cycle_comment k JOIN pdsa_cycle c ON c.id = k.cycle_id WHERE c.project_id = ?
    UNION ALL
    -- slice: import — the columns remembered for importing a measure's data, named by the measure
    SELECT 'import_mapping', i.id, m.name, m.id, m.data_type, m.period, NULL
      FROM import_mapping i JOIN measure m ON m.id = i.measure_id WHERE m.project_id = ?
    UNION ALL
    SELECT 'observation', id, text, NULL, NULL, NULL, NULL FROM observation WHERE project_id = ?
    UNION ALL
    SELECT 'problem', p.id, p.title, NULL, NULL, NULL, NULL
      FROM problem p JOIN problem_project l ON l.problem_id = p.id WHERE l.project_id = ?
"""
_PROJECT_ROW_BRANCHES = _PROJECT_ROWS.count("?")

_PROJECT_EVENTS = f"""
    SELECT e.id, e.happened_at, e.who, e.actor_id, e.entity, e.entity_id, e.action, e.before, e.after,
           r.subject, r.measure_id, r.data_type, r.measure_period, r.point_period
      FROM audit_event e
      JOIN ({_PROJECT_ROWS}) r ON r.entity = e.entity AND r.id = e.entity_id
     WHERE CAST(? AS INTEGER) IS NULL OR e.id < ?
     ORDER BY e.id DESC
     LIMIT ?
"""

PROJECT_TABLES: tuple[str, ...] = (
    "project", "team_member", "progress_score", "driver", "change_idea", "measure", "data_point", "pdsa_cycle",
    "observation", "problem",
)


def _json(value: Any) -> dict | None:
    """A JSON column as read back: text on DuckDB, already parsed by psycopg on PostgreSQL."""
    if value is None or isinstance(value, dict):
        return value
    return json.loads(value)


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _history_events(rows: Iterable[tuple]) -> list[HistoryEvent]:
    """Rows of _PROJECT_EVENTS or _THEME_EVENTS (the same columns) as events."""
    return [
        HistoryEvent(
            id=r[0], happened_at=r[1], who=r[2], actor_id=r[3], entity=r[4], entity_id=r[5], action=r[6],
            before=_json(r[7]), after=_json(r[8]), subject=r[9], measure_id=r[10], data_type=r[11],
            measure_period=r[12], point_period=_day(r[13]),
        )
        for r in rows
    ]


def _in_batches(events_before: Callable[[int | None, int], list[HistoryEvent]], batch: int) -> Iterator[HistoryEvent]:
    """Every event ``events_before(before_id, limit)`` gives, newest first, read ``batch`` at a
    time (so a page that shows the latest fifty never reads a long history whole)."""
    before_id = None
    while True:
        events = events_before(before_id, batch)
        yield from events
        if len(events) < batch:
            return
        before_id = events[-1].id


def project_events(
    cur: Cursor, project_id: int, *, before_id: int | None = None, limit: int = 500
) -> list[HistoryEvent]:
    """The project's events older than ``before_id`` (all when None), newest first, at most ``limit``."""
    return _history_events(cur.execute(
        _PROJECT_EVENTS, [project_id] * _PROJECT_ROW_BRANCHES + [before_id, before_id, limit]
    ).fetchall())


def iter_project_events(cur: Cursor, project_id: int, *, batch: int = 500) -> Iterator[HistoryEvent]:
    """Every event of the project, newest first, read ``batch`` at a time."""
    return _in_batches(lambda before_id, limit: project_events(cur, project_id, before_id=before_id, limit=limit),
                       batch)


# slice: theme history — a theme's own events: the theme row (created, name and goal edited,
# contributions chosen, archived, restored), its own outcome measures (measure.theme_id) with
# their data points (deleted ones too), weeks without events and import columns. The projects
# that contribute tell their own history.
_THEME_ROWS = """
    SELECT 'theme' AS entity, id, name AS subject, CAST(NULL AS INTEGER) AS measure_id,
           CAST(NULL AS VARCHAR) AS data_type, CAST(NULL AS VARCHAR) AS measure_period,
           CAST(NULL AS DATE) AS point_period
      FROM theme WHERE id = ?
    UNION ALL
    SELECT 'measure', id, name, id, data_type, period, NULL FROM measure WHERE theme_id = ?
    UNION ALL
    SELECT 'data_point', d.id, m.name, m.id, m.data_type, m.period, d.period
      FROM data_point d JOIN measure m ON m.id = d.measure_id WHERE m.theme_id = ?
    UNION ALL
    SELECT 'data_point', e.entity_id, m.name, m.id, m.data_type, m.period, CAST(e.before ->> 'period' AS DATE)
      FROM audit_event e JOIN measure m ON m.id = CAST(e.before ->> 'measure_id' AS INTEGER)
     WHERE e.entity = 'data_point' AND e.action = 'delete' AND m.theme_id = ?
    UNION ALL
    SELECT 'no_event_period', n.id, m.name, m.id, m.data_type, 'week', n.period
      FROM no_event_period n JOIN measure m ON m.id = n.measure_id WHERE m.theme_id = ?
    UNION ALL
    SELECT 'import_mapping', i.id, m.name, m.id, m.data_type, m.period, NULL
      FROM import_mapping i JOIN measure m ON m.id = i.measure_id WHERE m.theme_id = ?
"""
# A project that names the theme as its own (project.theme_id, on the project's form): the
# events that gave it the theme or took it away, told as 'project_joined_theme' or
# 'project_left_theme' (the rest of such a save belongs to the project's own history).
_PROJECT_THEME_EVENTS = """
    SELECT e.id, e.happened_at, e.who, e.actor_id,
           CASE WHEN CAST(e.after ->> 'theme_id' AS INTEGER) = ? THEN 'project_joined_theme'
                ELSE 'project_left_theme' END AS entity,
           e.entity_id, e.action, e.before, e.after, p.title AS subject, CAST(NULL AS INTEGER) AS measure_id,
           CAST(NULL AS VARCHAR) AS data_type, CAST(NULL AS VARCHAR) AS measure_period,
           CAST(NULL AS DATE) AS point_period
      FROM audit_event e JOIN project p ON p.id = e.entity_id
     WHERE e.entity = 'project'
       AND ? IN (CAST(e.before ->> 'theme_id' AS INTEGER), CAST(e.after ->> 'theme_id' AS INTEGER))
       AND COALESCE(CAST(e.before ->> 'theme_id' AS INTEGER), 0) <> COALESCE(CAST(e.after ->> 'theme_id' AS INTEGER), 0)
"""
_THEME_EVENTS = f"""
    SELECT * FROM (
        SELECT e.id, e.happened_at, e.who, e.actor_id, e.entity, e.entity_id, e.action, e.before, e.after,
               r.subject, r.measure_id, r.data_type, r.measure_period, r.point_period
          FROM audit_event e
          JOIN ({_THEME_ROWS}) r ON r.entity = e.entity AND r.id = e.entity_id
        UNION ALL
        {_PROJECT_THEME_EVENTS}
    ) x
     WHERE CAST(? AS INTEGER) IS NULL OR x.id < ?
     ORDER BY x.id DESC
     LIMIT ?
"""


def theme_events(cur: Cursor, theme_id: int, *, before_id: int | None = None, limit: int = 500) -> list[HistoryEvent]:
    """The theme's own events older than ``before_id`` (all when None), newest first, at most ``limit``."""
    return _history_events(cur.execute(
        _THEME_EVENTS, [theme_id] * (_THEME_ROWS.count("?") + _PROJECT_THEME_EVENTS.count("?"))
        + [before_id, before_id, limit]).fetchall())


def iter_theme_events(cur: Cursor, theme_id: int, *, batch: int = 500) -> Iterator[HistoryEvent]:
    """Every event of the theme, newest first, read ``batch`` at a time."""
    return _in_batches(lambda before_id, limit: theme_events(cur, theme_id, before_id=before_id, limit=limit), batch)
# end slice: theme history


# --- what changed ------------------------------------------------------------------------------

# Bookkeeping, not something a person changes or wants to read about.
HIDDEN_FIELDS: frozenset[str] = frozenset({
    "id", "version", "data_version", "created_by", "entered_by", "entered_at", "event_no", "measure_id",
})

# (entity, column) -> key under history.field, where it is not the column's own name.
_FIELD_KEYS: dict[tuple[str, str], str] = {
    ("driver", "parent_id"): "parent_driver",
    ("pdsa_cycle", "parent_id"): "previous_cycle",
    ("measure", "period"): "measure_period",
    ("measure", "unit"): "measure_unit",
    ("theme", "goal"): "history_page.field_goal",  # slice: theme history
}

# (entity, column) -> the catalogue group that has words for its values
_CODED: dict[tuple[str, str], str] = {
    ("project", "status"): "project_status",
    ("problem", "status"): "problem_status",
    ("problem", "source"): "source",
    ("measure", "kind"): "measure_kind",
    ("driver", "kind"): "driver_kind",
    ("observation", "kind"): "observation_kind",
    ("team_member", "sector"): "sector",
    ("team_member", "role"): "team_role",
    ("measure", "data_type"): "data_type",
    ("measure", "period"): "period",
    ("measure", "direction"): "direction",
    ("measure", "chart"): "chart_type",
    ("measure", "rules"): "rules",
    ("pdsa_cycle", "act_decision"): "decision",
    # slice: pathways
    ("pathway_step", "sector"): "sector",
    ("unit", "sector"): "sector",
}

# column -> the table whose row it names (parent_id depends on the entity)
_REFERENCES: dict[str, str] = {
    "pathway_id": "pathway", "theme_id": "theme", "unit_ids": "unit", "user_id": "app_user",
    "driver_ids": "driver", "change_idea_id": "change_idea", "measure_ids": "measure", "step_id": "pathway_step",
    "problem_id": "problem", "project_id": "project", "cycle_id": "pdsa_cycle", "merged_into_id": "problem",
    "linked_project_id": "project", "linked_change_idea_id": "change_idea",
    "merged_from_id": "problem",  # slice: problems
    "unit_id": "unit",  # slice: pathways
    "project_ids": "project", "linked_theme_id": "theme",  # slice: themes
}
_PARENT_TABLE = {"driver": "driver", "pdsa_cycle": "pdsa_cycle"}

_NAME_COLUMNS: dict[str, str] = {
    "project": "title", "pathway": "name", "theme": "name", "unit": "name", "app_user": "display_name",
    "driver": "text", "change_idea": "text", "measure": "name", "pathway_step": "name", "problem": "title",
    "pdsa_cycle": "title",
}

_DATES = frozenset({"aim_by_when", "start_date", "scored_on", "plan_end", "do_start", "do_end", "observed_on",
                    "reported_on"})
_PERIODS = frozenset({"freeze_until", "splits"})  # shown as the measure's periods (weeks, months)
_BOOLEANS = frozenset({"archived", "is_key", "excluded"})
_NUMBERS = frozenset({"value", "numerator", "denominator", "impact", "effort", "cycle_number", "position"})
# Longer free text is named, not quoted: "changed what was learned in *Cycle 1*".
_LONG_TEXTS = frozenset({
    "description", "definition", "numerator_definition", "denominator_definition", "data_source",
    "collection_frequency", "comment", "note", "goal", "plan_objective", "plan_questions", "plan_predictions",
    "plan_who", "plan_what", "plan_where", "plan_when", "plan_data_collection", "do_what_happened",
    "do_observations", "do_problems", "study_results", "study_learning", "act_next_step",
})
# Chart type NULL means "the data type's own chart": a choice, not an empty field.
_NULL_IS_A_VALUE = frozenset({("measure", "chart")})


def field_key(entity: str, column: str) -> str:
    """The catalogue key that names a field in words: ``history.field.<key>`` (or a whole key
    of a slice's catalogue, when _FIELD_KEYS names one with a dot)."""
    key = _FIELD_KEYS.get((entity, column), column)
    return key if "." in key else "history.field." + key


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _same(old: Any, new: Any) -> bool:
    if _is_empty(old) and _is_empty(new):
        return True
    if isinstance(old, (int, float)) and isinstance(new, (int, float)) and not isinstance(old, bool):
        return abs(float(old) - float(new)) < 1e-12
    if isinstance(old, list) and isinstance(new, list):
        return sorted(map(str, old)) == sorted(map(str, new))
    return old == new


def changes(event: HistoryEvent) -> list[tuple[str, Any, Any]]:
    """What an update changed: (column, before, after) for each field whose value differs."""
    if event.action != "update":
        return []
    before, after = event.before or {}, event.after or {}
    found = []
    for column in list(after) + [c for c in before if c not in after]:
        if column in HIDDEN_FIELDS:
            continue
        old, new = before.get(column), after.get(column)
        if (event.entity, column) in _NULL_IS_A_VALUE and (old is None) != (new is None):
            found.append((column, old, new))
        elif not _same(old, new):
            found.append((column, old, new))
    return found


def _worth_telling(event: HistoryEvent) -> bool:
    return event.action != "update" or bool(changes(event))


def _same_line(earlier: HistoryEvent, event: HistoryEvent) -> bool:
    """Data points one person entered (changed, deleted) for one measure in one minute share a line."""
    return (
        earlier.entity == event.entity == "data_point"
        and earlier.action == event.action
        and (earlier.who, earlier.actor_id, earlier.measure_id) == (event.who, event.actor_id, event.measure_id)
        and earlier.happened_at.replace(second=0, microsecond=0) == event.happened_at.replace(second=0, microsecond=0)
    )


def history_entries(events: Iterable[HistoryEvent]) -> Iterator[HistoryEntry]:
    """The lines of the history, newest first, read lazily from ``events`` (newest first)."""
    group: list[HistoryEvent] = []
    for event in events:
        if not _worth_telling(event):
            continue
        if group and _same_line(group[-1], event):
            group.append(event)
            continue
        if group:
            yield HistoryEntry(tuple(group))
        group = [event]
    if group:
        yield HistoryEntry(tuple(group))


def _newest_entries(events: Iterable[HistoryEvent], limit: int) -> tuple[list[HistoryEntry], bool]:
    """The first ``limit`` lines of ``events`` (newest first), and whether there are more; the
    events are read only as far as the lines need."""
    entries = []
    for entry in history_entries(events):
        if len(entries) == limit:
            return entries, True
        entries.append(entry)
    return entries, False


def project_history(cur: Cursor, project_id: int, *, limit: int) -> tuple[list[HistoryEntry], bool]:
    """The newest ``limit`` lines of the project's history, and whether there are more."""
    return _newest_entries(iter_project_events(cur, project_id), limit)


def theme_history(cur: Cursor, theme_id: int, *, limit: int) -> tuple[list[HistoryEntry], bool]:
    """The newest ``limit`` lines of the theme's history, and whether there are more."""
    return _newest_entries(iter_theme_events(cur, theme_id), limit)


def _references(event: HistoryEvent) -> Iterator[tuple[str, int]]:
    for values in (event.before or {}, event.after or {}):
        for column, value in values.items():
            table = _PARENT_TABLE.get(event.entity) if column == "parent_id" else _REFERENCES.get(column)
            if table is None or value is None:
                continue
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, int) and not isinstance(item, bool):
                    yield table, item


def reference_names(cur: Cursor, entries: Iterable[HistoryEntry | HistoryEvent]) -> dict[tuple[str, int], str]:
    """The names of the rows the events point at (a cycle's change idea, a problem's project …),
    keyed by (table, id), in one query."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        for event in entry.events if isinstance(entry, HistoryEntry) else (entry,):
            for table, row_id in _references(event):
                wanted.setdefault(table, set()).add(row_id)
    if not wanted:
        return {}
    tables = sorted(wanted)
    sql = " UNION ALL ".join(
        f"SELECT CAST('{table}' AS VARCHAR), id, CAST({_NAME_COLUMNS[table]} AS VARCHAR) FROM {table}"
        " WHERE id IN (SELECT unnest(CAST(? AS INTEGER[])))"
        for table in tables
    )
    rows = cur.execute(sql, [sorted(wanted[table]) for table in tables]).fetchall()
    return {(table, row_id): name for table, row_id, name in rows}


# --- telling it ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Formatters:
    """How numbers, percentages, dates and periods are written in the user's language
    (the page passes ui.format's functions)."""

    number: Callable[[float | None, int], str]
    percent: Callable[[float | None, int], str]      # takes a fraction: 0.12 -> "12 %"
    date: Callable[[date | None], str]
    period: Callable[[date, str], str]               # a day and the measure's period (day, week, month)


_MAX_NAME = 80
_ESCAPES = {ord(c): "\\" + c for c in string.punctuation}


def shorten(text: object, limit: int | None = _MAX_NAME) -> str:
    """User-typed text on one line, cut to ``limit`` characters (an observation can be long)."""
    text = " ".join(str(text).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def escape_markdown(text: object, *, limit: int | None = _MAX_NAME) -> str:
    """User-typed text made safe inside Markdown: shortened (:func:`shorten`), and every ASCII
    punctuation character backslash-escaped (CommonMark lets any be escaped, and an escaped one
    is always literal: no links, images, emphasis, HTML or Streamlit's ``:red[…]`` and ``$…$``).
    The page passes ui.plain.plain instead, which also breaks Streamlit's autolinks and icon codes."""
    return shorten(text, limit).translate(_ESCAPES)


def _decimals(value: float) -> int:
    for decimals in (0, 1, 2):
        if abs(round(value, decimals) - value) < 1e-9:
            return decimals
    return 3


class _Teller:
    def __init__(self, t: Translate, fmt: Formatters, names: Mapping[tuple[str, int], str],
                 escape: Callable[[str], str]):
        self.t, self.fmt, self.names, self.escape = t, fmt, names, escape

    def text(self, value: object) -> str:
        """User-typed text as it goes into the sentence: one line, shortened, escaped."""
        return self.escape(shorten(value))

    # words ----------------------------------------------------------------------------------
    def coded(self, group: str, value: Any) -> str:
        try:
            return self.t(f"{group}.{value}")
        except KeyError:
            return self.text(value)

    def field(self, entity: str, column: str) -> str:
        try:
            return self.t(field_key(entity, column))
        except KeyError:
            return self.t("history.field.other")

    def who(self, event: HistoryEvent) -> str:
        return self.text(event.who) if str(event.who).strip() else self.t("history.unnamed")

    def name(self, event: HistoryEvent) -> str:
        subject = event.subject
        if subject is None:
            values = {**(event.before or {}), **(event.after or {})}
            subject = next((values[k] for k in ("title", "name", "text") if values.get(k)), None)
        return self.text(subject) if subject and str(subject).strip() else self.t("history.unnamed")

    def number(self, value: Any) -> str:
        number = float(value)
        return self.fmt.number(number, _decimals(number))

    def period(self, event: HistoryEvent, value: Any) -> str:
        day = _day(value)
        return self.fmt.period(day, event.measure_period or "day") if day else self.t("history.nothing")

    def reference(self, table: str | None, value: Any) -> str:
        name = self.names.get((table, value)) if table else None
        return self.text(name) if name else self.t("history.unknown_item")

    def value(self, event: HistoryEvent, column: str, value: Any) -> str:
        """A field's value in words: coded values from the catalogue, names for links, dates,
        periods and numbers formatted, a proportion's target in percent, text quoted."""
        entity = event.entity
        if (entity, column) == ("measure", "chart") and value is None:
            return self.t("history.chart_default")
        if _is_empty(value):
            return self.t("history.nothing")
        if (entity, column) in _CODED:
            return self.coded(_CODED[(entity, column)], value)
        if column == "parent_id" or column in _REFERENCES:
            table = _PARENT_TABLE.get(entity) if column == "parent_id" else _REFERENCES[column]
            items = value if isinstance(value, list) else [value]
            return ", ".join(self.reference(table, item) for item in items)
        if column in _PERIODS or (entity, column) == ("data_point", "period"):
            items = sorted(value) if isinstance(value, list) else [value]
            return ", ".join(self.period(event, item) for item in items)
        if column in _DATES:
            return self.fmt.date(_day(value))
        if column in _BOOLEANS or isinstance(value, bool):
            return self.t("history.yes") if value else self.t("history.no")
        if column == "target":
            number = float(value)
            if event.data_type == "proportion":
                return self.fmt.percent(number, _decimals(number * 100))
            return self.number(number)
        if column == "score":
            return self.fmt.number(float(value), 1)
        if column in _NUMBERS or isinstance(value, (int, float)):
            return self.number(value)
        if isinstance(value, list):
            return ", ".join(self.t("history.quoted", text=self.text(item)) for item in value)
        return self.t("history.quoted", text=self.text(value))

    # pieces of a sentence -------------------------------------------------------------------
    def piece(self, event: HistoryEvent, column: str, old: Any, new: Any) -> str:
        field = self.field(event.entity, column)
        if column in _LONG_TEXTS:
            return field
        old_empty = _is_empty(old) and (event.entity, column) not in _NULL_IS_A_VALUE
        new_empty = _is_empty(new) and (event.entity, column) not in _NULL_IS_A_VALUE
        if old_empty:
            return self.t("history.piece_set", field=field, new=self.value(event, column, new))
        if new_empty:
            return self.t("history.piece_removed", field=field, old=self.value(event, column, old))
        return self.t("history.piece_changed", field=field, old=self.value(event, column, old),
                      new=self.value(event, column, new))

    def pieces(self, event: HistoryEvent, found: list[tuple[str, Any, Any]]) -> str:
        return ", ".join(self.piece(event, *change) for change in found)

    def changed(self, event: HistoryEvent, found: list[tuple[str, Any, Any]]) -> str:
        who, name = self.who(event), self.name(event)
        if len(found) > 1:
            return self.t("history.changed_many", who=who, name=name, changes=self.pieces(event, found))
        [(column, old, new)] = found
        field = self.field(event.entity, column)
        if column in _LONG_TEXTS:
            return self.t("history.changed_text", who=who, field=field, name=name)
        nullable = (event.entity, column) in _NULL_IS_A_VALUE
        if _is_empty(old) and not nullable:
            return self.t("history.set_one", who=who, field=field, name=name, new=self.value(event, column, new))
        if _is_empty(new) and not nullable:
            return self.t("history.removed_one", who=who, field=field, name=name, old=self.value(event, column, old))
        return self.t("history.changed_one", who=who, field=field, name=name,
                      old=self.value(event, column, old), new=self.value(event, column, new))

    # sentences ------------------------------------------------------------------------------
    def tell(self, entry: HistoryEntry) -> str | None:
        event = entry.newest
        if event.entity in ("project_joined_theme", "project_left_theme"):  # slice: theme history
            return self.project_theme(event)
        if event.entity == "data_point":
            return self.points(entry)
        if event.action == "create":
            return self.created(event)
        if event.action == "delete":
            return self.t("history.deleted", who=self.who(event), name=self.name(event))
        return self.updated(event)

    def created(self, event: HistoryEvent) -> str:
        after, who, name = event.after or {}, self.who(event), self.name(event)
        entity = event.entity
        if entity == "team_member":
            return self.t("history.created_team_member", who=who, name=name,
                          role=self.coded("team_role", after.get("role")))
        if entity == "progress_score":
            score = float(after.get("score") or 0)
            return self.t("history.created_progress_score", who=who, score=self.fmt.number(score, 1),
                          label=self.coded("progress", f"{score:.1f}"), date=self.fmt.date(_day(after.get("scored_on"))))
        if entity == "driver":
            kind = "secondary" if after.get("kind") == "secondary" else "primary"
            return self.t(f"history.created_driver_{kind}", who=who, name=name)
        if entity == "measure":
            return self.t("history.created_measure", who=who, name=name, kind=self.coded("measure_kind", after.get("kind")))
        if entity == "observation":
            return self.t("history.created_observation", who=who, name=name,
                          kind=self.coded("observation_kind", after.get("kind")))
        if entity == "problem":
            return self.t("history.created_problem", who=who, name=name, source=self.coded("source", after.get("source")))
        if entity == "no_event_period":  # slice: no event this period
            return self.t("measure_data.history_no_event", who=who, name=name,
                          period=self.period(event, event.point_period or after.get("period")))
        if entity == "import_mapping":  # slice: import
            return self.t("imports.history_mapping", who=who, name=name)
        if entity == "cycle_comment":  # slice: worksheet — a comment on a cycle, or the team's answer
            key = "worksheet.history_answered" if after.get("reply_to") else "worksheet.history_commented"
            return self.t(key, who=who, name=name, stage=self.coded("cycles", after.get("stage")))
        if entity == "theme":  # slice: theme history
            return self.t("history_page.created_theme", who=who, name=name)
        if entity in ("project", "change_idea", "pdsa_cycle"):
            return self.t(f"history.created_{entity}", who=who, name=name)
        return self.t("history.created_other", who=who, name=name)

    def updated(self, event: HistoryEvent) -> str | None:
        found = changes(event)
        if not found:
            return None
        who, name = self.who(event), self.name(event)
        columns = {column for column, _, _ in found}
        after = event.after or {}
        if event.entity == "import_mapping":  # slice: import — the columns chosen again
            return self.t("imports.history_mapping", who=who, name=name)
        # slice: problems — a merge, told on the duplicate and on the problem kept
        if event.entity == "problem" and "merged_into_id" in columns and after.get("merged_into_id"):
            return self.t("problem_forms.history_merged", who=who, name=name,
                          into=self.reference("problem", after["merged_into_id"]))
        if columns == {"merged_from_id"}:
            return self.t("problem_forms.history_merged", who=who,
                          name=self.reference("problem", after["merged_from_id"]), into=name)
        if columns == {"linked_project_id"}:
            return self.t("history.problem_linked_project", who=who, name=name,
                          project=self.reference("project", after["linked_project_id"]))
        if columns == {"linked_change_idea_id"}:
            return self.t("history.problem_linked_change_idea", who=who, name=name,
                          idea=self.reference("change_idea", after["linked_change_idea_id"]))
        # slice: team — a team member, driver or change idea removed, restored or moved
        if columns == {"archived"} and event.entity in ("team_member", "driver", "change_idea"):
            state = "removed" if after.get("archived") else "restored"
            return self.t(f"team_forms.history.{event.entity}_{state}", who=who, name=name)
        if columns == {"position"} and event.entity == "driver":
            return self.t("team_forms.history.driver_moved", who=who, name=name,
                          old=self.number((event.before or {}).get("position") or 0), new=self.number(after["position"]))
        # end slice: team
        # slice: patient voice — an observation withdrawn or brought back, linked or unlinked
        if event.entity == "observation" and columns == {"archived"}:
            state = "withdrawn" if after.get("archived") else "restored"
            return self.t(f"patient_voice.history_{state}", who=who, name=name)
        if event.entity == "observation" and columns <= {"problem_id", "project_id", "cycle_id"}:
            linked = [self.reference(_REFERENCES[column], new) for column, _, new in found
                      if column in ("problem_id", "project_id", "cycle_id") and not _is_empty(new)]
            if linked:
                return self.t("patient_voice.history_linked", who=who, name=name, to=", ".join(linked))
            return self.t("patient_voice.history_unlinked", who=who, name=name)
        # end slice: patient voice
        # slice: themes — the projects and measures a leader chose for a theme
        if event.entity == "theme" and columns <= {"project_ids", "measure_ids"}:
            def named(table: str, ids: Any) -> str:
                return ", ".join(self.reference(table, i) for i in ids or []) or self.t("history.nothing")

            return self.t("themes.history_contributions", who=who, name=name,
                          projects=named("project", after.get("project_ids")),
                          measures=named("measure", after.get("measure_ids")))
        if event.entity == "project" and columns == {"linked_theme_id"}:
            before = (event.before or {}).get("linked_theme_id")
            if after.get("linked_theme_id"):
                return self.t("themes.history_project_linked", who=who, name=name,
                              theme=self.reference("theme", after["linked_theme_id"]))
            return self.t("themes.history_project_unlinked", who=who, name=name, theme=self.reference("theme", before))
        # end slice: themes
        if columns == {"archived"} and event.entity == "no_event_period":  # slice: no event this period
            key = "history_no_event_removed" if after.get("archived") else "history_no_event_restored"
            return self.t(f"measure_data.{key}", who=who, name=name, period=self.period(event, event.point_period))
        if columns == {"archived"} and event.entity == "theme":  # slice: theme history
            key = "history_page.theme_archived" if after.get("archived") else "history_page.theme_restored"
            return self.t(key, who=who, name=name)
        if columns == {"archived"}:
            return self.t("history.archived" if after.get("archived") else "history.restored", who=who, name=name)
        if event.entity == "pdsa_cycle":
            told = self.cycle(event, found)
            if told:
                return told
        return self.changed(event, found)

    def project_theme(self, event: HistoryEvent) -> str:  # slice: theme history
        """A project that took the theme as its own (started with it, or given it on its form), or left it."""
        who, name = self.who(event), self.name(event)
        before, after = event.before or {}, event.after or {}
        if event.entity == "project_joined_theme":
            key = "history_page.project_started_in_theme" if event.action == "create" else "history_page.project_joined_theme"
            return self.t(key, who=who, name=name, theme=self.reference("theme", after.get("theme_id")))
        return self.t("history_page.project_left_theme", who=who, name=name,
                      theme=self.reference("theme", before.get("theme_id")))

    def cycle(self, event: HistoryEvent, found: list[tuple[str, Any, Any]]) -> str | None:
        """A decision recorded, or a cycle that moved on to another stage."""
        who, name = self.who(event), self.name(event)
        decision = next((new for column, _, new in found if column == "act_decision" and new), None)
        if decision:
            told = self.t("history.cycle_decided", who=who, name=name, decision=self.coded("decision", decision))
            rest = [change for change in found if change[0] != "act_decision"]
            return self.t("history.also", sentence=told, changes=self.pieces(event, rest)) if rest else told
        before, after = event.before or {}, event.after or {}
        if not set(_STAGE_FIELDS) <= set(after):
            return None  # not a whole worksheet: the stage cannot be told
        old, new = _stage(before), _stage({**before, **after})
        if old == new:
            return None
        return self.t("history.cycle_stage", who=who, name=name, stage=self.coded("cycle_stage", new),
                      changes=self.pieces(event, found))

    def point(self, event: HistoryEvent) -> str:
        after = event.after or {}
        period = self.period(event, event.point_period or after.get("period"))
        numerator, denominator, value = after.get("numerator"), after.get("denominator"), after.get("value")
        if numerator is not None and denominator is not None:
            shown = f"{self.number(numerator)}/{self.number(denominator)}"
        elif value is not None:
            shown = self.number(value)
        else:
            return period
        return self.t("history.point_value", period=period, value=shown)

    def periods(self, entry: HistoryEntry) -> str:
        days = sorted(d for d in (e.point_period or _day((e.after or {}).get("period")) for e in entry.events) if d)
        if not days:
            return self.t("history.nothing")
        first, last = self.period(entry.newest, days[0]), self.period(entry.newest, days[-1])
        return first if first == last else self.t("history.period_range", first=first, last=last)

    def points(self, entry: HistoryEntry) -> str | None:
        event, count = entry.newest, len(entry.events)
        who, name = self.who(event), self.name(event)
        if event.action == "create":
            if count == 1:
                return self.t("history.point_entered", who=who, name=name, point=self.point(event))
            return self.t("history.points_entered", who=who, n=count, name=name, periods=self.periods(entry))
        if event.action == "delete":
            if count == 1:  # slice: measures and data — one point deleted, named by its period
                return self.t("measure_data.history_point_deleted", who=who, name=name, period=self.period(
                    event, event.point_period or (event.before or {}).get("period")))
            return self.t("history.points_deleted", who=who, n=count, name=name)
        if count > 1:
            return self.t("history.points_changed", who=who, n=count, name=name, periods=self.periods(entry))
        found = changes(event)
        if not found:
            return None
        period = self.period(event, event.point_period)
        if {column for column, _, _ in found} == {"excluded"}:
            key = "history.point_excluded" if (event.after or {}).get("excluded") else "history.point_included"
            return self.t(key, who=who, name=name, period=period)
        return self.t("history.point_changed", who=who, name=name, period=period, changes=self.pieces(event, found))


# The fields a cycle's stage is read from (as PdsaCycle.stage reads them).
_STAGE_FIELDS = ("act_decision", "do_end", "study_results", "study_learning", "do_start", "do_what_happened")


def _stage(values: Mapping[str, Any]) -> str:
    if values.get("act_decision"):
        return "acted"
    if values.get("do_end") or values.get("study_results") or values.get("study_learning"):
        return "studying"
    if values.get("do_start") or values.get("do_what_happened"):
        return "doing"
    return "planning"


def sentence(
    entry: HistoryEntry | HistoryEvent, t: Translate, fmt: Formatters,
    names: Mapping[tuple[str, int], str] | None = None, *, escape: Callable[[str], str] | None = None,
) -> str | None:
    """The entry (or one event) as a sentence in Markdown, in the language of ``t``: who did
    what, with names emphasised (``*name*``) and values in words. None for a save that changed
    nothing (history_entries leaves those out). ``names`` comes from reference_names; every
    text a person typed (names, titles, values) goes through ``escape`` (default
    :func:`escape_markdown`; the page passes ui.plain's)."""
    if isinstance(entry, HistoryEvent):
        entry = HistoryEntry((entry,))
    return _Teller(t, fmt, names or {}, escape or (lambda text: text.translate(_ESCAPES))).tell(entry)


# --- the whole trail as CSV -------------------------------------------------------------------

CSV_COLUMNS: tuple[str, ...] = ("id", "when", "who", "actor_id", "entity", "entity_id", "action", "before", "after")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell_text(text: str | None) -> str:
    """Free text a spreadsheet would take for a formula gets a leading apostrophe."""
    if text is None:
        return ""
    return "'" + text if text.startswith(_FORMULA_START) else text


_TRAIL_COLUMNS = (
    "id, happened_at, who, actor_id, entity, entity_id, action, CAST(before AS VARCHAR), CAST(after AS VARCHAR)"
)


def _trail_batches(cur: Cursor, batch: int) -> Iterator[list[tuple]]:
    """The audit trail in id order, ``batch`` rows at a time. DuckDB streams one query (a range
    filter on the id would scan the table once per batch); PostgreSQL reads on from the last id
    through the primary key, so the server holds no cursor open between batches."""
    if dialect_of(cur) == "duckdb":
        result = cur.execute(f"SELECT {_TRAIL_COLUMNS} FROM audit_event ORDER BY id")
        while rows := result.fetchmany(batch):
            yield rows
        return
    after_id = None
    while True:
        rows = cur.execute(
            f"SELECT {_TRAIL_COLUMNS} FROM audit_event WHERE CAST(? AS INTEGER) IS NULL OR id > ? ORDER BY id LIMIT ?",
            [after_id, after_id, batch],
        ).fetchall()
        if rows:
            yield rows
        if len(rows) < batch:
            return
        after_id = rows[-1][0]


def iter_audit_csv(cur: Cursor, *, batch: int = 5000, delimiter: str = ";") -> Iterator[bytes]:
    """The whole audit trail as CSV, oldest first, in chunks of ``batch`` events: UTF-8 with a
    byte-order mark (so Excel reads the Danish letters), separated by semicolons (what Excel
    expects in a Danish locale), ``before`` and ``after`` as the JSON text recorded.

    A name that starts like a spreadsheet formula (=, +, -, @) gets a leading apostrophe, so
    opening the file cannot run it; everything else is written as stored."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    for rows in _trail_batches(cur, batch):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(
            (row_id, happened_at.isoformat(sep=" ") if happened_at else "", _cell_text(who),
             "" if actor_id is None else actor_id, entity, entity_id, action, before or "", after or "")
            for row_id, happened_at, who, actor_id, entity, entity_id, action, before, after in rows
        )
        yield buffer.getvalue().encode("utf-8")


def audit_csv(cur: Cursor, *, batch: int = 5000, delimiter: str = ";") -> bytes:
    """The whole audit trail as one CSV file (see :func:`iter_audit_csv`)."""
    return b"".join(iter_audit_csv(cur, batch=batch, delimiter=delimiter))
