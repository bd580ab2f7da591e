"""The whole-file text pass, run beside a first load's first reads.

Every import reads every byte of its file before anything else (:func:`analytics.importing.csv_text.scan_text`:
UTF-8 validity, lone CRs, lines, NUL bytes, spaces other than ``' '``). For a file whose head is UTF-8
that pass seldom changes how the file is read, only facts the plan's SQL needs later (whether values
need a NUL check or a wide trim, how many lines to check the count against). So a commit's first
load runs it in a thread while the mapping is decided and the sample is read and profiled (numpy, the
file reads and DuckDB let go of the GIL), and the facts are settled before the plan's SQL is built
(:meth:`analytics.importing.csv_source.SourceFile.text_as_head`). Should the pass find what the head
did not show (a later line in another encoding, a lone CR), the plan is made again from the start,
the file read the sure way (:mod:`analytics.importing.planning`).

>>> import pathlib, tempfile
>>> p = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
>>> _ = p.write_bytes(b"a,b\\n1,2\\n")
>>> TextPass(p, skip=0).evidence().n_lines
2
"""

from __future__ import annotations

import threading
from pathlib import Path

from analytics.importing import csv_text


class TextPass:
    """:func:`csv_text.scan_text` of ``path`` in a thread of its own; :meth:`evidence` waits for it."""

    def __init__(self, path: Path, skip: int) -> None:
        self._evidence: csv_text.TextEvidence | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(path, skip), daemon=True, name="import-text-pass")
        self._thread.start()

    def _run(self, path: Path, skip: int) -> None:
        try:
            self._evidence = csv_text.scan_text(path, skip=skip)
        except BaseException as exc:  # (raised again where the evidence is waited for)
            self._error = exc

    def evidence(self) -> csv_text.TextEvidence:
        """What the pass found, once it has finished (its error, should it have failed)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._evidence is not None, "a finished pass has its evidence or its error"
        return self._evidence
