"""Every closed list of values is written once (pdsa/core/vocabulary.py); the schema's CHECK
constraints, the models' Literal types and the catalogue's words are tested against it."""

import re
from typing import get_args

import pytest

from pathways.models import Problem
from pdsa.core.vocabulary import SQL_CHECKS, VOCABULARIES
from pdsa.i18n import LANGUAGES, catalogue
from pdsa.models import Measure, PdsaCycle, Project, TeamMember
from pdsa.spc.result import CHART_TYPES as ENGINE_CHART_TYPES

_IN_LIST = re.compile(r'\("?(\w+)"? IN \(([^)]*)\)\)')


_PG_ANY = re.compile(r"\(+(\w+)\)?::text = ANY \(\(ARRAY\[([^\]]*)\]")


def _check_lists(cur) -> dict[tuple[str, str], tuple[str, ...]]:
    """(table, column) -> the values its CHECK (column IN (...)) allows, as the database has it."""
    if getattr(cur, "dialect", "duckdb") == "postgresql":  # PostgreSQL keeps IN (...) as = ANY (ARRAY[...])
        rows = cur.execute(
            "SELECT conrelid::regclass::text, pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'c'"
            " AND conrelid <> 0 AND connamespace = current_schema()::regnamespace"
        ).fetchall()
        pattern = _PG_ANY
    else:
        rows = cur.execute(
            "SELECT table_name, constraint_text FROM duckdb_constraints() WHERE constraint_type = 'CHECK'"
        ).fetchall()
        pattern = _IN_LIST
    found = {}
    for table, expression in rows:
        for column, values in pattern.findall(expression):
            found[(table, column)] = tuple(re.findall(r"'([^']*)'", values))
    return found


def test_every_check_constraint_allows_exactly_its_vocabulary(db):
    in_database = _check_lists(db)
    assert set(in_database) == set(SQL_CHECKS), "a CHECK (... IN ...) without a vocabulary, or the reverse"
    for key, values in SQL_CHECKS.items():
        assert in_database[key] == values, f"{key}: the schema allows {in_database[key]}"


@pytest.mark.parametrize("model, field, group", [
    (Project, "status", "project_status"), (TeamMember, "role", "team_role"), (TeamMember, "sector", "sector"),
    (Measure, "kind", "measure_kind"), (Measure, "data_type", "data_type"), (Measure, "period", "period"),
    (Measure, "direction", "direction"), (Measure, "rules", "rules"), (Problem, "source", "source"),
    (Problem, "status", "problem_status"), (PdsaCycle, "act_decision", "decision"),
])
def test_the_models_take_exactly_the_vocabulary(model, field, group):
    annotation = model.model_fields[field].annotation
    allowed = {a for arg in get_args(annotation) or (annotation,) for a in (get_args(arg) or ()) if a is not None}
    allowed |= set(get_args(annotation)) - {type(None)} if all(isinstance(a, str) for a in get_args(annotation)) else set()
    assert allowed == set(VOCABULARIES[group])


@pytest.mark.parametrize("group", sorted(VOCABULARIES))
def test_every_value_has_words_in_both_languages(group):
    for language in LANGUAGES:
        words = catalogue(language)
        assert [v for v in VOCABULARIES[group] if f"{group}.{v}" not in words] == [], f"{language}: {group}"


def test_the_engine_knows_the_same_charts():
    assert VOCABULARIES["chart_type"] == ENGINE_CHART_TYPES
