"""Validation errors with a stable code, so the app can say them in Danish or English.

The English message stays readable for the command line and the tests; the app looks the
code up in the translation catalogue under ``error.<code>`` with the same values.
"""

from __future__ import annotations

from pydantic_core import PydanticCustomError


def invalid(code: str, message: str, *, field: str | None = None, **values: object) -> PydanticCustomError:
    """An error to raise from a validator (it is a ValueError, so plain callers catch it too).

    field names the field a model-level check is about, since pydantic cannot tell.
    """
    context = dict(values)
    if field:
        context["field"] = field
        message = f"{field}: {message}"
    return PydanticCustomError(code, message, context)
