"""`analyze`: run chart / control chart statistics of a CSV file, printed as JSON Lines.

    python -m pdsa.spc.cli analyze data.csv --chart p [--x COL] [--y COL] [--n COL]
        [--freeze K] [--part K[,K...]] [--exclude I[,I...]] [--no-screen-mr]
        [--rules anhoej|mdc] [--direction increase|decrease|neutral] [--target VALUE]
        [--series COL] [--summary] [--decimal ,|.]

One JSON object per line: one for the file, or one per series with ``--series``. The
file is read like the import reads it (``;``, tab or ``,``; decimal comma or point;
UTF-8 or ISO-8859-1: pdsa.spc.reader, pdsa.spc.numbers) and every series is analysed
in one vectorised pass (pdsa.spc.many_engine), so time and memory grow linearly with the
rows. Bad input ends with exit status 2 and one line on stderr naming the row and
column (data rows are numbered from 1, the header not counted), before anything is
written. The project's `python -m pdsa` mounts the same subcommand through
add_analyze_parser(). Nothing here imports pandas: the command starts fast.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import sys
from typing import Any

from .analyze_input import InputError, prepare
from .analyze_output import write
from .many_engine import evaluate
from .result import CHART_TYPES

EXIT_BAD_INPUT = 2
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3   # mallopt parameters (malloc.h)

__all__ = ["EXIT_BAD_INPUT", "InputError", "add_analyze_parser", "main", "run_analyze"]


def add_analyze_parser(subparsers: Any) -> None:
    """Register the "analyze" subcommand on an argparse subparsers object."""
    parser = subparsers.add_parser(
        "analyze",
        help="run chart / control chart statistics of a CSV file as JSON",
        description="Centre line, limits and signals per point, and runs analysis per part, as JSON "
                    "(qicharts2-compatible Anhøj rules, or NHSRplotthedots-compatible Making Data Count rules).",
    )
    parser.add_argument("input", metavar="INPUT.csv",
                        help="CSV file with a header row: ';', tab or ',' separated, UTF-8 or ISO-8859-1")
    parser.add_argument("--chart", help=f"chart type: {', '.join(CHART_TYPES)}")
    parser.add_argument("--x", default=None, help="column of x labels (default x; 1, 2, ... when absent)")
    parser.add_argument("--y", default="y", help="column of values or counts (default y); empty = missing")
    parser.add_argument("--n", default=None,
                        help="column of denominators (default n; used for p, pp, u, up, and for run "
                             "charts when present)")
    parser.add_argument("--freeze", help="the first K points form the baseline")
    parser.add_argument("--part", help="split after these positions, e.g. 12,24")
    parser.add_argument("--exclude", help="leave these positions out of the calculations, e.g. 3,17")
    parser.add_argument("--no-screen-mr", dest="screen_mr", action="store_false",
                        help="do not screen out large moving ranges before computing sigma")
    parser.add_argument("--rules", default="anhoej", help="anhoej (default) or mdc (Making Data Count, chart i)")
    parser.add_argument("--direction", default="increase", help="increase (default), decrease or neutral")
    parser.add_argument("--target", help="target value (used for Making Data Count assurance)")
    parser.add_argument("--series", help="column naming series: one JSON object per series per line")
    parser.add_argument("--summary", action="store_true",
                        help="per series only the parts' runs analysis, centre and limits, and the latest "
                             "part's signal (no points)")
    parser.add_argument("--decimal", help="decimal mark of the numbers, ',' or '.' (default: found from "
                                          "the file; a file that shows both is refused)")


def run_analyze(args: argparse.Namespace) -> int:
    """Analyse the file named in args and print JSON Lines; returns the exit status."""
    keep_freed_memory()
    try:
        prepared = prepare(args)
    except InputError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if prepared.rows.n_series == 0:
        return 0
    evaluation = evaluate(prepared.rows, prepared.settings)
    sys.stdout.flush()
    out = sys.stdout.buffer
    try:
        write(out, prepared, evaluation, summary=args.summary)
        out.flush()
    except BrokenPipeError:   # e.g. piped into `head`: stop quietly, as other commands do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def keep_freed_memory() -> None:
    """Ask glibc's malloc to reuse freed memory rather than hand it back to the kernel.

    The analysis makes and frees many arrays of a few megabytes; by default glibc maps
    each afresh, and the page faults took 0.4-0.9 s of system time of a one-second
    command (10,000 series x 100 rows). Elsewhere (no glibc) this does nothing.
    """
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(M_TRIM_THRESHOLD, 1 << 30)
        libc.mallopt(M_MMAP_THRESHOLD, 1 << 28)   # arrays below 256 MiB from the reused heap
    except (OSError, AttributeError, TypeError):
        pass


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point: `python -m pdsa.spc.cli analyze ...`."""
    parser = argparse.ArgumentParser(prog="python -m pdsa")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_analyze_parser(subparsers)
    return run_analyze(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
