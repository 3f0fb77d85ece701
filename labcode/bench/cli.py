"""The command line, ``python -m labcode.bench``: `main`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from labcode.bench.machine import keep_freed_memory
from labcode.bench.report import format_result, save_results
from labcode.bench.suite import registry, run_suite
from labcode.bench.timing import CLOCKS

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: ``python -m labcode.bench [--list] [--quick] [--clock cpu|wall] [--json PATH] NAME...``; the exit status.

    ``all`` runs every benchmark in the book's order. ``--json PATH`` also
    writes the results, with the machine and the date, to ``PATH`` (see
    `labcode.bench.report.save_results`). ``argv`` defaults to ``sys.argv[1:]``.
    """
    known = registry()
    parser = argparse.ArgumentParser(prog="python -m labcode.bench", description="Run labcode's benchmarks.")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run: all, {', '.join(known)}")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (numbers not meaningful)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu", help="CPU time (default) or wall time")
    parser.add_argument("--json", metavar="PATH", help="also write the results (with the machine) to PATH")
    args = parser.parse_args(argv)
    if args.list:
        for bench in known.values():
            print(f"{bench.name:<14}  {bench.description}")
        return 0
    names = list(known) if args.names == ["all"] else args.names
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        parser.error(f"give 'all' or one or more of {sorted(known)}" + (f"; unknown: {unknown}" if unknown else ""))
    keep_freed_memory()
    suite = run_suite(
        names, quick=args.quick, clock=args.clock, progress=lambda name: print(f"running {name} ...", file=sys.stderr)
    )
    m = suite["machine"]
    blas = ", ".join(f"{b['library']} {b['version']} ({b['kernel']})" for b in m["blas"]) or "unknown"
    print(f"{m['cpu']}, {m['cores']} cores, BLAS {blas}; load {m['load_average']}; {suite['date']}")
    print(f"malloc: {m['malloc']}")
    for name, result in suite["benchmarks"].items():
        print()
        print(format_result(result))
    if args.json:
        save_results(suite, args.json)
        print(f"\nwrote {args.json}")
    return 0
