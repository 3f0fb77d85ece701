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
    """What a benchmark function returns: the ``times`` of each case and what they mean.

    ``times`` holds, by case, seconds per ``unit`` of work (``"epoch"``,
    ``"call"``), one per timed block of ``number`` units. ``ratios`` are named
    ratios of medians (``{"by_hand / gemm": 1.05}``), ``targets`` upper bounds
    some of them should stay under (reported, never enforced); ``notes`` say
    what each case does, ``params`` give its sizes and threads, ``remarks``
    what a reader must know about the numbers (extrapolations, skipped cases).
    ``clock`` is the clock actually used when the benchmark overrides the one
    asked for, ``blas_threads`` the BLAS threads (``"per case"`` if they differ).
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
    """A registered benchmark: its ``name``, a one-line ``description`` and its ``function``.

    ``function(quick, clock)`` returns a `Measurement`; ``quick=True`` asks for
    a smoke run that only exercises every case, and ``clock`` is a key of
    `CLOCKS` to pass on to `time_cases`.
    """

    name: str
    description: str
    function: Callable[[bool, str], Measurement]


_BENCHMARKS: dict[str, Benchmark] = {}


def benchmark(
    name: str, description: str
) -> Callable[[Callable[[bool, str], Measurement]], Callable[[bool, str], Measurement]]:
    """A decorator that registers ``function(quick, clock) -> Measurement`` as the benchmark ``name``, with one line for ``--list``.

    The name ``all`` (every benchmark, on the command line) and a name already
    taken are refused.

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
    """Every benchmark by name, after importing the modules named in `BENCHMARKS`: in the book's order, then any others by name."""
    for module in BENCHMARKS:
        importlib.import_module(f"labcode.bench.{module}")
    rank = {name: i for i, name in enumerate(BENCHMARKS)}
    return dict(sorted(_BENCHMARKS.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


def run(name: str, *, quick: bool = False, clock: str = "cpu") -> dict[str, Any]:
    """Run the benchmark ``name`` with one BLAS thread; its results as plain data, ready for JSON.

    ``quick=True`` is a smoke run (few, short repeats: for checking that it
    works, not for numbers); ``clock`` is ``"cpu"`` or ``"wall"`` (see `CLOCKS`),
    which a benchmark may override and then says so. The result holds
    ``benchmark``, ``description``, ``quick``, ``clock``, ``blas_threads``,
    ``unit``, ``repeats``, ``cases`` (by case: ``median``, ``min``, ``max`` in
    seconds per unit, ``number`` of units per block, ``note`` and ``params``),
    ``ratios``, ``targets`` and ``remarks``. An unknown name raises `KeyError`
    listing those that exist.
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
    """Run several benchmarks (by default all, in the book's order) in this process; add the machine and the date.

    The suite holds ``schema`` (`SCHEMA`), ``date`` (UTC, ISO 8601), ``quick``,
    ``clock``, ``machine`` (see `machine`; its load average taken before the
    first benchmark), ``load_average_after`` and ``benchmarks`` (each a result
    of `run`, by name). ``progress`` is called with each benchmark's name before
    it runs.
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
