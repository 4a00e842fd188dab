"""Validation errors in words: which field, and what is wrong with it."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from pdsa.i18n import catalogue
from ui.plain import plain
from ui.state import language, t


def field_label(name: str) -> str:
    key = f"field.{name}"
    return t(key) if key in catalogue(language()) else name


def reason(error: dict) -> str:
    """The error in the user's language when the catalogue knows its code, else as raised."""
    key = f"error.{error['type']}"
    if key in catalogue(language()):
        values = {k: v for k, v in (error.get("ctx") or {}).items() if k != "field"}
        try:
            return t(key, **values)
        except (KeyError, IndexError):
            pass  # a built-in error whose values differ from the catalogue's text
    return plain(error["msg"].removeprefix("Value error, "))  # may quote what was typed


def show_validation_error(exc: ValidationError) -> None:
    """One line per problem, naming the field; nothing was saved."""
    lines = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"]) or (error.get("ctx") or {}).get("field", "")
        text = reason(error)
        lines.append(f"- **{field_label(location)}**: {text}" if location else f"- {text}")
    st.error(t("app.not_saved") + "\n" + "\n".join(lines))
