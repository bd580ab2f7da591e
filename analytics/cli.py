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
from typing import TYPE_CHECKING, TextIO

from analytics import inbox, quoting
from analytics.store import DatabaseLockedError

if TYPE_CHECKING:
    import pandas as pd

# Each command module and the verbs its ``register`` adds. A run loads only the module of its verb:
# pandas and scipy take about a second to load, which a quick ``imports list`` should not pay for
# (``build_parser`` checks that a module adds exactly the verbs named here).
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "analytics.cli_import": ("import", "imports"),       # import, imports (history, undo)
    "analytics.cli_sample": ("sample",),
    "analytics.cli_calibrate": ("calibrate", "backtest"),
    "analytics.cli_targets": ("targets",),                # targets save|list|show|export
    "analytics.cli_tracking": ("track", "review"),
    "analytics.cli_notes": ("notes",),                    # notes add|list
    "analytics.cli_facts": ("facts",),                    # each rep's last actual, quota, trend; the verdict
    "analytics.cli_users": ("users",),                    # users add|list|remove|reset-password
    "analytics.cli_labels": ("labels",),                  # what activity labels and deal stages count as
}


def refuse(message: str) -> int:
    """Print one line to stderr and return the "refused" exit code."""
    print(f"error: {message}", file=sys.stderr)
    return 2


def json_value(value: object) -> object:
    """A DataFrame cell as JSON: numpy scalars unwrapped, NaN/inf/NA as null, dates in ISO form."""
    if value is None or _is_pandas_na(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _is_pandas_na(value: object) -> bool:
    """Whether ``value`` is ``pd.NA``, without loading pandas (a caller holding one has loaded it)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and value is pandas.NA


def json_records(frame: pd.DataFrame) -> list[dict]:
    return [{k: json_value(v) for k, v in r.items()} for r in frame.to_dict("records")]


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db", default=None, help="DuckDB file (default: $TARGETS_DB or data/targets.duckdb)"
    )


def build_parser(verb: str | None = None) -> argparse.ArgumentParser:
    """The command-line parser: every command, or only the module that owns ``verb`` when one does.

    >>> sorted(build_parser("imports")._subparsers._group_actions[0].choices)
    ['import', 'imports']
    """
    parser = argparse.ArgumentParser(
        prog="python -m analytics",
        description="Sales-target calibration: import CRM exports, calibrate, set and track targets.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    owners = [name for name, verbs in COMMAND_MODULES.items() if verb in verbs]
    for module_name in owners or COMMAND_MODULES:
        module = importlib.import_module(module_name)
        before = set(subparsers.choices)
        module.register(subparsers)
        added = tuple(sorted(set(subparsers.choices) - before))
        if added != tuple(sorted(COMMAND_MODULES[module_name])):
            raise RuntimeError(f"{module_name} adds the verbs {added}, COMMAND_MODULES says "
                               f"{COMMAND_MODULES[module_name]}")
    return parser


def _verb(argv: Sequence[str]) -> str | None:
    """The command word of ``argv`` (its first argument), or None for ``--help`` or nothing."""
    return argv[0] if argv and not argv[0].startswith("-") else None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit code (``python -m analytics`` exits with it).

    A usage error or ``--help`` returns argparse's code (2 or 0) after its message rather than
    raising ``SystemExit``, so a caller in the same process (the tests) gets the code too.
    """
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(_verb(argv))
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
            held = inbox.holder_note(exc.path)  # (a dashboard server left a note: say so, and where its inbox is)
            return refuse(quoting.line(f"{exc}; {held}" if held else str(exc)))
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
