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

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import importlib
import os
import pkgutil
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "Measurement",
    "Benchmark",
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


@dataclass(frozen=True)
class Measurement:
    """What a benchmark function returns.

    Attributes
    ----------
    times : dict of str to list of float
        Seconds per unit of work (for example per epoch), one per timed block, by case.
    unit : str
        What one unit of work is (``"epoch"``, ``"call"``).
    number : dict of str to int
        Units of work per timed block, by case.
    ratios : dict of str to float
        Named ratios of medians, e.g. ``{"by_hand / gemm": 1.05}``.
    targets : dict of str to float
        Upper bounds some ratios should stay under (reported, never enforced).
    notes : dict of str to str
        What each case does.
    params : dict of str to dict
        The parameters of each case (sizes, threads), for tables and figures.
    remarks : list of str
        What a reader must know about the numbers (extrapolations, skipped cases).
    clock : str or None
        The clock actually used, when the benchmark overrides the one asked for.
    blas_threads : int or str
        BLAS threads the cases ran with (``"per case"`` if they differ).

    Examples
    --------
    >>> from labcode.bench import Measurement
    >>> m = Measurement({"a": [2e-3, 3e-3, 2e-3], "b": [1e-3, 1e-3, 1e-3]},
    ...                 "call", {"a": 10, "b": 10}, ratios={"a / b": 2.0})
    >>> m.medians, m.repeats
    ({'a': 0.002, 'b': 0.001}, 3)
    """

    times: dict[str, list[float]]
    unit: str
    number: dict[str, int]
    ratios: dict[str, float] = field(default_factory=dict)
    targets: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    remarks: list[str] = field(default_factory=list)
    clock: str | None = None
    blas_threads: int | str = 1

    @property
    def medians(self) -> dict[str, float]:
        """The median of each case's times."""
        return {case: statistics.median(values) for case, values in self.times.items()}

    @property
    def repeats(self) -> int:
        """Timed blocks per case (the largest, if they differ)."""
        return max((len(values) for values in self.times.values()), default=0)


@dataclass(frozen=True)
class Benchmark:
    """A registered benchmark: its name, a one-line description and its function.

    ``function(quick, clock)`` returns a `Measurement`; ``quick=True`` asks for
    a smoke run that only exercises every case, and ``clock`` is a key of
    `CLOCKS` to pass on to `time_cases`.

    Examples
    --------
    >>> from labcode.bench import registry
    >>> registry()["training"].description
    'one epoch on the reference problem: GEMM floor, hand-written, autograd,
    PyTorch'
    """

    name: str
    description: str
    function: Callable[[bool, str], Measurement]


_BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(
    name: str, description: str
) -> Callable[[Callable[[bool, str], Measurement]], Callable[[bool, str], Measurement]]:
    """Register ``function(quick, clock) -> Measurement`` as the benchmark ``name``.

    Parameters
    ----------
    name : str
        The name given on the command line (not ``all``, which means every one).
    description : str
        One line for ``--list``.

    Returns
    -------
    callable
        A decorator that registers the function and returns it unchanged.

    Raises
    ------
    ValueError
        If another function already has that name, or the name is ``all``.

    Examples
    --------
    >>> from labcode.bench import benchmark, registry
    >>> _ = registry()
    >>> benchmark("training", "again")(lambda quick, clock: None)
    Traceback (most recent call last):
    ...
    ValueError: benchmark 'training' is already registered
    """
    if name == "all":
        raise ValueError("'all' means every benchmark; choose another name")

    def register(function: Callable[[bool, str], Measurement]) -> Callable[[bool, str], Measurement]:
        known = _BENCHMARKS.get(name)
        if known is not None and known.function.__qualname__ != function.__qualname__:
            raise ValueError(f"benchmark {name!r} is already registered")
        _BENCHMARKS[name] = Benchmark(name, description, function)
        return function

    return register


#: The order in which `run_suite` runs the benchmarks (and the page shows them).
ORDER = ["conventions", "loops", "cheap_gradient", "training"]


