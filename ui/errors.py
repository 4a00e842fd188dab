"""Validation errors in words: which field, and what is wrong with it; a save's outcome shown."""

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


def problems(exc: ValidationError) -> list[tuple[str, str]]:
    """Each problem as (the field it is about, or "" when none; what is wrong, in words)."""
    found = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"]) or (error.get("ctx") or {}).get("field", "")
        found.append((location, reason(error)))
    return found


def show_validation_error(exc: ValidationError) -> None:
    """One line per problem, naming the field; nothing was saved."""
    lines = [f"- **{field_label(location)}**: {text}" if location else f"- {text}" for location, text in problems(exc)]
    st.error(t("app.not_saved") + "\n" + "\n".join(lines))


def show_field_error(name: str, messages: list[str], *, label: str | None = None) -> None:
    """Right under a form field: what is wrong with it, naming it (``label`` as the field shows
    it, else the catalogue's name for it); nothing was saved."""
    if messages:
        st.error(f"{t('app.not_saved')} **{label or field_label(name)}**: " + " ".join(messages))


def show_message(kind: str, text: str) -> bool:
    """A save's outcome as the forms keep it in session_state, (kind, text): "saved" as a
    success, "info" as a note, "error" as an error. False for any other kind (the form shows
    those itself: a refusal about one field goes under that field)."""
    if kind == "saved":
        st.success(text, icon=":material/check_circle:")
    elif kind == "info":
        st.info(text)
    elif kind == "error":
        st.error(text)
    else:
        return False
    return True
