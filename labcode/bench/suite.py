"""Benchmarks as named functions: `benchmark` registers one, `run` runs it with one BLAS thread, `run_suite` several.

A benchmark is a function ``(quick, clock) -> Measurement`` in one of the
modules named in `BENCHMARKS`, registered with the `benchmark` decorator.
"""

from __future__ import annotations

import datetime
import importlib
import os
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from labcode.bench.machine import blas_threads, machine
from labcode.bench.timing import check_clock

__all__ = ["Measurement", "Benchmark", "BENCHMARKS", "SCHEMA", "benchmark", "registry", "run", "run_suite"]

#: The benchmark modules of this package, in the order `run_suite` runs them (and the page shows them).
BENCHMARKS = ("conventions", "loops", "cheap_gradient", "training")


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
    >>> from labcode.bench.suite import Measurement
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
    >>> from labcode.bench.suite import registry
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
    >>> from labcode.bench.suite import benchmark, registry
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


def registry() -> dict[str, Benchmark]:
    """Every benchmark, by name, after importing the modules named in `BENCHMARKS`.

    Returns
    -------
    dict of str to Benchmark
        In the book's order (`BENCHMARKS`), then any others by name.

    Examples
    --------
    >>> from labcode.bench.suite import registry
    >>> list(registry())
    ['conventions', 'loops', 'cheap_gradient', 'training']
    """
    for module in BENCHMARKS:
        importlib.import_module(f"labcode.bench.{module}")
    rank = {name: i for i, name in enumerate(BENCHMARKS)}
    return dict(sorted(_BENCHMARKS.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


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
    """
    known = registry()
    if name not in known:
        raise KeyError(f"no benchmark {name!r}; known: {sorted(known)}")
    check_clock(clock)
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
