"""Benchmarks: named timings, run in one process with BLAS pinned to one thread.

Each benchmark is a function registered with `benchmark` in a module of this
package (`labcode.bench.conventions`, `labcode.bench.loops`,
`labcode.bench.cheap_gradient`, `labcode.bench.training`). It times its cases
with `time_cases` (a warm-up block, then repeated blocks with the cases
interleaved) and returns a `Measurement`. `run` executes one by name under
``threadpoolctl`` (the ``bench`` extra) so that BLAS uses a single thread
(a benchmark that measures threads raises the limit itself), and reports, per
case, the median and the range (min and max) of the repeats. `run_suite` runs
several and adds the machine (`machine`) and the date; `labcode.bench.report`
saves that as JSON, loads it back and turns it into tables. From a shell:

    python -m labcode.bench --list
    python -m labcode.bench training      # about ten seconds
    python -m labcode.bench all --json labcode/bench/performance.json
    python -m labcode.bench all --quick   # a smoke run: structure, not numbers
    python -m labcode.bench training --clock wall

Times are CPU time of the process by default (``time.process_time``): on a
machine shared with other work, time spent waiting for a core is not counted,
so the ratios stay meaningful. ``--clock wall`` uses ``time.perf_counter``.
A benchmark that runs BLAS on several threads must use wall time (CPU time
adds the threads up) and says so in its result.

Timings are never asserted by the tests; only the structure of a quick run is.
"""

from labcode.bench.cli import main
from labcode.bench.machine import blas_kernel, blas_threads, machine
from labcode.bench.report import format_result
from labcode.bench.suite import BENCHMARKS, SCHEMA, Benchmark, Measurement, benchmark, registry, run, run_suite
from labcode.bench.timing import CLOCKS, calibrate, time_cases

__all__ = [
    "Measurement",
    "Benchmark",
    "BENCHMARKS",
    "SCHEMA",
    "CLOCKS",
    "benchmark",
    "registry",
    "time_cases",
    "calibrate",
    "blas_threads",
    "machine",
    "blas_kernel",
    "run",
    "run_suite",
    "format_result",
    "main",
]
