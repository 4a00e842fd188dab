"""The translation catalogue: Danish and English complete, and no text in pages outside it."""

import ast
import re
import string
from pathlib import Path

import pytest

from pdsa.i18n import LANGUAGES, catalogue, language_from_locale, translate
from pdsa.models import (
    CHARTS_FOR_DATA_TYPE,
    PROGRESS_SCORES,
)
from pdsa.spc.result import ASSURANCE_TYPES, CHART_TYPES, POINT_TYPES

ROOT = Path(__file__).resolve().parent.parent
UI_FILES = sorted([ROOT / "streamlit_app.py", *(ROOT / "views").glob("*.py"), *(ROOT / "ui").glob("*.py")])


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_danish_and_english_have_the_same_keys():
    da, en = set(catalogue("da")), set(catalogue("en"))
    assert da - en == set(), "keys missing in English"
    assert en - da == set(), "keys missing in Danish"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_text_is_empty(language):
    assert [k for k, v in catalogue(language).items() if not str(v).strip()] == []


def test_placeholders_agree_between_languages():
    da, en = catalogue("da"), catalogue("en")
    assert [k for k in da if placeholders(da[k]) != placeholders(en[k])] == []


def test_a_missing_key_fails_loudly():
    with pytest.raises(KeyError, match="missing from the da catalogue"):
        translate("da", "no.such.key")


@pytest.mark.parametrize("group, values", [  # the closed vocabularies: tests/test_vocabulary.py
    ("point_type", POINT_TYPES), ("assurance", ASSURANCE_TYPES),
    ("progress", [f"{s:.1f}" for s in PROGRESS_SCORES]),
])
def test_every_coded_value_has_words(group, values):
    for language in LANGUAGES:
        missing = [v for v in values if f"{group}.{v}" not in catalogue(language)]
        assert missing == [], f"{language}: {group} lacks {missing}"


def test_every_chart_a_data_type_offers_has_a_name():
    charts = {c for options in CHARTS_FOR_DATA_TYPE.values() for c in options}
    assert charts <= set(CHART_TYPES)


def test_every_key_the_pages_use_exists():
    used = set()
    for path in UI_FILES:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z_][\w.]*[a-z_])["']""", path.read_text(encoding="utf-8")))
    assert used, "the pattern should find the pages' keys"
    for language in LANGUAGES:
        assert sorted(used - set(catalogue(language))) == []


_TEXT_CALLS = {"title", "header", "subheader", "caption", "markdown", "write", "info", "warning", "error",
               "success", "button", "selectbox", "radio", "text_input", "metric", "expander", "page_link", "tabs"}


def _literal_texts(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _TEXT_CALLS:
            for arg in list(node.args[:1]) + [k.value for k in node.keywords if k.arg in ("label", "help")]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and re.search(r"[A-Za-zÆØÅæøå]{2}", arg.value) \
                        and not arg.value.endswith(".py"):  # page paths are not texts
                    yield node.lineno, arg.value


@pytest.mark.parametrize("path", UI_FILES, ids=lambda p: p.name)
def test_pages_hold_no_hard_coded_texts(path):
    assert list(_literal_texts(ast.parse(path.read_text(encoding="utf-8")))) == []


@pytest.mark.parametrize("locale, expected", [("da-DK", "da"), ("en-GB", "en"), ("de-DE", "en"), (None, "da")])
def test_language_follows_the_browser(locale, expected):
    assert language_from_locale(locale) == expected


def test_every_pdsa_field_the_cycle_view_shows_has_words():
    from ui.cycle_view import _STAGE_FIELDS

    keys = {f"cycles.{name}" for names in _STAGE_FIELDS.values() for name in names} | {
        f"cycles.{stage}" for stage in _STAGE_FIELDS}
    for language in LANGUAGES:
        assert sorted(keys - set(catalogue(language))) == []


@pytest.mark.parametrize("rules", ["anhoej", "mdc"])
def test_rule_sets_have_words(rules):
    assert all(f"rules.{rules}" in catalogue(language) for language in LANGUAGES)


def test_every_validation_error_code_has_words_in_both_languages():
    codes = set()
    for path in [*(ROOT / "pdsa").rglob("*.py"), *(ROOT / "pathways").rglob("*.py")]:
        codes |= set(re.findall(r"""\binvalid\(\s*["'](\w+)["']""", path.read_text(encoding="utf-8")))
    assert len(codes) >= 25, "the pattern should find the models' error codes"
    for language in LANGUAGES:
        assert sorted(c for c in codes if f"error.{c}" not in catalogue(language)) == []


def test_a_validation_error_reads_in_danish():
    from datetime import date

    from pydantic import ValidationError

    from pdsa.models import PdsaCycle

    with pytest.raises(ValidationError) as exc:
        PdsaCycle(project_id=1, title="X", do_start=date(2026, 3, 2), do_end=date(2026, 3, 1))
    [error] = exc.value.errors()
    assert error["type"] == "end_before_start" and error["ctx"]["field"] == "do_end"
    assert translate("da", f"error.{error['type']}") == "slutdatoen ligger før startdatoen"
