"""The plan of a first load written by the read that checks it (:mod:`analytics.importing.one_read`):
the ``INSERT``'s SELECT, made from the typed plan of the file's first rows."""

from __future__ import annotations

from analytics.importing import read_sql
from analytics.importing.stage_types import PlanChanged, Stage, WritePlan, _width


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
        l0 = read_sql.read_csv_sql(stage.src, stage.sources, stage.src.read_path, casts=stage.casts)
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
