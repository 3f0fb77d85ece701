"""The conventions benchmark: is the transposed (column) form of a dense layer slower?

Chapter 2 writes one dense layer two ways, with ``W`` of shape (L, M) in both:

* ``columns``: ``W.T @ X + B``, samples as the N columns of ``X`` (L, N), ``B`` (M, 1);
* ``rows``: ``X @ W + b``, samples as the N rows of ``X`` (N, L), ``b`` (M,).

Both compute the same numbers (one is the other transposed). This benchmark
times them for L = 1000, M = 100 and N in {1, 64, 1024}, in float32, with
BLAS limited to 1 and then 2 threads, the two conventions interleaved.
Because CPU time adds up the threads, it always uses the wall clock.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from labcode.bench.machine import blas_threads
from labcode.bench.suite import Measurement, benchmark
from labcode.bench.timing import calibrate, time_cases

__all__ = ["L", "M", "SIZES", "THREADS", "layer_inputs", "conventions"]

#: Inputs and outputs of the layer.
L, M = 1000, 100
#: Numbers of samples N.
SIZES = (1, 64, 1024)
#: BLAS thread limits.
THREADS = (1, 2)


def layer_inputs(N: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Float32 arrays for both conventions, holding the same numbers.

    Parameters
    ----------
    N : int
        Number of samples.
    rng : numpy.random.Generator

    Returns
    -------
    dict of str to ndarray
        ``W`` (L, M), ``X_columns`` (L, N), ``B`` (M, 1), ``X_rows`` (N, L)
        (``X_columns.T``, made contiguous) and ``b`` (M,).

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.bench.conventions import layer_inputs
    >>> a = layer_inputs(3, np.random.default_rng(0))
    >>> columns = a["W"].T @ a["X_columns"] + a["B"]
    >>> rows = a["X_rows"] @ a["W"] + a["b"]
    >>> same = bool(np.allclose(columns.T, rows, rtol=1e-5, atol=1e-5))
    >>> columns.shape, rows.shape, same
    ((100, 3), (3, 100), True)
    """
    W = rng.standard_normal((L, M), dtype=np.float32)
    X_columns = rng.standard_normal((L, N), dtype=np.float32)
    b = rng.standard_normal(M, dtype=np.float32)
    return {
        "W": W,
        "X_columns": X_columns,
        "B": b.reshape(M, 1).copy(),
        "X_rows": np.ascontiguousarray(X_columns.T),
        "b": b,
    }


def _columns(N: int) -> Callable[[], Callable[[int], object]]:
    a = layer_inputs(N, np.random.default_rng(N))
    W, X, B = a["W"], a["X_columns"], a["B"]

    def prepare() -> Callable[[int], object]:
        def work(k: int) -> None:
            for _ in range(k):
                W.T @ X + B

        return work

    return prepare


def _rows(N: int) -> Callable[[], Callable[[int], object]]:
    a = layer_inputs(N, np.random.default_rng(N))
    W, X, b = a["W"], a["X_rows"], a["b"]

    def prepare() -> Callable[[int], object]:
        def work(k: int) -> None:
            for _ in range(k):
                X @ W + b

        return work

    return prepare


def _label(N: int, threads: int) -> str:
    return f"N={N}, {threads} thread{'s' if threads > 1 else ''}"


@benchmark("conventions", "W.T @ x + b (samples as columns) vs x @ W + b (rows), float32, 1 and 2 BLAS threads")
def conventions(quick: bool = False, clock: str = "cpu") -> Measurement:
    """Wall time of one dense layer in each convention, by N and BLAS threads.

    Parameters
    ----------
    quick : bool, default False
        3 blocks of about 2 ms per case instead of 15 blocks of about 25 ms.
    clock : str
        Ignored: threads make CPU time meaningless here, so the wall clock is used.

    Returns
    -------
    labcode.bench.Measurement
        Cases ``columns, N=..., k thread(s)`` and ``rows, ...``; ratios
        ``columns / rows`` for each N and thread count, and the speed-up
        ``1 thread / 2 threads`` of each convention at each N.

    Examples
    --------
    >>> from labcode.bench.conventions import conventions
    >>> m = conventions(quick=True)
    >>> m.clock, len(m.times), m.params["rows, N=64, 2 threads"]
    ('wall', 12, {'convention': 'rows', 'N': 64, 'threads': 2})
    """
    repeats, seconds = (3, 0.002) if quick else (15, 0.025)
    times: dict[str, list[float]] = {}
    number: dict[str, int] = {}
    params: dict[str, dict] = {}
    remarks = []
    for threads in THREADS:
        with blas_threads(threads) as in_effect:
            if in_effect is not None and in_effect != threads:
                remarks.append(f"asked BLAS for {threads} threads, it runs {in_effect}")
            for N in SIZES:
                cases = {
                    f"columns, {_label(N, threads)}": _columns(N),
                    f"rows, {_label(N, threads)}": _rows(N),
                }
                numbers = {name: calibrate(prepare, seconds=seconds) for name, prepare in cases.items()}
                times.update(time_cases(cases, repeats=repeats, number=numbers, clock="wall"))
                number.update(numbers)
                for name in cases:
                    params[name] = {"convention": name.split(",")[0], "N": N, "threads": threads}
    medians = {case: float(np.median(values)) for case, values in times.items()}
    ratios = {}
    for threads in THREADS:
        for N in SIZES:
            label = _label(N, threads)
            ratios[f"columns / rows ({label})"] = medians[f"columns, {label}"] / medians[f"rows, {label}"]
    for convention in ("columns", "rows"):
        for N in SIZES:
            one, two = (medians[f"{convention}, {_label(N, t)}"] for t in THREADS)
            ratios[f"{convention}, N={N}: 1 thread / 2 threads"] = one / two
    notes = {case: ("W.T @ X + B" if case.startswith("columns") else "X @ W + b") for case in times}
    remarks.append(
        "wall-clock time: with 2 BLAS threads CPU time would add both threads up; "
        "on a shared machine the 2-thread numbers depend on the other jobs"
    )
    return Measurement(
        times=times,
        unit="call",
        number=number,
        ratios=ratios,
        notes=notes,
        params=params,
        remarks=remarks,
        clock="wall",
        blas_threads="1 and 2 (per case)",
    )
