"""The Making Data Count icons' colours and letters, without drawing them.

Kept apart from ``pdsa.charts_icons`` (which draws the icons with Altair, about a second to
import) so the portfolio's table can show the same icons as small SVGs without importing Altair.
"""

from __future__ import annotations

# NHS Making Data Count colours (NHSRplotthedots ptd_spc_colours).
MDC_COLOURS: dict[str, str] = {
    "common_cause": "#7B7D7D",
    "special_cause_improvement": "#289DE0",
    "special_cause_concern": "#FAB428",
    "special_cause_neutral_high": "#361475",
    "special_cause_neutral_low": "#361475",
}
ASSURANCE_COLOURS: dict[str, str] = {
    "consistent_pass": "#289DE0",
    "consistent_fail": "#FAB428",
    "inconsistent": "#7B7D7D",
}
ASSURANCE_LETTERS: dict[str, str] = {"consistent_pass": "P", "consistent_fail": "F", "inconsistent": "?"}


def variation_letter(point_type: str, direction: str) -> str:
    """"H" (a special cause high), "L" (low) or "" (common cause)."""
    if point_type == "special_cause_neutral_high":
        return "H"
    if point_type == "special_cause_neutral_low":
        return "L"
    if point_type == "special_cause_improvement":
        return "L" if direction == "decrease" else "H"
    if point_type == "special_cause_concern":
        return "H" if direction == "decrease" else "L"
    return ""
