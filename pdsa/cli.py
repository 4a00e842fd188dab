"""The command line: ``python -m pdsa init | demo | backup | restore | analyze | import``.

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


def run_backup(args: argparse.Namespace) -> int:
    """Every table to Parquet files with a manifest; on DuckDB the app must be stopped (one
    process holds the file) — or the backup is started from inside the app."""
    from pdsa.core.backup import backup, check_backup_folder

    location = resolve_db_path(args.db)
    if location.path is not None and not location.path.exists():
        print(f"There is no database at {location.path}, so nothing was backed up.", file=sys.stderr)
        return 1
    check_backup_folder(args.directory)  # before the database is opened
    database = open_database(location)
    try:
        cur = database.cursor()
        try:
            summary = backup(cur, args.directory)
        finally:
            cur.close()
    finally:
        database.close()
    print(f"Backed up {location.shown} to {summary.directory}: {summary.tables} tables, {summary.rows} rows, "
          f"schema version {summary.schema_version}, in {summary.seconds:.1f} s.")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    """Fill an empty database of either engine from a backup, all or nothing."""
    from pdsa.core.backup import restore, verify_backup
    from pdsa.core.db import remove_database_files

    location = resolve_db_path(args.db)
    manifest = verify_backup(args.directory)  # a damaged backup is refused before any database is touched
    created = location.path is not None and not location.path.exists()
    try:
        database = open_database(location)
        try:
            cur = database.cursor()
            try:
                summary = restore(cur, args.directory, manifest=manifest, shown=location.shown)
            finally:
                cur.close()
            if location.path is not None:
                checkpoint(database)
        finally:
            database.close()
    except BaseException:
        if created:  # a database file this command made is not left behind empty
            remove_database_files(location.path)
        raise
    print(f"Restored the backup {summary.directory} (made {summary.created_at} on {summary.source_engine}) into "
          f"{location.shown}: {summary.tables} tables, {summary.rows} rows, schema version {summary.schema_version}, "
          f"in {summary.seconds:.1f} s. New ids continue after the restored ones, and the demo sign-in is off.")
    return 0


# slice: import — python -m pdsa import FILE --measure ID
IMPORT_MAPPING_EXAMPLE = '{"period": "Dato", "numerator": "Tæller", "denominator": "Nævner", "note": "Kommentarer"}'


def run_import(args: argparse.Namespace) -> int:
    """Check every row of the file against the measure; exit 2 with the report (nothing saved)
    when any row is wrong, else import all of it in one action (or, with --dry-run, say what
    would be imported)."""
    import json
    from pathlib import Path

    from actions import ImportRefused, import_data_points
    from actions.actor import Actor
    from actions.imports import existing_counts
    from pdsa.i18n import translate
    from pdsa.imports import (
        FileProblem,
        file_problem_line,
        guess_mapping,
        notice_line,
        plan_import,
        read_file_for,
        report_lines,
    )
    from pdsa.store.measures import get_measure

    language = args.language

    def say(key: str, **values) -> str:
        return translate(language, key, **values)

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        print(say("imports.file.cannot_read", path=args.file, reason=exc.strerror or type(exc).__name__),
              file=sys.stderr)
        return 2
    mapping = None
    if args.mapping is not None:
        try:
            mapping = json.loads(args.mapping)
        except json.JSONDecodeError:
            mapping = None
        if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
            print(say("imports.cli.bad_mapping", example=IMPORT_MAPPING_EXAMPLE), file=sys.stderr)
            return 2
    try:
        sheet = read_file_for(data, args.file, sheet=args.sheet)   # before the database is opened
    except FileProblem as problem:
        print(say("imports.report.not_imported_file"), file=sys.stderr)
        print(file_problem_line(problem, language), file=sys.stderr)
        return 2
    database = open_database(resolve_db_path(args.db))
    try:
        cur = database.cursor()
        try:
            measure = get_measure(cur, args.measure)
        except LookupError:
            print(say("imports.cli.no_measure", id=args.measure), file=sys.stderr)
            return 2
        plan = plan_import(sheet, mapping if mapping is not None else guess_mapping(sheet, measure.data_type),
                           measure, decimal=args.decimal)
        for notice in plan.notices:
            print(notice_line(notice, language, measure.period))
        if plan.problems:
            print("\n".join(report_lines(plan, language)), file=sys.stderr)
            if any(p.code.startswith("decimal_") for p in plan.problems):
                print("--decimal , | --decimal .", file=sys.stderr)
            return 2
        if args.dry_run:
            new, existing = existing_counts(cur, plan)
            print(say("imports.cli.dry_run", new=new, existing=existing,
                      on_existing=say(f"imports.cli.{args.on_existing}")))
            return 0
        try:
            result = import_data_points(cur, Actor.command_line(), measure.id, plan, on_existing=args.on_existing,
                                        sheet=sheet.sheet)
        except ImportRefused:
            print("\n".join(report_lines(plan, language)), file=sys.stderr)
            return 2
        print(say("imports.cli.done", measure=measure.name, added=result.added, replaced=result.replaced,
                  skipped=result.skipped))
        return 0
    finally:
        database.close()


def _add_import_parser(commands) -> None:
    from pdsa.imports import MAX_BYTES, MAX_ROWS

    command = commands.add_parser(
        "import", help="import a measure's data from a CSV or Excel file (every row checked first)",
        description="Import a measure's data from a CSV or Excel (.xlsx) file. Every row is checked before "
                    "anything is saved; a file with a wrong row is refused with a report of each row and "
                    f"reason (exit status 2). At most {MAX_ROWS:,} rows and {MAX_BYTES // 1_000_000} MB.",
    )
    command.add_argument("file", metavar="FILE", help="the CSV or .xlsx file")
    command.add_argument("--measure", type=int, required=True, metavar="ID", help="the measure's id")
    command.add_argument("--sheet", metavar="NAME", help="the Excel sheet (default: the first one with data)")
    command.add_argument("--mapping", metavar="JSON",
                         help=f"our fields to the file's columns, e.g. '{IMPORT_MAPPING_EXAMPLE}' (default: guessed); "
                              "fields: period, value, numerator, denominator, note, excluded, split, freeze")
    command.add_argument("--decimal", choices=(",", "."), help="the decimal mark (default: read from the numbers)")
    command.add_argument("--on-existing", choices=("skip", "replace"), default="skip",
                         help="periods that already hold data: skip them (default) or replace their values")
    command.add_argument("--dry-run", action="store_true", help="check the file and say what would be imported")
    command.add_argument("--language", choices=("da", "en"), default="en", help="the report's language (default en)")
    _add_db_option(command)
    command.set_defaults(run=run_import)


def build_parser() -> argparse.ArgumentParser:
    from pdsa.cli_users import add_user_parser
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

    backup = commands.add_parser(
        "backup", help="write every table to Parquet files with a manifest (DuckDB: stop the app first)",
        description="Write every table of the database to DIR (a new or empty folder) as Parquet files, with "
                    "manifest.json: schema version, engine, row counts, checksums and sequence values. On a "
                    "DuckDB file the app must be stopped (one program holds the file at a time).",
    )
    backup.add_argument("directory", metavar="DIR", help="a new or empty folder for the backup")
    _add_db_option(backup)
    backup.set_defaults(run=run_backup)

    restore = commands.add_parser(
        "restore", help="fill an empty database (DuckDB file or PostgreSQL) from a backup",
        description="Fill an empty database of either engine from the backup in DIR, in one transaction. A "
                    "database that holds data, a backup of another schema version and a damaged backup are "
                    "refused without writing anything. The restored database does not let the demo users sign in.",
    )
    restore.add_argument("directory", metavar="DIR", help="a folder written by python -m pdsa backup")
    _add_db_option(restore)
    restore.set_defaults(run=run_restore)

    add_analyze_parser(commands)
    _add_import_parser(commands)  # slice: import
    add_user_parser(commands, _add_db_option)
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
