"""``python -m analytics notes add|list``: check-in notes per rep, the record of weekly one-to-ones.

Examples
--------
python -m analytics notes add --target-set "Q4 plan" --rep "Nathan Vargas" --note "two demos booked" \\
        [--date 2026-11-20]
python -m analytics notes list [--target-set "Q4 plan"] [--rep "Nathan Vargas"] [--csv FILE] [--json]

Exit codes: 0 done, 2 refused (unknown set, empty note, bad date), 1 internal error.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import pandas as pd

from analytics import store
from analytics.cli import add_db_argument, json_records, refuse


def register(subparsers: argparse._SubParsersAction) -> None:
    notes = subparsers.add_parser("notes", help="add and list check-in notes per rep",
                                  description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = notes.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = actions.add_parser("add", help="record a check-in note for a rep")
    add_db_argument(add)
    add.add_argument("--target-set", default=None, help="saved set name or id the note belongs to")
    add.add_argument("--rep", required=True)
    add.add_argument("--note", required=True)
    add.add_argument("--date", default=None, help="YYYY-MM-DD (default: today)")
    add.set_defaults(func=_add)

    show = actions.add_parser("list", help="list notes in date order")
    add_db_argument(show)
    show.add_argument("--target-set", default=None)
    show.add_argument("--rep", default=None)
    show.add_argument("--csv", default=None, help="write the notes to this CSV file")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=_list)


def _add(args: argparse.Namespace) -> int:
    from analytics import tracking

    try:
        when = date.fromisoformat(args.date) if args.date else None
    except ValueError:
        return refuse(f"--date must be a date YYYY-MM-DD, not {args.date!r}")
    conn = store.connect(args.db)
    try:
        tracking.add_note(conn, args.target_set, args.rep, args.note, when)
    except (LookupError, ValueError) as exc:
        return refuse(str(exc))
    finally:
        conn.close()
    print(f"note recorded for {args.rep} ({(when or date.today()).isoformat()})")
    return 0


def _list(args: argparse.Namespace) -> int:
    from analytics import tracking

    conn = store.connect(args.db)
    try:
        notes = tracking.list_notes(conn, args.target_set, args.rep)
        notes["note_date"] = pd.to_datetime(notes["note_date"]).dt.date  # a day, not a midnight timestamp
        text = tracking.notes_csv(conn, args.target_set, args.rep) if args.csv else None
    except (LookupError, ValueError) as exc:
        return refuse(str(exc))
    finally:
        conn.close()
    if text is not None:  # (--csv)
        Path(args.csv).write_text(text, encoding="utf-8")
        print(f"{len(notes)} note(s) written to {args.csv}")
        return 0
    if args.json:
        print(json.dumps(json_records(notes), indent=2))
        return 0
    for r in notes.itertuples():
        print(f"{r.note_date}  {r.rep:<22} {r.note}")
    return 0