def registry() -> dict[str, Benchmark]:
    """Every benchmark, by name, after importing all modules of this package.

    Returns
    -------
    dict of str to Benchmark
        In the book's order (`ORDER`), then any others by name.

    Examples
    --------
    >>> from labcode.bench import registry
    >>> list(registry())
    ['conventions', 'loops', 'cheap_gradient', 'training']
    """
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    rank = {name: i for i, name in enumerate(ORDER)}
    return dict(sorted(_BENCHMARKS.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: The clocks a benchmark can be timed with.
CLOCKS: dict[str, Callable[[], float]] = {"cpu": time.process_time, "wall": time.perf_counter}


def _check_clock(clock: str) -> Callable[[], float]:
    if clock not in CLOCKS:
        raise ValueError(f"clock must be one of {sorted(CLOCKS)}, got {clock!r}")
    return CLOCKS[clock]


def time_cases(
    cases: Mapping[str, Callable[[], Callable[[int], object]]],
    *,
    repeats: int,
    number: int | Mapping[str, int],
    clock: str = "cpu",
) -> dict[str, list[float]]:
    """Time several cases interleaved; return seconds per unit of work, per repeat.

    Each case is a ``prepare()`` function, called untimed before every block,
    that returns ``work(k)`` doing ``k`` units of work on fresh state. One
    untimed block per case warms up; then each repeat times one block of
    every case, in an order rotated from repeat to repeat so that no case
    always runs first. The garbage collector is paused while timing.

    Parameters
    ----------
    cases : mapping of str to callable
        ``prepare`` functions by case name.
    repeats : int
        Timed blocks per case, at least 1.
    number : int or mapping of str to int
        Units of work per block (the same for every case, or by case), at least 1.
    clock : {"cpu", "wall"}, default "cpu"
        CPU time of the process, or wall-clock time (see `CLOCKS`).

    Returns
    -------
    dict of str to list of float
        For each case, ``repeats`` times in seconds per unit.

    Raises
    ------
    ValueError
        For ``repeats`` or a ``number`` below 1, or an unknown clock.

    Examples
    --------
    >>> from labcode.bench import time_cases
    >>> times = time_cases({"sum": lambda: lambda k: sum(range(100 * k))},
    ...                    repeats=3, number=2)
    >>> len(times["sum"]), all(t > 0 for t in times["sum"])
    (3, True)
    """
    names = list(cases)
    numbers = {name: number for name in names} if isinstance(number, int) else dict(number)
    if repeats < 1 or any(numbers.get(name, 0) < 1 for name in names):
        raise ValueError(f"repeats and number must be at least 1, got {repeats} and {number}")
    now = _check_clock(clock)
    times: dict[str, list[float]] = {name: [] for name in names}
    for name in names:
        cases[name]()(1)
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            work = cases[name]()
            with _no_gc():
                start = now()
                work(numbers[name])
                times[name].append((now() - start) / numbers[name])
    return times


def calibrate(prepare: Callable[[], Callable[[int], object]], *, seconds: float, clock: str = "wall") -> int:
    """How many units of work make one block last about ``seconds`` (at least 1).

    Doubles ``k`` from 1 until ``work(k)`` takes at least a quarter of the
    target, then scales up.

    Parameters
    ----------
    prepare : callable
        As in `time_cases`.
    seconds : float
        The wanted length of one block.
    clock : {"cpu", "wall"}, default "wall"

    Returns
    -------
    int

    Examples
    --------
    >>> from labcode.bench import calibrate
    >>> k = calibrate(lambda: lambda k: sum(range(1000 * k)), seconds=0.002)
    >>> k >= 1
    True
    """
    now = _check_clock(clock)
    k = 1
    while True:
        work = prepare()
        start = now()
        work(k)
        elapsed = now() - start
        if elapsed >= seconds / 4 or k >= 2**20:
            return max(1, round(k * seconds / max(elapsed, 1e-9)))
        k *= 2


@contextlib.contextmanager
def blas_threads(threads: int) -> Iterator[int | None]:
    """Limit BLAS to ``threads`` threads (threadpoolctl); yield the number in effect.

    Yields ``None`` (and changes nothing) if threadpoolctl is not installed.

    Parameters
    ----------
    threads : int
        The limit.

    Examples
    --------
    >>> from labcode.bench import blas_threads
    >>> with blas_threads(1) as n:
    ...     n in (1, None)
    True
    """
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        yield None
        return
    with threadpool_limits(limits=threads, user_api="blas"):
        found = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
        yield min(found) if found else None


def _cpu() -> dict[str, str]:
    """The first processor of ``/proc/cpuinfo``: model name, family/model/stepping, widest SIMD."""
    fields: dict[str, str] = {}
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if not line.strip():
                break
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
    flags = set(fields.get("flags", "").split())
    simd = next((name for name in ("avx512f", "avx2", "avx", "sse2") if name in flags), "unknown")
    return {
        "cpu": fields.get("model name") or platform.processor() or "unknown",
        "cpu_id": ", ".join(f"{k} {fields[k]}" for k in ("cpu family", "model", "stepping") if k in fields)
        or "unknown",
        "simd": simd,
    }


def _version(module: str) -> str | None:
    try:
        return importlib.import_module(module).__version__
    except ImportError:
        return None


def machine() -> dict[str, Any]:
    """What the numbers were measured on: CPU, cores, BLAS, library versions, load.

    Returns
    -------
    dict
        ``cpu`` (the model name from ``/proc/cpuinfo``), ``cpu_id`` (its
        family, model and stepping), ``simd`` (the widest vector extension it
        lists: ``avx512f``, ``avx2``, ...), ``architecture``,
        ``cores`` (logical CPUs this process may use), ``blas`` (a list of the
        BLAS libraries loaded, with ``library``, ``version``, ``kernel`` (the
        CPU architecture OpenBLAS chose its kernels for), ``threading`` and
        ``default_threads``; empty without threadpoolctl), ``python``,
        ``numpy``, ``scipy``, ``torch`` (``None`` if not installed),
        ``platform`` and ``load_average`` (1, 5, 15 minutes). Plain data.

    Examples
    --------
    >>> from labcode.bench import machine
    >>> info = machine()
    >>> sorted(info)  # doctest: +NORMALIZE_WHITESPACE
    ['architecture', 'blas', 'cores', 'cpu', 'cpu_id', 'load_average', 'numpy',
     'platform', 'python',
     'scipy', 'simd', 'torch']
    >>> info["cores"] >= 1
    True
    """
    import scipy.linalg  # noqa: F401  (loads scipy's BLAS, so that it is listed)

    blas = []
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_info

        blas = [
            {
                "library": p.get("internal_api"),
                "version": p.get("version"),
                "kernel": p.get("architecture"),
                "threading": p.get("threading_layer"),
                "default_threads": p.get("num_threads"),
                "file": Path(p.get("filepath", "")).name,
            }
            for p in threadpool_info()
            if p.get("user_api") == "blas"
        ]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {
        **_cpu(),
        "architecture": platform.machine(),
        "cores": cores,
        "blas": blas,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": _version("scipy"),
        "torch": _version("torch"),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in load],
    }


def blas_kernel() -> str:
    """The kernels the loaded BLAS libraries run (``"SkylakeX"``; ``"numpy: X, scipy: Y"`` if they differ).

    OpenBLAS picks them from the CPU, or from ``OPENBLAS_CORETYPE``; ``"unknown"``
    without threadpoolctl.

    Examples
    --------
    >>> from labcode.bench import blas_kernel
    >>> isinstance(blas_kernel(), str)
    True
    """
    kernels = {b["file"]: b["kernel"] or "unknown" for b in machine()["blas"]}
    if len(set(kernels.values())) == 1:
        return next(iter(kernels.values()))
    return ", ".join(f"{file}: {kernel}" for file, kernel in sorted(kernels.items())) or "unknown"


def run(name: str, *, quick: bool = False, clock: str = "cpu") -> dict[str, Any]:
    """Run the benchmark ``name`` with one BLAS thread; return its results as a dict.

    Parameters
    ----------
    name : str
        A name from `registry`.
    quick : bool, default False
        A smoke run (few, short repeats): for checking that it works, not for numbers.
    clock : {"cpu", "wall"}, default "cpu"
        What to time with (see `CLOCKS`); a benchmark may override it and says so.

    Returns
    -------
    dict
        ``benchmark``, ``description``, ``quick``, ``clock``, ``blas_threads``,
        ``unit``, ``repeats``, ``cases`` (by case: ``median``, ``min``, ``max``
        in seconds per unit, ``number`` of units per block, ``note`` and
        ``params``), ``ratios``, ``targets`` and ``remarks``. Plain data, ready
        for JSON.

    Raises
    ------
    KeyError
        If no benchmark has that name; the message lists those that exist.

    Examples
    --------
    >>> from labcode.bench import run
    >>> result = run("training", quick=True)
    >>> list(result["cases"])[:3], sorted(result["cases"]["gemm"])
    (['gemm', 'gemm_update', 'tuned'], ['max', 'median', 'min', 'note',
     'number', 'params'])
    >>> run("nope")
    Traceback (most recent call last):
    ...
    KeyError: "no benchmark 'nope'; known: ['cheap_gradient', 'conventions',
    'loops', 'training']"
    """
    known = registry()
    if name not in known:
        raise KeyError(f"no benchmark {name!r}; known: {sorted(known)}")
    _check_clock(clock)
    with blas_threads(1):
        m = known[name].function(quick, clock)
    cases = {
        case: {
            "median": statistics.median(values),
            "min": min(values),
            "max": max(values),
            "number": m.number[case],
            "note": m.notes.get(case, ""),
            "params": dict(m.params.get(case, {})),
        }
        for case, values in m.times.items()
    }
    return {
        "benchmark": name,
        "description": known[name].description,
        "quick": quick,
        "clock": m.clock or clock,
        "blas_threads": m.blas_threads,
        "unit": m.unit,
        "repeats": m.repeats,
        "cases": cases,
        "ratios": {label: float(value) for label, value in m.ratios.items()},
        "targets": dict(m.targets),
        "remarks": list(m.remarks),
    }


#: The version of the results layout written by `run_suite` (checked on loading).
SCHEMA = "labbook-bench/1"


def run_suite(
    names: Sequence[str] | None = None,
    *,
    quick: bool = False,
    clock: str = "cpu",
    progress: Callable[[str], object] | None = None,
) -> dict[str, Any]:
    """Run several benchmarks in this process; add the machine and the date.

    Parameters
    ----------
    names : sequence of str, optional
        Benchmarks to run (default: all, in the book's order).
    quick : bool, default False
        Smoke runs.
    clock : {"cpu", "wall"}, default "cpu"
    progress : callable, optional
        Called with each benchmark's name before it runs.

    Returns
    -------
    dict
        ``schema`` (`SCHEMA`), ``date`` (UTC, ISO 8601), ``quick``, ``clock``,
        ``machine`` (see `machine`; its load average taken before the first
        benchmark), ``load_average_after`` and ``benchmarks`` (each a result of
        `run`, by name).

    Examples
    --------
    >>> from labcode.bench import run_suite
    >>> suite = run_suite(["training"], quick=True)
    >>> suite["schema"], list(suite["benchmarks"]), suite["machine"]["cores"] >= 1
    ('labbook-bench/1', ['training'], True)
    """
    known = registry()
    names = list(known) if names is None else list(names)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise KeyError(f"no benchmark {unknown[0]!r}; known: {sorted(known)}")
    started = datetime.datetime.now(datetime.timezone.utc)
    info = machine()
    results = {}
    for name in names:
        if progress is not None:
            progress(name)
        results[name] = run(name, quick=quick, clock=clock)
    after = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return {
        "schema": SCHEMA,
        "date": started.isoformat(timespec="seconds"),
        "quick": quick,
        "clock": clock,
        "machine": info,
        "load_average_after": [round(x, 2) for x in after],
        "benchmarks": results,
    }


def _seconds(value: float) -> str:
    """A time in the unit that keeps three to four significant digits."""
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if value >= scale:
            return f"{value / scale:.3g} {unit}"
    return f"{value / 1e-9:.3g} ns"


def format_result(result: dict[str, Any]) -> str:
    """A result of `run` as a text table: median and range per case, then ratios with targets.

    Parameters
    ----------
    result : dict
        As returned by `run`.

    Returns
    -------
    str

    Examples
    --------
    >>> from labcode.bench import format_result
    >>> case = {"number": 2, "params": {}}
    >>> result = {"benchmark": "demo", "quick": False, "clock": "cpu",
    ...           "unit": "epoch", "repeats": 3, "blas_threads": 1,
    ...           "remarks": ["a remark"], "targets": {"a / b": 1.5},
    ...           "cases": {"a": {**case, "median": 2e-3, "min": 1.9e-3,
    ...                           "max": 2.5e-3, "note": "slow"},
    ...                     "b": {**case, "median": 1e-3, "min": 1e-3,
    ...                           "max": 1.1e-3, "note": ""}},
    ...           "ratios": {"a / b": 2.0}}
    >>> print(format_result(result))
    demo: median of 3 blocks per case, cpu time, 1 BLAS thread(s)
    case  median / epoch  min - max          what
    a     2 ms            1.9 ms - 2.5 ms    slow
    b     1 ms            1 ms - 1.1 ms
    ratio   value  target
    a / b         2  <= 1.50
    note: a remark
    """
    width = max([len("case"), *(len(case) for case in result["cases"])])
    median = f"median / {result['unit']}"
    lines = [
        f"{result['benchmark']}: median of {result['repeats']} blocks per case, {result['clock']} time, "
        f"{result['blas_threads']} BLAS thread(s)" + (" [quick: not for numbers]" if result["quick"] else ""),
        f"{'case':<{width}}  {median:<{max(14, len(median))}}  {'min - max':<17}  what",
    ]
    for case, c in result["cases"].items():
        spread = f"{_seconds(c['min'])} - {_seconds(c['max'])}"
        lines.append(
            f"{case:<{width}}  {_seconds(c['median']):<{max(14, len(median))}}  {spread:<17}  {c['note']}".rstrip()
        )
    if result["ratios"]:
        width = max(len("ratio"), *(len(label) for label in result["ratios"]))
        lines.append(f"{'ratio':<{width}} {'value':>7}  target")
        for label, value in result["ratios"].items():
            target = result["targets"].get(label)
            shown = f"<= {target:.2f}" if target is not None else ""
            lines.append(f"{label:<{width}} {value:>7.4g}  {shown}".rstrip())
    lines.extend(f"note: {remark}" for remark in result["remarks"])
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: ``python -m labcode.bench [--list] [--quick] [--clock cpu|wall] [--json PATH] NAME...``.

    ``all`` runs every benchmark in the book's order. ``--json PATH`` also
    writes the results, with the machine and the date, to ``PATH`` (see
    `labcode.bench.report.save_results`).

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status, 0 on success.

    Examples
    --------
    >>> from labcode.bench import main
    >>> main(["--list"])
    conventions     W.T @ x + b (samples as columns) vs x @ W + b (rows), float32,
                    1 and 2 BLAS threads
    loops           the page-6 gradient: Hadamard form vs a loop over samples vs a
                    loop over entries
    cheap_gradient  reference problem: forward, backward, full central-difference
                    check, directional check
    training        one epoch on the reference problem: GEMM floor, hand-written,
                    autograd, PyTorch
    0
    """
    from labcode.bench.report import save_results

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
    suite = run_suite(
        names, quick=args.quick, clock=args.clock, progress=lambda name: print(f"running {name} ...", file=sys.stderr)
    )
    m = suite["machine"]
    blas = ", ".join(f"{b['library']} {b['version']} ({b['kernel']})" for b in m["blas"]) or "unknown"
    print(f"{m['cpu']}, {m['cores']} cores, BLAS {blas}; load {m['load_average']}; {suite['date']}")
    for name, result in suite["benchmarks"].items():
        print()
        print(format_result(result))
    if args.json:
        save_results(suite, args.json)
        print(f"\nwrote {args.json}")
    return 0
