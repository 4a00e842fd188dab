"""The import's problems and notices in the user's language, for the page and the command line.

Every text is in the catalogue (``pdsa/locales/<language>/imports.toml``): a problem's code
names ``imports.problem.<code>``, a file-level one ``imports.file.<code>``, a notice
``imports.notice.<code>``. Numbers are written as the language writes them, periods as
"uge 45 2025" / "week 45 2025", field names in words.
"""

from __future__ import annotations

from datetime import date

from pdsa.core.decimals import format_decimal_text
from pdsa.core.periods import period_label
from pdsa.i18n import catalogue, translate, translate_plural
from pdsa.imports.checks import MAX_PROBLEMS_SHOWN, Notice, Plan, Problem
from pdsa.imports.reader import FileProblem


def field_name(language: str, name: str) -> str:
    key = f"imports.field.{name}"
    return translate(language, key) if key in catalogue(language) else name


def _values(values: dict, language: str, period: str) -> dict:
    shown = {}
    for key, value in values.items():
        if key == "field":
            shown[key] = field_name(language, str(value))
        elif isinstance(value, date):
            shown[key] = period_label(value, period, language)
        elif isinstance(value, float):
            shown[key] = format_decimal_text(value, language)
        else:
            shown[key] = value
    return shown


def problem_reason(problem: Problem, language: str, period: str) -> str:
    """What is wrong, without the row number."""
    values = _values(problem.values, language, period)
    if problem.code == "invalid":
        key = f"error.{problem.values.get('reason_code')}"
        if key in catalogue(language):
            try:
                return translate(language, key, **values)
            except (KeyError, IndexError):
                pass
        return str(problem.values.get("reason", ""))
    return translate(language, f"imports.problem.{problem.code}", **values)


def problem_line(problem: Problem, language: str, period: str) -> str:
    reason = problem_reason(problem, language, period)
    if problem.row is None:
        return reason
    return translate(language, "imports.report.row_line", row=problem.row, reason=reason)


def notice_line(notice: Notice, language: str, period: str) -> str:
    key, values = f"imports.notice.{notice.code}", _values(notice.values, language, period)
    if "count" in notice.values:
        return translate_plural(language, key, notice.values["count"], **{k: v for k, v in values.items() if k != "count"})
    return translate(language, key, **values)


def file_problem_line(problem: FileProblem, language: str) -> str:
    values = {k: format_decimal_text(v, language) if isinstance(v, (int, float)) and k != "row" else v
              for k, v in problem.values.items()}
    return translate(language, f"imports.file.{problem.code}", **values)


def report_lines(plan: Plan, language: str) -> list[str]:
    """The report of a plan with problems: a heading, then one line per problem (at most
    MAX_PROBLEMS_SHOWN, then how many more)."""
    period = plan.measure.period
    bad = plan.bad_rows
    lines = [translate_plural(language, "imports.report.not_imported", len(bad))
             if bad else translate(language, "imports.report.not_imported_file")]
    for problem in plan.problems[:MAX_PROBLEMS_SHOWN]:
        lines.append(problem_line(problem, language, period))
    if len(plan.problems) > MAX_PROBLEMS_SHOWN:
        lines.append(translate_plural(language, "imports.report.more", len(plan.problems) - MAX_PROBLEMS_SHOWN))
    return lines
