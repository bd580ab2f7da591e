"""The layers stay apart, read from the source (AST): the engine never knows Streamlit exists, the
dashboard never talks to DuckDB but through the engine, and every page opens inside the frame.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from helpers import REPO_ROOT

ENGINE = sorted((REPO_ROOT / "analytics").rglob("*.py"))
DASHBOARD = sorted([REPO_ROOT / "app.py", *(REPO_ROOT / "dashboard").rglob("*.py"),
                    *(REPO_ROOT / "pages").glob("*.py")])
PAGES = sorted((REPO_ROOT / "pages").glob("*.py"))
SQL_CALLS = {"execute", "executemany", "sql", "query", "read_csv", "from_df"}


def imported_packages(tree: ast.AST) -> set[str]:
    """The top-level package of every import in a module, wherever it sits (functions, TYPE_CHECKING)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def relative(path: Path) -> str:
    return path.relative_to(REPO_ROOT).as_posix()


@pytest.mark.parametrize(("source", "expected"), [
    ("import streamlit as st", {"streamlit"}),
    ("from streamlit.runtime import x", {"streamlit"}),
    ("def f():\n    import duckdb.typing", {"duckdb"}),
    ("if TYPE_CHECKING:\n    from duckdb import DuckDBPyConnection", {"duckdb"}),
    ("from . import sibling", set()),
])
def test_imports_are_found_wherever_they_sit(source, expected):
    assert imported_packages(ast.parse(source)) == expected


def test_the_modules_checked_are_there():
    assert len(ENGINE) > 30 and len(PAGES) == 7
    assert {relative(p) for p in DASHBOARD} >= {"app.py", "dashboard/frame.py", "dashboard/session.py"}


@pytest.mark.parametrize("path", ENGINE, ids=relative)
def test_the_engine_never_imports_streamlit(path):
    assert "streamlit" not in imported_packages(parsed(path))


@pytest.mark.parametrize("path", DASHBOARD, ids=relative)
def test_the_dashboard_never_imports_duckdb(path):
    assert "duckdb" not in imported_packages(parsed(path))


@pytest.mark.parametrize("path", DASHBOARD, ids=relative)
def test_the_dashboard_runs_no_sql(path):
    """SQL lives in analytics/: the dashboard hands the connection to engine functions only."""
    calls = [node.func.attr for node in ast.walk(parsed(path))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS]
    assert calls == []


@pytest.mark.parametrize("path", PAGES, ids=relative)
def test_every_page_first_asks_for_the_frame_by_its_own_path(path):
    """The page guard's call is the first statement after the imports and names the page itself."""
    body = [node for node in parsed(path).body
            if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]  # the docstring
    first = next(node for node in body if not isinstance(node, ast.Import | ast.ImportFrom))
    assert ast.unparse(first) == f"frame.require('{relative(path)}')"
