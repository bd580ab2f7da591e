import os
import sys

from analytics.cli import main

# (Guarded: collecting doctests imports every module of the package, and must not run the CLI.)
if __name__ == "__main__":
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`python -m analytics imports list | head`): what it wanted was
        # written. Point stdout at devnull so the interpreter's exit flush does not raise again, and
        # exit as a process ended by SIGPIPE does (128 + 13), as `cat` would.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 141
    sys.exit(code)
