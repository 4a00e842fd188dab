"""Which of the file's columns holds what: the guessed (or given, or remembered) mapping.

A mapping goes from our field names to the file's column names, as the command line's
``--mapping`` takes it: ``{"period": "Dato", "numerator": "Tæller", "denominator": "Nævner",
"note": "Kommentarer"}``. Fields: period (a date, week or month), value (one number),
numerator and denominator (a fraction), note, excluded, split (a new part of the chart
starts here), freeze (the baseline ends here).

The guess reads the header first (Danish and English names, the layout
``Dato;Tæller;Nævner;Skift;Frys;Kommentarer`` of Danish SPC tools), then the cells: a column
of dates becomes the period, numeric columns the value or the numerator and denominator.
"""

from __future__ import annotations

import re

from pdsa.imports.reader import Sheet
from pdsa.imports.values import CellProblem, is_empty, looks_like_period, parse_number

FIELDS: tuple[str, ...] = ("period", "value", "numerator", "denominator", "note", "excluded", "split", "freeze")
NUMBER_FIELDS: tuple[str, ...] = ("value", "numerator", "denominator")
FLAG_FIELDS: tuple[str, ...] = ("excluded", "split", "freeze")
FRACTION_TYPES = frozenset({"proportion", "rate"})
SINGLE_VALUE_TYPES = frozenset({"count", "continuous", "cases_between"})

NAMES: dict[str, tuple[str, ...]] = {
    "period": ("dato", "date", "periode", "period", "uge", "week", "maaned", "måned", "month", "dag", "day", "x",
               "tid", "tidspunkt", "aar uge", "år uge", "ugenr", "uge nr", "maaned aar", "måned år", "kvartal",
               "start", "periodestart", "date of event", "hændelsesdato", "dato for hændelse"),
    "numerator": ("tæller", "taeller", "teller", "numerator", "antal opfyldt", "opfyldt", "antal med", "events"),
    "denominator": ("nævner", "naevner", "denominator", "n", "antal i alt", "i alt", "total", "antal patienter",
                    "patienter", "population"),
    "value": ("værdi", "vaerdi", "value", "y", "antal", "count", "resultat", "result", "måling", "maaling",
              "gennemsnit", "mean", "median", "tid minutter", "minutter", "dage", "days", "procent", "andel"),
    "note": ("kommentar", "kommentarer", "note", "noter", "notat", "bemærkning", "bemærkninger", "comment",
             "comments", "notes", "beskrivelse"),
    "excluded": ("udelad", "udeladt", "udeluk", "udelukket", "ekskluder", "ekskluderet", "exclude", "excluded",
                 "ignorer", "ignore"),
    "split": ("skift", "split", "fase", "phase", "faseskift", "ny fase"),
    "freeze": ("frys", "freeze", "frossen", "baseline", "basislinje"),
}


def normalise(name: str) -> str:
    text = name.lower().replace("æ", "æ").strip()
    text = re.sub(r"\(.*?\)|\[.*?\]", " ", text)
    text = re.sub(r"[^0-9a-zæøåé%]+", " ", text)
    return " ".join(text.split())


def _named(columns: list[str], field: str, taken: set[str]) -> str | None:
    wanted = NAMES[field]
    for column in columns:
        if column not in taken and normalise(column) in wanted:
            return column
    for column in columns:   # "Dato (mandag)", "Antal i alt (nævner)": a known word starts it
        words = normalise(column)
        if column not in taken and any(words.startswith(w + " ") for w in wanted if len(w) > 2):
            return column
    return None


def header_has_period(columns: list[str]) -> bool:
    """Is this a header row (for telling it from a title line above it)?"""
    named = [c for c in columns if not c.startswith("(")]
    return len(named) >= 2 and _named(columns, "period", set()) is not None


def needed_fields(data_type: str) -> tuple[str, ...]:
    if data_type in FRACTION_TYPES:
        return ("period", "numerator", "denominator")
    if data_type in SINGLE_VALUE_TYPES:
        return ("period", "value")
    return ("period",)


def fields_for(data_type: str) -> tuple[str, ...]:
    """The fields a measure of this data type can take from a file."""
    if data_type in FRACTION_TYPES:
        numbers = ("numerator", "denominator")
    elif data_type in SINGLE_VALUE_TYPES:
        numbers = ("value",)
    else:
        numbers = ()
    return ("period", *numbers, "note", "excluded", "split", "freeze")


def guess_mapping(sheet: Sheet, data_type: str) -> dict[str, str]:
    """Our fields -> the file's columns, for what the header and the cells show."""
    columns = list(sheet.columns)
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for name in fields_for(data_type):
        column = _named(columns, name, taken)
        if column is not None:
            mapping[name] = column
            taken.add(column)
    sample = sheet.rows[:50]
    if "period" not in mapping:
        for k, column in enumerate(columns):
            cells = [row[k] for row in sample if k < len(row) and not is_empty(row[k])]
            if column not in taken and cells and sum(map(looks_like_period, cells)) >= max(1, len(cells) * 0.8):
                mapping["period"] = column
                taken.add(column)
                break
    numeric = [column for k, column in enumerate(columns) if column not in taken and _numeric(sample, k)]
    for name in [f for f in fields_for(data_type) if f in NUMBER_FIELDS]:
        if name not in mapping and numeric:
            mapping[name] = numeric.pop(0)
            taken.add(mapping[name])
    return {name: mapping[name] for name in FIELDS if name in mapping}


def _numeric(sample: list[list[object]], k: int) -> bool:
    cells = [row[k] for row in sample if k < len(row) and not is_empty(row[k])]
    if not cells:
        return False
    readable = 0
    for cell in cells:
        try:
            parse_number(cell, ",")
            readable += 1
        except CellProblem:
            try:
                parse_number(cell, ".")
                readable += 1
            except CellProblem:
                pass
    return readable >= len(cells) * 0.8


def check_mapping(mapping: dict[str, str], sheet: Sheet, data_type: str) -> list[tuple[str, dict]]:
    """What is wrong with a mapping, as (catalogue code, values): unknown fields or columns,
    one column for two fields, a needed field missing."""
    problems: list[tuple[str, dict]] = []
    allowed = fields_for(data_type)
    for name, column in mapping.items():
        if name not in FIELDS:
            problems.append(("unknown_field", {"field": name, "fields": ", ".join(allowed)}))
        elif name not in allowed:
            problems.append(("field_not_for_measure", {"field": name, "fields": ", ".join(allowed)}))
        elif column not in sheet.columns:
            problems.append(("no_such_column", {"column": column, "columns": ", ".join(sheet.columns)}))
    used = [c for c in mapping.values()]
    for column in sorted({c for c in used if used.count(c) > 1}):
        problems.append(("column_twice", {"column": column}))
    for name in needed_fields(data_type):
        if name not in mapping:
            problems.append(("field_missing", {"field": name, "columns": ", ".join(sheet.columns)}))
    return problems
