"""Validation errors in words: which field, and what is wrong with it."""

from __future__ import annotations

import streamlit as st
from pydantic import ValidationError

from pdsa.i18n import catalogue
from ui.state import language, t


def field_label(name: str) -> str:
    key = f"field.{name}"
    return t(key) if key in catalogue(language()) else name


def show_validation_error(exc: ValidationError) -> None:
    """One line per problem, naming the field; nothing was saved."""
    lines = []
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        field, _, rest = message.partition(": ")
        location = ".".join(str(part) for part in error["loc"]) or (field if rest else "")
        reason = rest if rest and field == location else message
        lines.append(f"- **{field_label(location)}**: {reason}" if location else f"- {reason}")
    st.error(t("app.not_saved") + "\n" + "\n".join(lines))
