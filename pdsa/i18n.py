"""The translation catalogue: every text a user sees, in Danish and English.

A folder per language in pdsa/locales (``da/``, ``en/``), holding TOML files named after the
part of the app whose texts they hold (``app.toml``, ``pathway_forms.toml`` ...); keys are
dotted ("pathways.title") and a key may be defined in only one file. A test fails when a key
is missing in either language, so the two stay complete together.

Counted texts ("1 åbent problem", "3 åbne problemer") are tables with ``one`` and ``other``
(the plural categories Babel's CLDR rules give for Danish and English), read with
:func:`translate_plural`.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

from babel.numbers import format_decimal
from babel.plural import PluralRule
from babel import Locale

LANGUAGES: tuple[str, ...] = ("da", "en")
DEFAULT_LANGUAGE = "da"


def _flatten(table: dict, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{full}."))
        else:
            flat[full] = value
    return flat


@cache
def catalogue(language: str) -> dict[str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    merged: dict[str, str] = {}
    folder = resources.files("pdsa.locales").joinpath(language)
    for file in sorted((f for f in folder.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name):
        texts = _flatten(tomllib.loads(file.read_text(encoding="utf-8")))
        twice = sorted(set(texts) & set(merged))
        if twice:
            raise ValueError(f"{language}/{file.name} repeats keys defined in another file: {', '.join(twice)}")
        merged.update(texts)
    return merged


def translate(language: str, key: str, **values: object) -> str:
    """The text for key in the language, with {placeholders} filled in.

    A missing key raises: an untranslated text must fail a test, not reach a user.
    """
    try:
        text = catalogue(language)[key]
    except KeyError:
        raise KeyError(f"text {key!r} is missing from the {language} catalogue") from None
    return text.format(**values) if values else text


def language_from_locale(locale: str | None) -> str:
    """Danish for a Danish browser, English for every other one."""
    if locale and locale.lower().startswith(("da", "en")):
        return locale[:2].lower()
    return DEFAULT_LANGUAGE if not locale else "en"


@cache
def _plural_rule(language: str) -> PluralRule:
    return Locale.parse(language).plural_form


def translate_plural(language: str, key: str, count: int | float, **values: object) -> str:
    """The counted text for key: ``key.one`` or ``key.other`` as Babel's plural rule for the
    language says, with ``{count}`` written as the language writes numbers."""
    category = _plural_rule(language)(count)
    form = f"{key}.{category}"
    if form not in catalogue(language):
        form = f"{key}.other"
    return translate(language, form, count=format_decimal(count, locale=language), **values)
