"""The conventions benchmark: is the transposed (column) form of a dense layer slower?

Chapter 2 writes one dense layer two ways, with ``W`` of shape (p, q) in both:

* ``columns``: ``W.T @ X + B``, samples as the n columns of ``X`` (p, n), ``B`` (q, 1);
* ``rows``: ``X @ W + b``, samples as the n rows of ``X`` (n, p), ``b`` (q,).

Both compute the same numbers (one is the other transposed). This benchmark
times them for p = 1000 inputs, q = 100 outputs and n in {1, 64, 1024}
samples, in float32, with
BLAS limited to 1 and then 2 threads, the two conventions interleaved.
Because CPU time adds up the threads, it always uses the wall clock.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from labcode.bench.machine import blas_threads
from labcode.bench.suite import Measurement, benchmark
from labcode.bench.timing import calibrate, time_cases

__all__ = ["P", "Q", "SIZES", "THREADS", "layer_inputs", "label", "conventions"]

#: Inputs p and outputs q of the layer.
P, Q = 1000, 100
#: Numbers of samples n.
SIZES = (1, 64, 1024)
#: BLAS thread limits.
THREADS = (1, 2)


def layer_inputs(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Float32 arrays holding the same numbers for both conventions: ``W`` (p, q), ``X_columns`` (p, n), ``B`` (q, 1), ``X_rows`` (n, p) and ``b`` (q,).

    ``X_rows`` is ``X_columns.T``, made contiguous.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.bench.conventions import layer_inputs
    >>> a = layer_inputs(3, np.random.default_rng(0))
    >>> columns = a["W"].T @ a["X_columns"] + a["B"]
    >>> rows = a["X_rows"] @ a["W"] + a["b"]
    >>> columns.shape, rows.shape
    ((100, 3), (3, 100))
    >>> bool(np.allclose(columns.T, rows, rtol=1e-5, atol=1e-5))
    True
    """
    W = rng.standard_normal((P, Q), dtype=np.float32)
    X_columns = rng.standard_normal((P, n), dtype=np.float32)
    b = rng.standard_normal(Q, dtype=np.float32)
    return {
        "W": W,
        "X_columns": X_columns,
        "B": b.reshape(Q, 1).copy(),
        "X_rows": np.ascontiguousarray(X_columns.T),
        "b": b,
    }


def _columns(n: int) -> Callable[[], Callable[[int], object]]:
    a = layer_inputs(n, np.random.default_rng(n))
    W, X, B = a["W"], a["X_columns"], a["B"]

    def prepare() -> Callable[[int], object]:
        def work(k: int) -> None:
            for _ in range(k):
                W.T @ X + B

        return work

    return prepare


def _rows(n: int) -> Callable[[], Callable[[int], object]]:
    a = layer_inputs(n, np.random.default_rng(n))
    W, X, b = a["W"], a["X_rows"], a["b"]

    def prepare() -> Callable[[int], object]:
        def work(k: int) -> None:
            for _ in range(k):
                X @ W + b

        return work

    return prepare


def label(n: int, threads: int) -> str:
    """The part of a case's and a ratio's name that gives n and the threads: ``label(64, 2)`` is ``"n=64, 2 threads"``."""
    return f"n={n}, {threads} thread{'s' if threads > 1 else ''}"


@benchmark("conventions", "W.T @ x + b (samples as columns) vs x @ W + b (rows), float32, 1 and 2 BLAS threads")
def conventions(quick: bool = False, clock: str = "cpu") -> Measurement:
    """Wall time of one dense layer in each convention, by n and BLAS threads.

    ``quick=True`` runs 3 blocks of about 2 ms per case instead of 15 blocks of
    about 25 ms; ``clock`` is ignored (threads make CPU time meaningless here, so
    the wall clock is used). Cases ``columns, n=..., k thread(s)`` and
    ``rows, ...``; ratios ``columns / rows`` for each n and thread count (the
    median of the ratios within a round, where the two run back to back), and the
    speed-up ``1 thread / 2 threads`` of each convention at each n (a ratio of
    medians: the two are timed one after the other).
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
            for n in SIZES:
                cases = {
                    f"columns, {label(n, threads)}": _columns(n),
                    f"rows, {label(n, threads)}": _rows(n),
                }
                numbers = {name: calibrate(prepare, seconds=seconds) for name, prepare in cases.items()}
                times.update(time_cases(cases, repeats=repeats, number=numbers, clock="wall"))
                number.update(numbers)
                for name in cases:
                    params[name] = {"convention": name.split(",")[0], "n": n, "threads": threads}
    medians = {case: float(np.median(values)) for case, values in times.items()}
    ratios = {}
    for threads in THREADS:
        for n in SIZES:
            case = label(n, threads)
            # Within a round the two conventions run back to back: the median of those ratios.
            pairs = zip(times[f"columns, {case}"], times[f"rows, {case}"])
            ratios[f"columns / rows ({case})"] = float(np.median([c / r for c, r in pairs]))
    for convention in ("columns", "rows"):
        for n in SIZES:
            one, two = (medians[f"{convention}, {label(n, t)}"] for t in THREADS)
            ratios[f"{convention}, n={n}: 1 thread / 2 threads"] = one / two
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
