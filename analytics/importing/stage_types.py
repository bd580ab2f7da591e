"""The state of one staged file (:class:`Stage`), how its rows are read and written (:class:`Reading`),
what a first load's one read writes (:class:`WritePlan`), and the two ways staging ends early
(:class:`RefusalError`, :class:`PlanChanged`).

Types only: every module of the import reads or fills a ``Stage``; this one imports none of them but
the file it reads (:mod:`analytics.importing.csv_source`) and the SQL that reads it.

Tables (per connection, names carry a token): ``raw`` (the text of the first rows, for the
sample profile only), ``typedt`` (parsed values, the first failing check per row and the
evidence of :mod:`analytics.importing.column_profile`, read straight from the CSV in file order; the view
``typed`` adds ``row_idx``), ``final`` (rows exactly as they will be stored) and ``rej`` (line,
column, value, reason). Nothing here writes to a data table.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np

from analytics.importing import csv_source, mapping, read_sql
from analytics.importing.file_profile import FileProfile
from analytics.importing.reader_casts import NONE as NO_CASTS
from analytics.importing.reader_casts import ReaderCasts


class RefusalError(Exception):
    """The staged file cannot be imported at all (one line)."""


# A check a row must pass: (SQL condition that fails it, CSV header, the value's SQL, the reason's SQL).
Check = tuple[str, str, str, str]


# Records the scan left out, by their negative row_idx: (byte offset, DuckDB's line), either unknown
# when DuckDB did not give it.
LeftOut = dict[int, tuple[int | None, int | None]]


@dataclass
class LineCount:
    """What the line thread found: the line of each left-out record's byte offset, and the line
    each record starts on up to the last reject; or the error that stopped it."""
    lines: dict[int, int] | None = None
    starts: np.ndarray | None = None
    error: Exception | None = None


class LinesJob(NamedTuple):
    """The line thread of :func:`start`, for the left-out records and the first ``upto`` records."""
    thread: threading.Thread
    found: LineCount
    left_out: LeftOut
    upto: int


@dataclasses.dataclass
class WritePlan:
    """What the INSERT of a stage written once reads: the stored columns with the sink's inputs
    (``ok``, ``once_cls``: the date classes ``classes`` packed 4 bits each, ``once_hash``,
    ``once_detail``: the JSON of the ``packed`` evidence columns), from the CSV read by ``l0``.
    ``text``: when the reader casts columns, the same plan over text, for the records its casts
    refused (:mod:`analytics.importing.reader_casts`)."""
    head: str
    l0: str
    tail: str
    classes: list[str]
    packed: list[str]
    text: WritePlan | None = None

    @property
    def sql(self) -> str:
        return self.over(self.l0)

    def over(self, l0: str) -> str:
        """The plan over another read of the CSV (``l0``, a SELECT of the raw columns)."""
        return f"{self.head}{l0}{self.tail}"

    @property
    def width(self) -> str:
        """The integer type ``once_cls`` is packed in."""
        return _width(len(self.classes))


def _width(n_classes: int) -> str:
    return "UTINYINT" if n_classes <= 2 else "USMALLINT"


class Reading(enum.Enum):
    """How a staged file's rows are read and written: a property of the file and the table it goes
    into, chosen once by :func:`analytics.importing.staging.build` (see docs/ENGINEERING.md, "Import:
    two reads, one write" and "Import: one read for a first load").

    - ``ROWS``: the typed rows are staged whole (``typedt``), as rows are compared with each other
      (ids that repeat) or numbered in file order (no id column, the other kinds);
    - ``STREAMED``: ``typedt`` keeps each row's verdict only; ``final`` reads the CSV again;
    - ``ONE_READ``: planned from the sample only; the commit's INSERT is the one read that checks
      the rows (every value parsed from text);
    - ``ONE_READ_CASTS``: the same, the CSV reader typing the plain columns the sample allows
      (:mod:`analytics.importing.reader_casts`).
    """
    ROWS = "rows"
    STREAMED = "streamed"
    ONE_READ = "one read"
    ONE_READ_CASTS = "one read with reader casts"

    @property
    def streamed(self) -> bool:
        """Whether ``typedt`` keeps verdicts only and the rows are read from the CSV when written."""
        return self is not Reading.ROWS

    @property
    def once(self) -> bool:
        """Whether the commit's INSERT is the read that checks the rows."""
        return self in (Reading.ONE_READ, Reading.ONE_READ_CASTS)


@dataclass
class Stage:
    token: str
    kind: str
    src: csv_source.SourceFile
    rows_read: int = 0
    rows_rejected: int = 0
    rows_skipped: int = 0
    n_final: int = 0
    notes: list[str] = field(default_factory=list)
    left_out: LeftOut = field(default_factory=dict)  # records the scan left out (DuckDB's line
                                                     # is right only when every record is one line)
    counted_lines: Callable[[], int | None] | None = None  # the file's lines, when a pass over it counts them
    on_written: Callable[[], None] | None = None  # called once a one read's INSERT has written the rows
    currency: str | None = None
    # Stored columns the file does not carry (a deal export without Created Date, a roster without start
    # dates): a row the file updates keeps its stored values of them, and they do not make it "updated".
    unsaid: frozenset[str] = frozenset()
    write_notes: list = field(default_factory=list)    # what the write found (ids matched without their leading zeros)
    unread_stages: tuple[str, str] | None = None       # (header, column) of stages no word list reads
    levels: list = field(default_factory=list)         # per date column: its cheap-first parse levels
    source_values: dict = field(default_factory=dict)  # raw column -> parsed value SQL
    orders: dict = field(default_factory=dict)         # date column -> 'dmy' | 'mdy'
    sources: list = field(default_factory=list)        # mapped CSV headers, read as c0, c1, ...
    by_field: mapping.ByField = field(default_factory=dict)
    sample: FileProfile = field(default_factory=FileProfile)  # the sample's profile (column_profile)
    typed_plan: str | None = None                      # the typed SQL the scan ran (sans evidence)
    scan_notes: list = field(default_factory=list)    # notes from reading the file (shared while planning)

    spill: str | None = None                           # staging database file for typedt (large files)
    lines_job: LinesJob | None = None
    reading: Reading = Reading.ROWS                    # how the rows are read and written
    rows_body: str | None = None                       # the typed rows' CTEs after l0, with ok (see rows_sql)
    stamp: tuple[int, int] | None = None                         # (size, mtime) of the file the checks read
    write_plan: WritePlan | None = None                # (written once) what its INSERT reads
    casts: ReaderCasts = NO_CASTS  # the reader's casts the plan was made with
    write_select: str | None = None                    # the stored columns as SQL over the typed rows
    records: int | None = None                         # records DuckDB accepted (when typedt holds weights)
    import_id: int | None = None                       # (written once: the import the rows carry)
    options: dict = field(default_factory=dict)        # build()'s parsing options, for shaping again

    def t(self, name: str) -> str:
        # (only typedt: the commit's tables must be TEMP, as one transaction writes to one database)
        if self.spill and name == "typedt" and not self.reading.streamed:
            return f"imp_spill_{self.token}.imp_{name}_{self.token}"
        return f"imp_{name}_{self.token}"

    def rows_sql(self) -> str:
        """The typed rows (every column, and ``ok``: whether every check passed) read from the CSV."""
        return f"WITH l0 AS ({read_sql.read_csv_sql(self.src, self.sources, self.src.read_path, casts=self.casts)}), {self.rows_body}"

    def source_unchanged(self) -> bool:
        return self.stamp == _stamp(self.src.read_path)


def _stamp(path: str | Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def exists(conn: duckdb.DuckDBPyConnection, stage: Stage) -> bool:
    """Whether the stage's final rows are still there (a plan kept for a later commit)."""
    if stage.reading.once:  # (planned only: its rows are read when they are written)
        return True
    name = stage.t("final")
    return conn.execute("SELECT (SELECT count(*) FROM duckdb_views() WHERE view_name = ?) + "
                        "(SELECT count(*) FROM duckdb_tables() WHERE table_name = ?)", [name, name]).fetchall()[0][0] > 0


def drop(conn: duckdb.DuckDBPyConnection, stage: Stage | None) -> None:
    if stage is None:
        return
    views = {r[0] for r in conn.execute("SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}
    for name in ("final", "raw", "typed", "typedt", "rej", "rejrows"):
        kind = "VIEW" if stage.t(name) in views else "TABLE"
        conn.execute(f"DROP {kind} IF EXISTS {stage.t(name)}")
    conn.execute(f"DROP TABLE IF EXISTS imp_typedt_{stage.token}")  # a streamed stage's verdicts
    if stage.src is not None:
        stage.src.close()
    if stage.spill:
        conn.execute(f"DETACH DATABASE IF EXISTS imp_spill_{stage.token}")
        for suffix in ("", ".wal"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(stage.spill + suffix)
        stage.spill = None


class PlanChanged(Exception):  # noqa: N818 (control flow, not an error)
    """A file written once (:mod:`analytics.importing.one_read`) needs what its one read cannot give: its
    whole-file profile asks for another plan than the sample's, its ids repeat, or a reject's
    record cannot be placed. The transaction is rolled back and the file staged the two-read way;
    with ``casts`` (a value the reader's cast read that the text plan reads otherwise), written
    once again without reader casts."""

    def __init__(self, message: str, *, casts: bool = False) -> None:
        super().__init__(message)
        self.casts = casts
