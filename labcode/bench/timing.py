"""Timing: the clocks, `time_cases` (warm-up, interleaved repeated blocks, GC paused) and `calibrate`."""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable, Iterator, Mapping

__all__ = ["CLOCKS", "time_cases", "calibrate"]


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


def check_clock(clock: str) -> Callable[[], float]:
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
    """Time several cases interleaved: for each case, ``repeats`` times in seconds per unit of work.

    ``cases`` maps each name to a ``prepare()`` function, called untimed before
    every block, that returns ``work(k)`` doing ``k`` units of work on fresh
    state; ``number`` is the units per block (one for every case, or by case), at
    least 1. One untimed block per case warms up; then each repeat times one
    block of every case, in an order rotated from repeat to repeat so that no
    case always runs first. The garbage collector is paused while timing;
    ``clock`` is ``"cpu"`` (the process's CPU time) or ``"wall"`` (see `CLOCKS`).

    Examples
    --------
    >>> from labcode.bench.timing import time_cases
    >>> times = time_cases({"sum": lambda: lambda k: sum(range(100 * k))},
    ...                    repeats=3, number=2)
    >>> len(times["sum"]), all(t > 0 for t in times["sum"])
    (3, True)
    """
    names = list(cases)
    numbers = {name: number for name in names} if isinstance(number, int) else dict(number)
    if repeats < 1 or any(numbers.get(name, 0) < 1 for name in names):
        raise ValueError(f"repeats and number must be at least 1, got {repeats} and {number}")
    now = check_clock(clock)
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
    """How many units of work make one block of ``prepare()`` (as in `time_cases`) last about ``seconds``, at least 1.

    Doubles ``k`` from 1 until ``work(k)`` takes at least a quarter of the
    target, then scales up.

    Examples
    --------
    >>> from labcode.bench.timing import calibrate
    >>> calibrate(lambda: lambda k: sum(range(1000 * k)), seconds=0.002) >= 1
    True
    """
    now = check_clock(clock)
    k = 1
    while True:
        work = prepare()
        start = now()
        work(k)
        elapsed = now() - start
        if elapsed >= seconds / 4 or k >= 2**20:
            return max(1, round(k * seconds / max(elapsed, 1e-9)))
        k *= 2
