"""A few values per column from a file's first records: the Import page shows them beside each column."""

from __future__ import annotations

import csv
from pathlib import Path

from analytics.importing import csv_source


def example_values(path: str | Path, file_name: str | None = None, n: int = 3) -> dict[str, list[str]]:
    """Up to ``n`` non-blank values per column from the first records, keyed like ``SourceFile.headers``.

    Reads only the head of the file; an unreadable file gives ``{}`` (its refusal is reported elsewhere).
    """
    try:
        src = csv_source.open_source(path, file_name)
    except csv_source.RefusedFileError:
        return {}
    try:
        examples: dict[str, list[str]] = {h: [] for h in src.headers}
        with open(src.read_path, encoding="utf-8-sig", errors="replace", newline="") as fh:
            for _ in range(src.skip_lines + 1):  # preamble and header row
                fh.readline()
            for i, row in enumerate(csv.reader(fh, delimiter=src.delimiter)):
                if i >= 200 or all(len(v) >= n for v in examples.values()):
                    break
                for header, cell in zip(src.headers, row, strict=False):
                    cell = cell.strip()
                    if cell and len(examples[header]) < n and cell not in examples[header]:
                        examples[header].append(cell[:60])
        return examples
    finally:
        src.close()
