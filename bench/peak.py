"""Run a Python snippet in a fresh process and print its wall time and peak RSS as JSON.

Usage: python -m bench.peak MODULE:FUNCTION [JSON_ARGS]
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
    start = time.perf_counter()
    result = func(**kwargs)
    wall = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": wall, "peak_mib": peak_mib, "result": result}, default=str))


if __name__ == "__main__":
    main()
