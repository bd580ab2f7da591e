"""Mappings the manager confirmed, remembered per file headers (with the unit the values were read in)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import NamedTuple

import duckdb


def header_signature(headers: Sequence[str]) -> str:
    return hashlib.sha256(json.dumps([h.strip().lower() for h in headers]).encode()).hexdigest()


class SavedMapping(NamedTuple):
    """A mapping the manager confirmed for a file's headers, with the unit its values were read in."""

    kind: str
    mapping: dict[str, str]
    unit: float | None  # None: the values as the file has them (or as its headers' unit says)


def saved_mapping_json(mapping: dict[str, str], unit: float | None) -> str:
    """The stored text of a remembered mapping: the columns alone, or with the unit they were read in.

    >>> saved_mapping_json({"Rep": "rep"}, None), saved_mapping_json({"Rep": "rep"}, 1000.0)
    ('{"Rep": "rep"}', '{"columns": {"Rep": "rep"}, "unit": 1000.0}')
    """
    return json.dumps(mapping if unit is None else {"columns": mapping, "unit": unit})


def read_saved_mapping(kind: str, text: str) -> SavedMapping:
    """:func:`saved_mapping_json` read back. (A column's field is always text, so a ``columns``
    entry holding an object is the form with a unit, never a column named "columns".)

    >>> read_saved_mapping("targets", saved_mapping_json({"Rep": "rep"}, 1000.0))
    SavedMapping(kind='targets', mapping={'Rep': 'rep'}, unit=1000.0)
    >>> read_saved_mapping("deals", '{"columns": "rep"}').mapping
    {'columns': 'rep'}
    """
    stored = json.loads(text)
    if isinstance(stored.get("columns"), dict):
        unit = stored.get("unit")
        return SavedMapping(kind, stored["columns"], None if unit is None else float(unit))
    return SavedMapping(kind, stored, None)


def load_saved_mapping(conn: duckdb.DuckDBPyConnection, headers: Sequence[str]) -> SavedMapping | None:
    rows = conn.execute("SELECT kind, mapping_json FROM saved_mappings WHERE header_signature = ?",
                        [header_signature(headers)]).fetchall()
    return read_saved_mapping(rows[0][0], rows[0][1]) if rows else None


def save_mapping(conn: duckdb.DuckDBPyConnection, headers: Sequence[str], kind: str,
                 mapping: dict[str, str], unit: float | None = None) -> None:
    """Remember ``mapping`` (and the ``unit`` the values were read in) for files with these headers."""
    conn.execute(
        "INSERT INTO saved_mappings (header_signature, kind, mapping_json) VALUES (?, ?, ?) "
        "ON CONFLICT (header_signature) DO UPDATE SET kind = excluded.kind, "
        "mapping_json = excluded.mapping_json, saved_at = excluded.saved_at",
        [header_signature(headers), kind, saved_mapping_json(mapping, unit)])
