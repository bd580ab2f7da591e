"""Docs that run: the engine's docstring examples pass, and the docs name only what exists.

* Every ``>>>`` example in ``analytics/`` and ``dashboard/`` runs as a doctest: pyproject.toml
  puts both in pytest's ``testpaths`` with ``--doctest-modules`` (``make test``); pseudo-code is
  marked ``# doctest: +SKIP`` in the docstring.
* docs/ENGINEERING.md's module table (``| module | what it is |``) names only files of analytics/
  and names every one of them; its layout block, and every repository path and ``module.name``
  the two docs mention, exist; every ``python -m analytics COMMAND`` is a command.

A failure here means a doc (or an example) went stale: fix the doc, not the test.
"""

from __future__ import annotations

import fnmatch
import importlib
import re
from pathlib import Path

import pytest

from analytics.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
ANALYTICS = ROOT / "analytics"
ENGINEERING = ROOT / "docs" / "ENGINEERING.md"
README = ROOT / "README.md"
DOCS = (ENGINEERING, README)

# Made at run time, so absent from a checkout: the default database file (git-ignored).
GENERATED = {"data/targets.duckdb"}
TOP_DIRS = ("analytics", "pages", "tests", "bench", "docs", "data")


def _engine_modules() -> list[str]:
    """analytics/*.py and its subpackages' modules (``importing/planning.py``), but the packages' own
    plumbing (``__init__``, ``__main__``)."""
    return sorted(p.relative_to(ANALYTICS).as_posix() for p in ANALYTICS.rglob("*.py")
                  if not p.name.startswith("__"))


# ---- docs/ENGINEERING.md's module table --------------------------------------------------------

def _module_table() -> list[str]:
    """The backticked names in the first column of the table headed ``| module | what it is |``."""
    lines = ENGINEERING.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"\|\s*module\s*\|\s*what it is\s*\|", line))
    names = []
    for line in lines[start + 2:]:              # (after the header and its |---| rule)
        if not line.startswith("|"):
            break
        names += re.findall(r"`([^`]+)`", line.split("|")[1])
    return names


def test_engineering_module_table_is_found():
    assert len(_module_table()) >= 10, "docs/ENGINEERING.md lost its '| module | what it is |' table"


def test_engineering_module_table_names_only_existing_files():
    modules = _engine_modules()
    missing = [name for name in _module_table() if not fnmatch.filter(modules, name)]
    assert not missing, f"docs/ENGINEERING.md's module table names files analytics/ does not have: {missing}"


def test_engineering_module_table_names_every_analytics_module():
    patterns = _module_table()
    unnamed = [m for m in _engine_modules() if not any(fnmatch.fnmatch(m, p) for p in patterns)]
    assert not unnamed, f"analytics/ modules missing from docs/ENGINEERING.md's module table: {unnamed}"


def test_engineering_layout_names_existing_files():
    """The fenced block under "Layout and data flow": one file or folder of the root per line."""
    text = ENGINEERING.read_text()
    block = re.search(r"## Layout and data flow\n```\n(.*?)```", text, re.S)
    assert block, "docs/ENGINEERING.md lost its layout block"
    names = [line.split()[0] for line in block.group(1).splitlines() if line.strip()]
    missing = [name for name in names if not (ROOT / name).exists()]
    assert not missing, f"docs/ENGINEERING.md's layout names what the repository does not have: {missing}"


# ---- paths, names and commands anywhere in the two docs ----------------------------------------

def _paths_in(text: str) -> set[str]:
    """Repository paths (``analytics/x.py``, ``tests/``, ``docs/screenshots/x.png`` ...), backticked,
    linked or bare; a ``*`` in one is a pattern."""
    found = re.findall(rf"(?<![\w./$-])((?:{'|'.join(TOP_DIRS)})/[\w./*-]*)", text)
    return {p.rstrip(".") for p in found} - GENERATED


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_paths_in_docs_exist(doc):
    paths = _paths_in(doc.read_text())
    assert paths, f"no repository path found in {doc.name}: the pattern is broken"
    missing = sorted(p for p in paths if not (list(ROOT.glob(p)) if "*" in p else (ROOT / p).exists()))
    assert not missing, f"{doc.name} names paths the repository does not have: {missing}"


def _module_names_in(text: str) -> set[tuple[str, str]]:
    """Backticked ``module.name`` with ``module`` an engine module (``importer._COMMIT_LOCK``,
    ``import_stage.build(write_once=True)``)."""
    modules = {Path(name).stem: name[:-3].replace("/", ".") for name in _engine_modules()}
    pairs = re.findall(r"`(\w+)\.(\w+)[^`]*`", text)
    return {(modules[m], n) for m, n in pairs if m in modules and n != "py"}   # (not the file ``x.py``)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_module_names_in_docs_exist(doc):
    pairs = _module_names_in(doc.read_text())
    missing = sorted(f"{m}.{n}" for m, n in pairs if not hasattr(importlib.import_module(f"analytics.{m}"), n))
    assert not missing, f"{doc.name} names what the engine does not have: {missing}"


def test_commands_in_docs_exist():
    commands = {c for doc in DOCS for c in re.findall(r"python -m analytics ([a-z][\w-]*)", doc.read_text())}
    assert commands, "no `python -m analytics COMMAND` found in the docs: the pattern is broken"
    subparsers = next(a for a in build_parser()._actions if a.dest == "command")
    missing = sorted(commands - set(subparsers.choices))
    assert not missing, f"the docs name commands `python -m analytics` does not have: {missing}"
