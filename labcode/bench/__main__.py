"""``python -m labcode.bench``: see `labcode.bench.main`."""

from labcode.bench import main

if __name__ == "__main__":
    raise SystemExit(main())
