"""The temporary files of an import, owned by the process that made them, and the removal of those
a killed process left behind.

A large file is staged in a DuckDB file of its own (``import-stage-<pid>-*.duckdb``) and the Import
page keeps each upload on disk while the manager looks at it (``uploads-<pid>/`` in a private
folder). A process killed mid-import removes neither. Each name carries the id of the process that
made it, so any later import can tell its own and a live neighbour's files (another import, another
dashboard) from a dead process's leftovers, and remove only those.

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> stage = stage_path(folder)
>>> stage.name.startswith(f"import-stage-{os.getpid()}-"), remove_stale(folder)
(True, [])
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

STAGE_PREFIX = "import-stage-"
UPLOADS_FOLDER = "target-calibration-uploads"
_STAGE_NAME = re.compile(rf"^{STAGE_PREFIX}(\d+)-.*\.duckdb(\.wal)?$")
_UPLOADS_NAME = re.compile(r"^uploads-(\d+)$")
# /proc gives a process's start in whole seconds of boot time and clock ticks: a file is taken as
# older than its process only by more than this, so rounding never removes a live process's file.
_START_SLACK_SECONDS = 2.0


def stage_path(folder: Path | None = None) -> Path:
    """A fresh, not yet existing path for a staging database, named for this process.

    The name is reserved by creating the file and removed again: DuckDB creates the file itself
    (an empty file is not a database)."""
    fd, path = tempfile.mkstemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-", suffix=".duckdb", dir=folder)
    os.close(fd)
    os.unlink(path)
    return Path(path)


def uploads_folder(root: Path | None = None) -> Path:
    """This process's folder for the Import page's uploads, readable by its owner alone.

    Uploads are people's sales figures: the folder above is made 0700 too, so on a shared machine
    other accounts can neither list nor read them (a folder someone else made there is refused).

    >>> import pathlib, stat, tempfile
    >>> folder = uploads_folder(pathlib.Path(tempfile.mkdtemp()))
    >>> oct(stat.S_IMODE(folder.stat().st_mode)), oct(stat.S_IMODE(folder.parent.stat().st_mode))
    ('0o700', '0o700')
    """
    parent = (root or Path(tempfile.gettempdir())) / UPLOADS_FOLDER
    parent.mkdir(mode=0o700, exist_ok=True)
    if parent.stat().st_uid != os.getuid():
        raise PermissionError(f"{parent} belongs to another account: uploads are not written there")
    parent.chmod(0o700)  # (a folder made before uploads were private)
    folder = parent / f"uploads-{os.getpid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def write_upload(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``folder/name`` readable by its owner alone (0600, from its creation)."""
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return path


def remove_stale(folder: Path | None = None) -> list[Path]:
    """Remove the staging files and upload folders in ``folder`` (the temp folder) whose process is
    gone; return what was removed. A file another process is using is never touched.

    Stale means: no process has the id in the name, or the process with that id started after the
    file was last written (the id was reused). Files named before ids were in names are left.
    """
    folder = folder or Path(tempfile.gettempdir())
    candidates = []
    with os.scandir(folder) as entries:
        for entry in entries:
            if found := _STAGE_NAME.match(entry.name):
                candidates.append((Path(entry.path), int(found.group(1))))
    uploads = folder / UPLOADS_FOLDER
    if uploads.is_dir() and uploads.stat().st_uid == os.getuid():
        for entry in os.scandir(uploads):
            if found := _UPLOADS_NAME.match(entry.name):
                candidates.append((Path(entry.path), int(found.group(1))))
    removed = []
    for path, pid in candidates:
        try:
            if not _owner_gone(pid, path.stat().st_mtime):
                continue
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
        except (FileNotFoundError, PermissionError):  # (removed meanwhile, or another account's)
            continue
        removed.append(path)
    return removed


def _owner_gone(pid: int, written_at: float) -> bool:
    """Whether the process that wrote a file at ``written_at`` (epoch seconds) has ended."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except PermissionError:  # another account's live process
        pass
    started = _process_start(pid)
    return started is not None and written_at < started - _START_SLACK_SECONDS


def _process_start(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), from /proc; None where there is no /proc."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
        with open("/proc/stat") as proc_stat:
            boot = next(float(line.split()[1]) for line in proc_stat if line.startswith("btime "))
    except (OSError, StopIteration, ValueError):
        return None
    fields = stat_line.rsplit(")", 1)[1].split()  # (the name in parentheses may hold spaces)
    ticks = float(fields[19])  # field 22 of the line, starttime, counted after the name's field 2
    return boot + ticks / os.sysconf("SC_CLK_TCK")
