"""Benchmarks: named timings, run in one process with BLAS pinned to one thread.

Each benchmark is a function registered with `benchmark` in a module of this
package; it returns the median time of each of its cases and the ratios
between them. `run` executes one by name, under ``threadpoolctl`` (the
``bench`` extra) so that BLAS uses a single thread, and adds what was measured
on (NumPy, BLAS). From a shell:

    python -m labcode.bench --list
    python -m labcode.bench training            # about ten seconds
    python -m labcode.bench training --quick    # a smoke run: structure, not numbers
    python -m labcode.bench training --clock wall

Times are CPU time of the process by default (``time.process_time``): on a
machine shared with other work, time spent waiting for a core is not counted,
so the ratios stay meaningful. ``--clock wall`` uses ``time.perf_counter``.

Timings are never asserted by the tests; only the structure of a quick run is.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import pkgutil
import platform
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Measurement", "Benchmark", "CLOCKS", "benchmark", "registry", "time_cases", "run", "format_result", "main"]


@dataclass(frozen=True)
class Measurement:
    """What a benchmark function returns.

    Attributes
    ----------
    medians : dict of str to float
        Median seconds per unit of work (for example per epoch), by case.
    ratios : dict of str to float
        Named ratios of medians, e.g. ``{"by_hand / gemm": 1.05}``.
    unit : str
        What one unit of work is (``"epoch"``).
    repeats : int
        Timed blocks per case.
    number : int
        Units of work per timed block.
    targets : dict of str to float
        Upper bounds the ratios should stay under (reported, never enforced).
    notes : dict of str to str
        What each case does.

    Examples
    --------
    >>> from labcode.bench import Measurement
    >>> m = Measurement({"a": 2e-3, "b": 1e-3}, {"a / b": 2.0}, "call", 5, 10)
    >>> m.ratios["a / b"]
    2.0
    """

    medians: dict[str, float]
    ratios: dict[str, float]
    unit: str
    repeats: int
    number: int
    targets: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


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
    'one epoch on the reference problem: five GEMMs alone, hand-written backprop, autograd'
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
        The name given on the command line.
    description : str
        One line for ``--list``.

    Returns
    -------
    callable
        A decorator that registers the function and returns it unchanged.

    Raises
    ------
    ValueError
        If another function already has that name.

    Examples
    --------
    >>> from labcode.bench import benchmark, registry
    >>> _ = registry()
    >>> benchmark("training", "again")(lambda quick, clock: None)
    Traceback (most recent call last):
    ...
    ValueError: benchmark 'training' is already registered
    """

    def register(function: Callable[[bool, str], Measurement]) -> Callable[[bool, str], Measurement]:
        known = _BENCHMARKS.get(name)
        if known is not None and known.function.__qualname__ != function.__qualname__:
            raise ValueError(f"benchmark {name!r} is already registered")
        _BENCHMARKS[name] = Benchmark(name, description, function)
        return function

    return register


def registry() -> dict[str, Benchmark]:
    """Every benchmark, by name, after importing all modules of this package.

    Returns
    -------
    dict of str to Benchmark

    Examples
    --------
    >>> from labcode.bench import registry
    >>> "training" in registry()
    True
    """
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return dict(sorted(_BENCHMARKS.items()))


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


def time_cases(
    cases: dict[str, Callable[[], Callable[[int], object]]],
    *,
    repeats: int,
    number: int,
    clock: str = "cpu",
) -> dict[str, list[float]]:
    """Time several cases interleaved; return seconds per unit of work, per repeat.

    Each case is a ``prepare()`` function, called untimed before every block,
    that returns ``work(k)`` doing ``k`` units of work on fresh state. One
    untimed block per case warms up; then each repeat times one block of
    ``number`` units of every case, in an order rotated from repeat to repeat
    so that no case always runs first. The garbage collector is paused while
    timing.

    Parameters
    ----------
    cases : dict of str to callable
        ``prepare`` functions by case name.
    repeats : int
        Timed blocks per case, at least 1.
    number : int
        Units of work per block, at least 1.
    clock : {"cpu", "wall"}, default "cpu"
        CPU time of the process, or wall-clock time (see `CLOCKS`).

    Returns
    -------
    dict of str to list of float
        For each case, ``repeats`` times in seconds per unit.

    Examples
    --------
    >>> from labcode.bench import time_cases
    >>> times = time_cases({"sum": lambda: lambda k: sum(range(100 * k))}, repeats=3, number=2)
    >>> len(times["sum"]), all(t > 0 for t in times["sum"])
    (3, True)
    """
    if repeats < 1 or number < 1:
        raise ValueError(f"repeats and number must be at least 1, got {repeats} and {number}")
    if clock not in CLOCKS:
        raise ValueError(f"clock must be one of {sorted(CLOCKS)}, got {clock!r}")
    now = CLOCKS[clock]
    names = list(cases)
    times: dict[str, list[float]] = {name: [] for name in names}
    for name in names:
        cases[name]()(1)
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            work = cases[name]()
            with _no_gc():
                start = now()
                work(number)
                times[name].append((now() - start) / number)
    return times


