"""``python -m labcode.bench``: see `labcode.bench.cli.main`."""

from labcode.bench.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
