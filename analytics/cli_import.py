"""``python -m analytics import FILE...`` and ``python -m analytics imports list|undo ID|clear-sample``.

Exit codes: 0 every file loaded (rejected rows are reported, not fatal), 2 a file was refused
(nothing of it written), 1 internal error.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from analytics import formatting, quoting, store
from analytics.cli import add_db_argument
from analytics.data_gaps import data_gaps
from analytics.importing import history, mapping, user_input

# The importer (and the sample company, which imports through it) is loaded by the verbs that import
# or undo: ``imports list`` reads the history alone and should start at once.
if TYPE_CHECKING:
    from analytics import importing


def _pair(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected SOURCE=FIELD, got {quoting.quoted(text)}")
    source, target = text.rsplit("=", 1)
    return source, target


def _unit(text: str) -> float:
    """``--unit``: a positive finite number in the range the import accepts, else a usage error (exit 2)."""
    try:
        unit = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 1000, got {quoting.quoted(text)}") from None
    if why := user_input.unit_problem(unit):
        raise argparse.ArgumentTypeError(why)
    return unit


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("import", help="import CRM CSV exports (deals, activities, reps, targets)")
    p.add_argument("files", nargs="+", metavar="FILE")
    add_db_argument(p)
    p.add_argument("--kind", choices=mapping.KINDS, help="skip kind detection")
    p.add_argument("--preset", choices=sorted(mapping.PRESETS), help="use a CRM preset's column names")
    p.add_argument("--map", action="append", type=_pair, default=[], metavar="SOURCE=FIELD",
                   help="map a column to a canonical field (repeatable); FIELD '-' ignores the column")
    p.add_argument("--date-order", choices=("dmy", "mdy"), help="day-first or month-first for ambiguous dates")
    p.add_argument("--unit", type=_unit, help="multiply amounts/targets by N (e.g. 1000 for values in thousands)")
    lines = p.add_mutually_exclusive_group()
    lines.add_argument("--keep-lines", dest="lines", action="store_const", const="keep",
                       help="order lines (rows sharing an order or invoice number): keep each line as a deal "
                            "(remembered with the mapping)")
    lines.add_argument("--sum-lines", dest="lines", action="store_const", const="sum",
                       help="order lines: sum them into one deal per order (the default)")
    p.add_argument("--json", action="store_true", help="one JSON object per file per line")
    p.set_defaults(func=run_import)

    h = subparsers.add_parser("imports", help="import history and undo")
    sub = h.add_subparsers(dest="imports_command", required=True, metavar="ACTION")
    add_db_argument(sub.add_parser("list", help="one line per import, newest first, and its notes"))
    u = sub.add_parser("undo", help="undo one import (restores the previous rows)")
    u.add_argument("import_id", type=int, metavar="ID")
    add_db_argument(u)
    add_db_argument(sub.add_parser(
        "clear-sample", help="remove the sample company's rows (refused once you saved work of your own)"))
    h.set_defaults(func=run_imports)


def _headline(result: importing.ImportResult, path: str) -> str:
    """The result's message; a refusal names the file by the path as it was typed (several files
    given may share a name; the history keeps the name alone)."""
    message = result.message
    if result.status == "refused" and path != result.file and message.startswith(f"{result.file}: "):
        message = f"{path}: {message[len(result.file) + 2:]}"
    return quoting.line(message)


def _print_summary(result: importing.ImportResult, path: str) -> None:
    print(_headline(result, path))
    for note in result.notes:
        if note not in result.warnings:
            print(f"  note: {quoting.line(note)}")
    for warning in result.warnings:  # (last, nearest the prompt: what the figures hang on)
        print(f"  WARNING: {quoting.line(warning)}")
    for r in result.rejects:
        print(f"  rejected line {r['line']}: {quoting.shown(r['column'])} = {quoting.quoted(r['value'])}: "
              f"{quoting.line(r['reason'])}")


def run_import(args: argparse.Namespace) -> int:
    from analytics import importing

    conn = store.connect(args.db)
    refused = False
    try:
        for path in args.files:
            try:
                result = importing.import_file(conn, path, kind=args.kind, preset=args.preset,
                                               mapping=dict(args.map) or None, date_order=args.date_order,
                                               unit=args.unit, lines=args.lines)
            except store.DatabaseLockedError:
                raise
            except Exception as exc:  # an internal error: say which file, exit 1
                print(f"error: {quoting.line(f'{path}: {type(exc).__name__}: {exc}')}", file=sys.stderr)
                return 1
            refused |= result.status == "refused"
            if args.json:
                print(json.dumps(result.to_json_dict(), default=str), flush=True)
            else:
                _print_summary(result, path)
        if not args.json:      # what the files leave empty between them: said once, after the last
            for gap in data_gaps(conn):
                print(f"note: {gap.note}")
    finally:
        conn.close()
    return 2 if refused else 0


def _by(row: history.ImportRecord) -> str:
    """Who imported and who undid, when accounts are on (the CLI and accounts off name nobody).

    >>> from datetime import datetime
    >>> row = history.ImportRecord(1, datetime(2026, 1, 5), "f.csv", "deals", None, "undone", 1, 1, 0, 1, 0, 0,
    ...                            None, datetime(2026, 1, 6), [], imported_by="kim", undone_by="lee")
    >>> _by(row)
    ', by kim, undone by lee'
    """
    said = f", by {quoting.escaped(row.imported_by)}" if row.imported_by else ""
    return said + (f", undone by {quoting.escaped(row.undone_by)}" if row.undone_by else "")


def run_imports(args: argparse.Namespace) -> int:
    conn = store.connect(args.db)
    try:
        if args.imports_command == "undo":
            message = history.undo_import(conn, args.import_id)
            print(quoting.line(message))
            return 0 if message.startswith("undid") else 2
        if args.imports_command == "clear-sample":
            from analytics import sample_company

            try:
                removed = sample_company.clear(conn)
            except sample_company.SampleRemovalError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
            print(f"removed the sample company: {removed.describe()}")
            return 0
        records = history.import_records(conn)
        if not records:
            print("no imports yet")
        for row in records:
            print(f"{row.import_id:>5}  {row.imported_at:%Y-%m-%d %H:%M}  {row.status:<8} {row.kind:<10} "
                  f"{quoting.escaped(row.file_name)}  read {formatting.count(row.rows_read)}, loaded {formatting.count(row.rows_loaded)}, "
                  f"rejected {formatting.count(row.rows_rejected)}" + _by(row))
            for note in row.notes:
                print(f"       note: {quoting.line(note)}")
        return 0
    finally:
        conn.close()
