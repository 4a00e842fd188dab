"""The command line: ``python -m pdsa init | demo | analyze``.

Commands that open the database need the file to themselves: DuckDB lets one process hold
it, so they refuse clearly while the app is running on the same file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pdsa.core.db import DatabaseError, connect, is_empty, resolve_db_path


def _add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="PATH",
        help="database file (default: $PDSA_DB, else data/pdsa.duckdb)",
    )


def _remove_database_files(path: Path) -> None:
    for file in (path, path.with_name(path.name + ".wal")):
        file.unlink(missing_ok=True)


def run_init(args: argparse.Namespace) -> int:
    location = resolve_db_path(args.db)
    con = connect(location.path)
    versions = [row[0] for row in con.execute("SELECT version FROM schema_migration ORDER BY version").fetchall()]
    con.close()
    print(f"Database {location.path} is ready (schema version {max(versions)}).")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from pdsa.demo import load_demo

    location = resolve_db_path(args.db)
    con = connect(location.path)
    cur = con.cursor()
    if not is_empty(cur):
        if not args.replace:
            con.close()
            print(
                f"The database {location.path} already holds data, so the demo was not loaded. "
                "Use --replace to delete everything in it and load the demo instead.",
                file=sys.stderr,
            )
            return 1
        con.close()
        _remove_database_files(location.path)
        con = connect(location.path)
        cur = con.cursor()
    summary = load_demo(cur, progress=lambda fraction, message: print(f"{fraction:4.0%}  {message}"))
    con.execute("CHECKPOINT")
    con.close()
    print(f"Demo loaded into {location.path}: {summary}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from pdsa.spc.cli import add_analyze_parser

    parser = argparse.ArgumentParser(prog="python -m pdsa", description="Improvement tracker for patient pathways.")
    commands = parser.add_subparsers(dest="command", required=True)

    init = commands.add_parser("init", help="create or upgrade the database")
    _add_db_option(init)
    init.set_defaults(run=run_init)

    demo = commands.add_parser("demo", help="load the Danish demo data set")
    _add_db_option(demo)
    demo.add_argument("--replace", action="store_true", help="delete everything in the database first")
    demo.set_defaults(run=run_demo)

    add_analyze_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "analyze":
        from pdsa.spc.cli import run_analyze

        return run_analyze(args)
    try:
        return args.run(args)
    except DatabaseError as exc:
        print(str(exc), file=sys.stderr)
        return 1
