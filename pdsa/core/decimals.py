"""Numbers as people type and read them: "7,5" in Danish, "7.5" in English.

A browser's number field takes only a decimal point, so "7,5" typed by a Danish user became
75. Number fields are therefore text fields, read and written here with Babel (CLDR's rules
for each language): Danish takes "7,5", "1.000" and "1.000,5"; English "7.5" and "1,000.5".
Spaces (also the no-break space some programs write between thousands) and a trailing "%"
are allowed. A text that could mean two numbers ("7.5" in Danish: 75 or 7,5?) is refused
with the suggestions, never guessed.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import NumberFormatError, format_decimal, parse_decimal


class NotANumber(ValueError):
    """The text is not a number in the language; ``suggestions`` are what it may have meant."""

    def __init__(self, text: str, suggestions: list[str]):
        self.text, self.suggestions = text, suggestions
        super().__init__("not a number" + (f"; did you mean {' or '.join(suggestions)}?" if suggestions else ""))


def parse_decimal_text(text: str | None, language: str) -> float | None:
    """The number in ``text`` (None when it is empty), as the language writes numbers."""
    cleaned = (text or "").replace("\u00a0", "").replace("\u202f", "").replace(" ", "").strip()
    cleaned = cleaned.removesuffix("%").replace("\u2212", "-")  # a typographic minus, as Word writes it
    if not cleaned:
        return None
    try:
        value = parse_decimal(cleaned, locale=language, strict=True)
    except NumberFormatError as exc:
        raise NotANumber(text or "", list(exc.suggestions or [])) from None
    if not value.is_finite():
        raise NotANumber(text or "", [])
    return float(value)


def format_decimal_text(value: float | None, language: str, *, decimals: int | None = None,
                        grouping: bool = True) -> str:
    """``value`` as the language writes it; "" for None. Without ``decimals``, as many as it
    has (up to 6, so 0.1 + 0.2 shows as 0,3), none when it is whole — the form an input
    field shows, which parses back to the same number."""
    if value is None:
        return ""
    if decimals is None:
        number = Decimal(repr(float(value))).quantize(Decimal("0.000001")).normalize()
        pattern = "#,##0.######" if grouping else "0.######"
    else:
        number = Decimal(repr(float(value)))
        pattern = ("#,##0" if grouping else "0") + ("." + "0" * decimals if decimals else "")
    return format_decimal(number, format=pattern, locale=language, decimal_quantization=decimals is not None)
