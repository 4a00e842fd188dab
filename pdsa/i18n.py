"""The translation catalogue: every text a user sees, in Danish and English.

One TOML file per language in pdsa/locales; keys are dotted ("pathways.title"). A test
fails when a key is missing in either language, so the two stay complete together.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

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
    text = resources.files("pdsa.locales").joinpath(f"{language}.toml").read_text(encoding="utf-8")
    return _flatten(tomllib.loads(text))


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
