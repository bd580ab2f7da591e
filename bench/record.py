"""Recording benchmark figures in bench/README.md, one section per benchmark, newest run replacing the old."""

from __future__ import annotations

import os
import platform
import re
import time
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def machine_line() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            names = [line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")]
        if names:
            cpu = names[0]
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {mem_gib:.0f} GiB RAM, Python {platform.python_version()}, "
            f"{time.strftime('%Y-%m-%d')}")


NOTES_KEPT = "<!-- the notes below are kept when the figures above are recorded again -->"
"""A line in a section after which its dated notes (what was tried, measured by hand) survive a new run."""


def record_section(title: str, body: str) -> None:
    """Replace (or append) the section ``## title`` in bench/README.md; what follows a :data:`NOTES_KEPT`
    line in it stays."""
    text = README.read_text() if README.exists() else "# Benchmarks\n\nRun with `make bench`.\n"
    section = f"## {title}\n\n_Machine: {machine_line()}_\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if found := pattern.search(text):
        old = found.group(0)
        if NOTES_KEPT in old:
            section += "\n" + NOTES_KEPT + old.split(NOTES_KEPT, 1)[1].rstrip("\n") + "\n"
        text = text[:found.start()] + section + "\n" + text[found.end():]
    else:
        text = text.rstrip() + "\n\n" + section
    README.write_text(text.rstrip() + "\n")
    print(section)
