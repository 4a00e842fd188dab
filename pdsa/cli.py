"""The command line: ``python -m pdsa init | demo | analyze``.

Commands that open the database need the file to themselves: DuckDB lets one process hold
it, so they refuse clearly while the app is running on the same file.
"""

from __future__ import annotations

import argparse
import sys

from pdsa.core.db import (
    DatabaseError,
    checkpoint,
    empty_all_tables,
    is_empty,
    open_database,
    replace_database,
    resolve_db_path,
    write,
)


def _add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", metavar="PATH",
        help="database file, or a postgresql://user:password@host/name URL (default: $PDSA_DB, else "
             "data/pdsa.duckdb); an empty path is refused",
    )


def run_init(args: argparse.Namespace) -> int:
    location = resolve_db_path(args.db)
    con = open_database(location)
    try:
        version = con.execute("SELECT max(version) FROM schema_migration").fetchone()[0]
    finally:
        con.close()
    print(f"Database {location.shown} is ready (schema version {version}).")
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from actions.demo import load_demo

    location = resolve_db_path(args.db)
    if location.url:
        return _demo_on_postgres(location, args.replace)
    path = location.path

    def fill(con) -> object:  # the one place the demo loader is called
        return load_demo(con.cursor(), progress=lambda fraction, message: print(f"{fraction:4.0%}  {message}", flush=True))

    con = open_database(location)  # refuses a database in use, damaged, or made by a newer version
    try:
        holds_data = not is_empty(con.cursor())
        if not args.replace:
            if holds_data:
                print(
                    f"The database {path} already holds data, so the demo was not loaded. "
                    "Use --replace to replace the whole database, audit trail included, with the demo.",
                    file=sys.stderr,
                )
                return 1
            summary = fill(con)  # one transaction: a crash leaves the database empty, never half loaded
            checkpoint(con)
    finally:
        con.close()
    if args.replace:
        print(
            f"Replacing the whole database {path} with the demo: everything in it, its audit trail "
            "included, is deleted. The old database stays until the demo is completely written.",
            flush=True,
        )
        summary = replace_database(path, fill)
    print(f"Demo loaded into {path}: {summary}")
    return 0


def _demo_on_postgres(location, replace: bool) -> int:
    """On PostgreSQL the replacement is one transaction: emptying the tables and loading the demo
    commit together or not at all."""
    from actions.demo import load_demo

    database = open_database(location)
    try:
        cur = database.cursor()
        if not is_empty(cur) and not replace:
            print(f"The database {location.shown} already holds data, so the demo was not loaded. "
                  "Use --replace to replace the whole database, audit trail included, with the demo.",
                  file=sys.stderr)
            return 1
        if replace:
            print(f"Replacing the whole database {location.shown} with the demo: everything in it, its audit "
                  "trail included, is deleted, in the same transaction that loads the demo.", flush=True)

        def change(c):
            empty_all_tables(c)
            return load_demo(c, progress=lambda fraction, message: print(f"{fraction:4.0%}  {message}", flush=True))

        summary = write(cur, change)
    finally:
        database.close()
    print(f"Demo loaded into {location.shown}: {summary}")
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
