"""``python -m analytics VERB``: every verb once through the real entry point, in a process of its own.

The other CLI tests call ``analytics.cli.main`` in process (``helpers.run_cli``); these prove what
only a new process shows: ``__main__`` wiring, the exit code reaching the shell, and text (with
non-ASCII characters) reaching stdout.
"""

from __future__ import annotations

import argparse
import os

import pytest
from helpers import CORPUS, run_module

from analytics.cli import build_parser

# verb: (arguments, exit code, text its output holds); {db} is a copy of the tracking company.
RUNS = {
    "import": (["import", str(CORPUS / "us_dates.csv"), str(CORPUS / "empty.csv"), "--db", "{tmp}/new.duckdb"],
               2, "empty.csv: the file is empty"),
    "imports": (["imports", "list", "--db", "{db}"], 0, "no imports yet"),
    "sample": (["sample", "--rows", "100", "--out", "{tmp}"], 0, "wrote 100 rows"),
    "calibrate": (["calibrate", "--db", "{db}", "--metric", "revenue"], 0, "2026-Q2"),
    "backtest": (["backtest", "--db", "{db}", "--origins", "2"], 0, "at_or_below"),
    "targets": (["targets", "list", "--db", "{db}"], 0, "Q1 plan"),
    "track": (["track", "--db", "{db}", "--target-set", "Q1 plan"], 0, "Q1 plan v1 — 2026-Q1"),
    "review": (["review", "--db", "{db}", "--target-set", "Q4 plan"], 0, "Q4 plan v1 — review of 2025-Q4"),
    "notes": (["notes", "add", "--db", "{db}", "--target-set", "Q1 plan", "--rep", "ana", "--note", "called",
               "--date", "2026-02-10"], 0, "note recorded for ana (2026-02-10)"),
    "facts": (["facts", "--db", "{db}", "--no-verdict"], 0, "Last 8 quarters"),
    "users": (["users", "list", "--count", "--db", "{db}"], 0, "0"),
    "labels": (["labels", "--db", "{db}", "--kind", "stages"], 0, "deal stages: what each counts as"),
}


def test_every_verb_has_one_run():
    # argparse lists a parser's subcommands only on its (private) actions.
    (commands,) = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    assert set(RUNS) == set(commands.choices)


@pytest.mark.parametrize("verb", RUNS)
def test_every_verb_explains_itself(verb, capsys):
    # in process: argparse formats each help text with % (a stray "4%/year" raised in `sample --help`)
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([verb, "--help"])
    assert done.value.code == 0
    assert "usage:" in capsys.readouterr().out


@pytest.mark.parametrize("verb", RUNS)
def test_verb_runs_as_a_module(verb, tracking_db, tmp_path):
    args, code, text = RUNS[verb]
    done = run_module(*(a.format(db=tracking_db, tmp=tmp_path) for a in args))
    assert done.returncode == code, done.stderr
    assert text in done.stdout


def test_a_folder_or_a_named_pipe_is_refused_not_waited_on(tmp_path):
    """Opening a named pipe waits for a writer: the import must refuse it from its type, at once."""
    os.mkfifo(tmp_path / "pipe.csv")
    (tmp_path / "folder").mkdir()
    done = run_module("import", str(tmp_path / "pipe.csv"), str(tmp_path / "folder"), "--db", str(tmp_path / "x.duckdb"))
    assert done.returncode == 2 and done.stderr == "", done.stderr
    assert done.stdout.splitlines() == [f"{tmp_path / 'pipe.csv'}: this is a named pipe, not a file: save the export "
                                        "as a file and import that",
                                        f"{tmp_path / 'folder'}: this is a folder, not a file: name the CSV file "
                                        "inside it"]
