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


def module_name(path: Path) -> str:
    """``analytics/importing/stage_types.py`` -> ``analytics.importing.stage_types`` (a package: its name)."""
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree: ast.AST, known: set[str]) -> set[str]:
    """The ``known`` modules a module imports, wherever the import sits. ``from package import
    module`` depends on that module (a package whose ``__init__`` imports nothing of its own at run
    time is not in the way); ``from module import name`` on the module."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in known}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & known
            found |= submodules
            if node.module in known and len(submodules) < len(node.names):
                found.add(node.module)
    return found


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(cycles)


@pytest.mark.parametrize(("graph", "expected"), [
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"c"}}, [["a", "b"], ["c", "d"]]),
])
def test_import_cycles_are_found(graph, expected):
    assert import_cycles(graph) == expected


@pytest.mark.parametrize(("source", "expected"), [
    ("from analytics.importing import stage_types, scan", {"analytics.importing.stage_types", "analytics.importing.scan"}),
    ("from analytics.importing.stage_types import Stage", {"analytics.importing.stage_types"}),
    ("def f():\n    from analytics import store", {"analytics.store"}),
    ("from analytics.importing import inspect_file", {"analytics.importing"}),
    ("import duckdb", set()),
])
def test_imported_modules_are_found_wherever_they_sit(source, expected):
    known = {"analytics", "analytics.store", "analytics.importing", "analytics.importing.stage_types",
             "analytics.importing.scan"}
    assert imported_modules(ast.parse(source), known) == expected


def test_no_import_cycle_among_the_engine_modules():
    """Parts depend on parts, orchestration on parts, never the reverse: a module that imports
    one that imports it back (even inside a function) is a cycle, and a tangle to change."""
    known = {module_name(p) for p in ENGINE}
    graph = {module_name(p): imported_modules(parsed(p), known) - {module_name(p)} for p in ENGINE}
    assert import_cycles(graph) == []


def _dataframe_calls(tree: ast.AST) -> list[int]:
    """Lines calling Streamlit's ``dataframe`` directly: ``st.dataframe`` or a container's (``left.dataframe``)."""
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "dataframe"]


@pytest.mark.parametrize(("source", "lines"), [
    ("st.dataframe(df)", [1]),
    ("x = 1\ntables.table(df, hide_index=True)", []),
    ("import streamlit\nstreamlit.dataframe(df)", [2]),
    ("left, right = st.columns(2)\nleft.dataframe(df)", [2]),
])
def test_direct_table_calls_are_found(source, lines):
    assert _dataframe_calls(ast.parse(source)) == lines


@pytest.mark.parametrize("path", [p for p in DASHBOARD if p.name != "tables.py"], ids=relative)
def test_every_read_only_table_shows_a_missing_value_as_a_dash(path):
    """Streamlit draws a missing cell as 'None' ('Result before: None' for a rep hired this quarter): every
    read-only table goes through ``dashboard.tables.table``, which draws it as the product's blank (a dash)."""
    assert not _dataframe_calls(parsed(path)), f"{relative(path)} calls st.dataframe: use dashboard.tables.table"