@contextlib.contextmanager
def _one_blas_thread() -> Iterator[dict[str, Any]]:
    """Pin BLAS to one thread if threadpoolctl is installed; yield what was found."""
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        yield {"blas_threads": None, "blas": "unknown (install labcode[bench] to pin BLAS threads)"}
        return
    blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    described = ", ".join(f"{p.get('internal_api')} {p.get('version')}" for p in blas) or "none found"
    with threadpool_limits(limits=1, user_api="blas"):
        yield {"blas_threads": 1, "blas": described}


def run(name: str, *, quick: bool = False, clock: str = "cpu") -> dict[str, Any]:
    """Run the benchmark ``name`` with one BLAS thread; return its results as a dict.

    Parameters
    ----------
    name : str
        A name from `registry`.
    quick : bool, default False
        A smoke run (few, short repeats): for checking that it works, not for numbers.
    clock : {"cpu", "wall"}, default "cpu"
        What to time with (see `CLOCKS`).

    Returns
    -------
    dict
        ``benchmark``, ``quick``, ``clock``, ``unit``, ``repeats``, ``number``, ``medians``
        (seconds per unit, by case), ``ratios``, ``targets``, ``notes`` and
        ``environment`` (Python, NumPy, BLAS, threads, machine). Plain data, ready
        for JSON.

    Raises
    ------
    KeyError
        If no benchmark has that name; the message lists those that exist.

    Examples
    --------
    >>> from labcode.bench import run
    >>> result = run("training", quick=True)
    >>> sorted(result["medians"])
    ['autograd', 'by_hand', 'gemm', 'trainer']
    >>> run("nope")
    Traceback (most recent call last):
    ...
    KeyError: "no benchmark 'nope'; known: ['training']"
    """
    known = registry()
    if name not in known:
        raise KeyError(f"no benchmark {name!r}; known: {sorted(known)}")
    with _one_blas_thread() as blas:
        m = known[name].function(quick, clock)
    environment = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "processor": platform.processor() or "unknown",
        **blas,
    }
    return {
        "benchmark": name,
        "quick": quick,
        "clock": clock,
        "unit": m.unit,
        "repeats": m.repeats,
        "number": m.number,
        "medians": dict(m.medians),
        "ratios": dict(m.ratios),
        "targets": dict(m.targets),
        "notes": dict(m.notes),
        "environment": environment,
    }


def format_result(result: dict[str, Any]) -> str:
    """A result of `run` as a text table: medians per case, then ratios with targets.

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
    >>> result = {"benchmark": "demo", "quick": False, "clock": "cpu", "unit": "epoch", "repeats": 3, "number": 2,
    ...           "medians": {"a": 2e-3, "b": 1e-3}, "ratios": {"a / b": 2.0},
    ...           "targets": {"a / b": 1.5}, "notes": {"a": "the slow one"},
    ...           "environment": {"blas": "openblas 0.3", "blas_threads": 1}}
    >>> print(format_result(result))
    demo: median of 3 blocks of 2 epochs each, cpu time, BLAS openblas 0.3, 1 thread(s)
    case        ms / epoch  what
    a                2.000  the slow one
    b                1.000
    ratio   value  target
    a / b   2.000  <= 1.50
    """
    env = result["environment"]
    lines = [
        f"{result['benchmark']}: median of {result['repeats']} blocks of {result['number']} "
        f"{result['unit']}s each, {result['clock']} time, BLAS {env.get('blas')}, {env.get('blas_threads') or 'default'} thread(s)"
        + (" [quick: not for numbers]" if result["quick"] else ""),
        f"{'case':<10} {'ms / ' + result['unit']:>12}  what",
    ]
    for case, seconds in result["medians"].items():
        lines.append(f"{case:<10} {seconds * 1e3:>12.3f}  {result['notes'].get(case, '')}".rstrip())
    if result["ratios"]:
        width = max(len(label) for label in result["ratios"])
        lines.append(f"{'ratio':<{width}} {'value':>7}  target")
        for label, value in result["ratios"].items():
            target = result["targets"].get(label)
            shown = f"<= {target:.2f}" if target is not None else ""
            lines.append(f"{label:<{width}} {value:>7.3f}  {shown}".rstrip())
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: ``python -m labcode.bench [--list] [--quick] [--clock cpu|wall] NAME...``.

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
    training  one epoch on the reference problem: five GEMMs alone, hand-written backprop, autograd
    0
    """
    known = registry()
    parser = argparse.ArgumentParser(prog="python -m labcode.bench", description="Run labcode's benchmarks.")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(known)}")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (numbers not meaningful)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="cpu", help="CPU time (default) or wall time")
    args = parser.parse_args(argv)
    if args.list:
        for bench in known.values():
            print(f"{bench.name:<8}  {bench.description}")
        return 0
    unknown = [n for n in args.names if n not in known]
    if unknown or not args.names:
        parser.error(f"give one or more of {sorted(known)}" + (f"; unknown: {unknown}" if unknown else ""))
    for i, name in enumerate(args.names):
        if i:
            print()
        print(format_result(run(name, quick=args.quick, clock=args.clock)))
    return 0
