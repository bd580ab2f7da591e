"""The plan of a first load written by the read that checks it (:mod:`analytics.importing.one_read`):
the ``INSERT``'s SELECT, made from the typed plan of the file's first rows."""

from __future__ import annotations

from analytics.importing import read_sql
from analytics.importing.stage_types import PlanChanged, Stage, WritePlan, _width

# DuckDB's rows per row group. The one read's INSERT writes each part of the CSV DuckDB reads
# alone (a quarter of its buffer) as row groups of its own when the part holds a row group or
# more: full ones and a last part-full one. (Parts with fewer rows are joined before they are
# written.) The close's checkpoint merges a run of row groups into one, two or three when that
# makes fewer, so part-full groups with at most two full ones between them are rewritten: at 5M
# activity rows of 61 bytes (16 MB parts: 2 full groups and 28k rows) most of the table, 1-1.4
# CPU s of the close. See bench/README.md, "Import (activity log)". Measured on DuckDB 2.0.0, whose
# part size is not documented: re-measure on an upgrade (tests/test_import_write_buffer.py pins the rule).
ROW_GROUP_ROWS = 122_880


def write_buffer_lines(line_bytes: float, max_line: int) -> int:
    """The one read's buffer in longest lines (``read_sql.MAX_LINE``): the staged reads' 4, or 8
    when the rows of a part of 4 (a quarter of the buffer, ``line_bytes`` a row) would leave the
    close's checkpoint part-full row groups to merge and those of 8 would not.

    A part of ``r = lines * max_line / 4 / line_bytes`` rows is written as ``n = floor(r / R)`` full
    row groups of ``R`` rows and one holding ``f = r / R - n`` of a group; two such with ``n`` full
    groups between them fit in ``n + 1`` groups when ``n <= 2`` and ``f <= 1/2``: those are merged.

    >>> write_buffer_lines(61.3, 16 << 20), write_buffer_lines(197.0, 16 << 20)
    (8, 4)
    """
    for lines in (4, 8):
        rows = lines * max_line / 4 / max(line_bytes, 1.0) / ROW_GROUP_ROWS
        if not (1 <= rows // 1 <= 2 and rows % 1 <= 0.5):
            return lines
    return 4


def plan_write(stage: Stage, typed_plan: str, evidence: list[tuple[str, str]], verdicts: dict[str, str],
               prev: str, *, planning: bool) -> None:
    """A stage written once is planned, not scanned: ``stage.write_plan`` is what its INSERT will
    read. Shaping it again after the write with another plan than the one it was written with
    raises :class:`PlanChanged` (the write is rolled back)."""
    if not planning:
        raise PlanChanged("the whole file asks for another plan than its first rows")
    classes = [n for n, _ in evidence if n.endswith("_cls")]
    if len(classes) <= 4:  # (a USMALLINT holds 4 date classes, counted per value; more date columns: two reads)
        packed = ["rej", *(n for n, _ in evidence if n not in classes)]
        body = f"{typed_plan}, {', '.join(f'{e} AS {n}' for n, e in evidence)} FROM {prev}" if evidence \
            else f"{typed_plan} FROM {prev}"
        l0 = read_sql.read_csv_sql(stage.src, stage.sources, stage.src.read_path, casts=stage.casts,
                                   buffer_lines=write_buffer_lines(stage.src.head_line_bytes, read_sql.MAX_LINE))
        width = _width(len(classes))
        packed_classes = " | ".join(f"({n}::{width} << {4 * i})" for i, n in enumerate(classes)) or f"0::{width}"
        # A stage label the first rows did not show is read from the written rows afterwards
        # (a few distinct values), not sent with every row that has it: only with rejected ones.
        later = {n: f"(CASE WHEN rej IS NOT NULL THEN {n} END)" for n in _stored_label_evidence(stage)}
        head = (f"SELECT {stage.write_select}, rej IS NULL AS ok, {packed_classes} AS once_cls, "
                f"{verdicts['id_hash']} AS once_hash, {read_sql.detail_sql(packed, later)} AS once_detail "
                "FROM (WITH l0 AS (")
        stage.write_plan, stage.typed_plan = WritePlan(head, l0, f"), {body})", classes, packed), typed_plan


def _stored_label_evidence(stage: Stage) -> list[str]:
    """Evidence columns of labels that ``deals`` stores as they are read (trimmed): the stage."""
    cols = stage.by_field.get("stage", [])
    return [f"{cols[0][1]}_new"] if len(cols) == 1 and "status" not in stage.by_field else []
