"""``python -m analytics COMMAND ...``: the command-line face of the engine.

Each command lives in its own module, which exposes ``register(subparsers)``;
the parser it adds sets ``func(args) -> int`` (the exit code). Exit codes:
0 done, 2 refused (bad input, nothing written), 1 internal error.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import math
import sys
from collections.abc import Sequence
from typing import TextIO

import pandas as pd

from analytics import quoting
from analytics.store import DatabaseLockedError

COMMAND_MODULES = (
    "analytics.cli_import",     # import, imports (history, undo)
    "analytics.cli_sample",     # sample
    "analytics.cli_calibrate",  # calibrate, backtest
    "analytics.cli_targets",    # targets save|list|show|export
    "analytics.cli_tracking",   # track, review
    "analytics.cli_notes",      # notes add|list
)


def refuse(message: str) -> int:
    """Print one line to stderr and return the "refused" exit code."""
    print(f"error: {message}", file=sys.stderr)
    return 2


def json_value(value: object) -> object:
    """A DataFrame cell as JSON: numpy scalars unwrapped, NaN/inf/NA as null, dates in ISO form."""
    if value is None or value is pd.NA:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def json_records(frame: pd.DataFrame) -> list[dict]:
    return [{k: json_value(v) for k, v in r.items()} for r in frame.to_dict("records")]


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", default=None, help="DuckDB file (default: $TARGETS_DB or data/targets.duckdb)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description="Sales-target calibration: import CRM exports, calibrate, set and track targets.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name == module_name:  # command not built in this version
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code (``python -m analytics`` exits with it).

    A usage error or ``--help`` returns argparse's code (2 or 0) after its message rather than
    raising ``SystemExit``, so a caller in the same process (the tests) gets the code too.
    """
    parser = build_parser()
    # Whatever a verb prints may hold a file name or a cell from someone's export: written through
    # quoting.printable, an escape sequence in a rep name cannot recolour or clear the terminal.
    with contextlib.redirect_stdout(PrintableText(sys.stdout)), \
            contextlib.redirect_stderr(PrintableText(sys.stderr)):
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse's own exit: an int status, None for 0
            return int(exc.code or 0)
        try:
            return int(args.func(args) or 0)
        except DatabaseLockedError as exc:  # a user's situation, not our bug: "refused"
            return refuse(quoting.line(str(exc)))
        except KeyboardInterrupt:
            return 130


class PrintableText(io.TextIOBase):
    """A text stream writing to ``target`` through :func:`quoting.printable` (line breaks and tabs
    kept, every other control character escaped)."""

    def __init__(self, target: TextIO) -> None:
        self.target = target

    def write(self, text: str) -> int:
        self.target.write(quoting.printable(text))
        return len(text)

    def flush(self) -> None:
        self.target.flush()
