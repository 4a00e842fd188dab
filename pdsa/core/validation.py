"""Validation errors with a stable code, so the app can say them in Danish or English.

The English message stays readable for the command line and the tests; the app looks the
code up in the translation catalogue under ``error.<code>`` with the same values. A value
holding a CPR number is never repeated: it is replaced by :data:`REDACTED` in both.
"""

from __future__ import annotations

from pydantic_core import PydanticCustomError

# What an error says instead of a value that holds a CPR number.
REDACTED = "…"


def invalid(code: str, message: str, *, field: str | None = None, **values: object) -> PydanticCustomError:
    """An error to raise from a validator (it is a ValueError, so plain callers catch it too).

    field names the field a model-level check is about, since pydantic cannot tell.
    """
    from pdsa.core.fields import contains_cpr  # fields builds on this module

    context = {name: REDACTED if isinstance(value, str) and contains_cpr(value) else value
               for name, value in values.items()}
    if field:
        context["field"] = field
        message = f"{field}: {message}"
    return PydanticCustomError(code, message, context)
