"""Importing a measure's data from the files teams already have (CSV and Excel).

reader.py reads the file into a sheet of cells (CSV through the same reader as the
``analyze`` command), columns.py guesses which column holds what, values.py reads numbers,
yes/no and periods as Danish data write them, checks.py checks every row against the measure
(the import plan), report.py says the problems in the user's language and store.py keeps the
mapping per measure. The saving is one action: ``actions.import_data_points``.
"""

from pdsa.imports.checks import Notice, Plan, PlannedRow, Problem, plan_import
from pdsa.imports.columns import (
    FIELDS,
    check_mapping,
    fields_for,
    guess_mapping,
    header_has_period,
    needed_fields,
)
from pdsa.imports.reader import (
    MAX_BYTES,
    MAX_ROWS,
    FileProblem,
    Sheet,
    excel_sheets,
    read_upload,
)
from pdsa.imports.report import (
    field_name,
    file_problem_line,
    notice_line,
    problem_line,
    report_lines,
)

__all__ = [
    "FIELDS", "MAX_BYTES", "MAX_ROWS", "FileProblem", "Notice", "Plan", "PlannedRow", "Problem", "Sheet",
    "check_mapping", "excel_sheets", "field_name", "fields_for", "file_problem_line", "guess_mapping",
    "header_has_period", "needed_fields", "notice_line", "plan_import", "problem_line", "read_upload", "report_lines",
]


def read_file_for(data: bytes, filename: str = "", *, sheet: str | None = None) -> Sheet:
    """read_upload with the header recognised by its period column."""
    return read_upload(data, filename, sheet=sheet, header_hint=header_has_period)
