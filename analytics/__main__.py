import sys

from analytics.cli import main

# (Guarded: collecting doctests imports every module of the package, and must not run the CLI.)
if __name__ == "__main__":
    sys.exit(main())
