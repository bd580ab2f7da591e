"""Run a Python snippet in a fresh process and print its wall time and peak RSS as JSON.

Usage: python -m bench.peak MODULE:FUNCTION [JSON_ARGS]; prints wall seconds, CPU seconds (all
threads), peak RSS and the function's result.
Measuring each candidate in its own process keeps peak memory figures independent. When MODULE
has ``prepare_FUNCTION``, it runs first with the same arguments, outside the timed call (loading
a candidate's libraries, creating its empty database): the figure is the work, not the set-up.
"""

from __future__ import annotations

import importlib
import json
import resource
import sys
import time


def main() -> None:
    target, *rest = sys.argv[1:]
    module_name, func_name = target.split(":")
    kwargs = json.loads(rest[0]) if rest else {}
    module = importlib.import_module(module_name)
    func, prepare = getattr(module, func_name), getattr(module, f"prepare_{func_name}", None)
    if prepare is not None:
        prepare(**kwargs)
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    result = func(**kwargs)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    # CPU seconds of every thread (DuckDB's included): steadier than wall time when other processes
    # share the machine, though not free of them (caches, memory bandwidth).
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(json.dumps({"seconds": wall, "cpu_seconds": cpu, "peak_mib": after.ru_maxrss / 1024, "result": result},
                     default=str))


if __name__ == "__main__":
    main()
