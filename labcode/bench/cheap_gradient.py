"""The cheap-gradient benchmark: what a gradient costs, by backprop and by finite differences.

On the reference problem of chapter 8 (in float64, which the checkers need):

* ``forward``: `labcode.backprop.forward` and `labcode.backprop.mse_nq`, one loss;
* ``backward``: `labcode.backprop.backward` alone, given what the forward pass kept;
* ``gradient``: forward and backward together, the whole gradient;
* ``full_check``: `labcode.gradcheck.numerical_gradient` over all P = p·d + d·q
  parameters, two losses per parameter. It is **timed on a sample** of the
  entries of ``W1`` (every entry costs the same two forward passes) and
  **extrapolated** to all P entries;
* ``directional_check``: `labcode.gradcheck.directional_check` with 3
  random directions: one gradient and 6 losses, whatever P is.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from labcode.backprop import backward, forward, mse_nq
from labcode.bench.suite import Measurement, benchmark
from labcode.bench.timing import calibrate, time_cases
from labcode.gradcheck import directional_check, numerical_gradient
from labcode.reference import reference_problem

__all__ = ["DIRECTIONS", "SAMPLE", "problem64", "cheap_gradient"]

#: Directions of the directional check.
DIRECTIONS = 3
#: Entries of W1 the full check is timed on (per block), full run and quick run.
SAMPLE = {False: 200, True: 4}


def problem64() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The reference problem's ``X`` (64, 1000), ``Y`` (64, 10), ``W1`` (1000, 100), ``W2`` (100, 10) as fresh float64 arrays."""
    return tuple(a.astype(np.float64) for a in reference_problem())


def _forward() -> Callable[[int], object]:
    X, Y, W1, W2 = problem64()

    def work(k: int) -> None:
        for _ in range(k):
            mse_nq(forward(X, W1, W2).y_pred, Y)

    return work


def _backward() -> Callable[[int], object]:
    X, Y, W1, W2 = problem64()
    kept = forward(X, W1, W2)

    def work(k: int) -> None:
        for _ in range(k):
            backward(X, Y, W2, *kept)

    return work


def _gradient() -> Callable[[int], object]:
    X, Y, W1, W2 = problem64()

    def work(k: int) -> None:
        for _ in range(k):
            kept = forward(X, W1, W2)
            mse_nq(kept.y_pred, Y)
            backward(X, Y, W2, *kept)

    return work


def _check_entries() -> Callable[[int], object]:
    """``work(k)``: central differences for the first k entries of W1 (k units = k entries)."""
    X, Y, W1, W2 = problem64()

    def loss() -> float:
        return mse_nq(forward(X, W1, W2).y_pred, Y)

    return lambda k: numerical_gradient(loss, {"W1[:k]": W1.reshape(-1)[:k]})


def _flat_functions(X: np.ndarray, Y: np.ndarray, p: int, d: int):
    def split(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return theta[: p * d].reshape(p, d), theta[p * d :].reshape(d, -1)

    def loss(theta: np.ndarray) -> float:
        W1, W2 = split(theta)
        return mse_nq(forward(X, W1, W2).y_pred, Y)

    def grad(theta: np.ndarray) -> np.ndarray:
        W1, W2 = split(theta)
        g1, g2 = backward(X, Y, W2, *forward(X, W1, W2))
        return np.concatenate([g1.ravel(), g2.ravel()])

    return loss, grad


def _directional() -> Callable[[int], object]:
    X, Y, W1, W2 = problem64()
    loss, grad = _flat_functions(X, Y, *W1.shape)
    theta = np.concatenate([W1.ravel(), W2.ravel()])
    rng = np.random.default_rng(0)

    def work(k: int) -> None:
        for _ in range(k):
            directional_check(loss, grad, theta, rng, directions=DIRECTIONS)

    return work


@benchmark("cheap_gradient", "reference problem: forward, backward, full central-difference check, directional check")
def cheap_gradient(quick: bool = False, clock: str = "cpu") -> Measurement:
    """Seconds per call of each case; the full check extrapolated from a sample of entries.

    ``quick=True`` runs 3 blocks (the full check on 4 entries per block) instead
    of 9 blocks of about 50 ms (the full check on 200 entries per block). Cases
    ``forward``, ``backward``, ``gradient``, ``full_check``,
    ``directional_check``; ratios ``backward / forward``, ``gradient / forward``,
    ``full_check / gradient``, ``full_check / forward``,
    ``directional_check / gradient``.
    """
    repeats, seconds = (3, 0.002) if quick else (9, 0.05)
    sample = SAMPLE[quick]
    X, Y, W1, W2 = problem64()
    parameters = W1.size + W2.size
    cases = {
        "forward": _forward,
        "backward": _backward,
        "gradient": _gradient,
        "full_check": _check_entries,
        "directional_check": _directional,
    }
    number = {name: calibrate(prepare, seconds=seconds, clock=clock) for name, prepare in cases.items()}
    number["full_check"] = sample
    times = time_cases(cases, repeats=repeats, number=number, clock=clock)
    times["full_check"] = [t * parameters for t in times["full_check"]]  # per entry -> all P entries
    medians = {case: float(np.median(values)) for case, values in times.items()}
    return Measurement(
        times=times,
        unit="call",
        number=number,
        ratios={
            "backward / forward": medians["backward"] / medians["forward"],
            "gradient / forward": medians["gradient"] / medians["forward"],
            "full_check / gradient": medians["full_check"] / medians["gradient"],
            "full_check / forward": medians["full_check"] / medians["forward"],
            "directional_check / gradient": medians["directional_check"] / medians["gradient"],
        },
        notes={
            "forward": "forward + mse_nq: one loss",
            "backward": "backward alone (three GEMMs)",
            "gradient": "forward + loss + backward",
            "full_check": f"numerical_gradient, 2 losses per entry, all {parameters} entries (extrapolated)",
            "directional_check": f"directional_check, {DIRECTIONS} directions: 1 gradient + {2 * DIRECTIONS} losses",
        },
        params={
            "full_check": {"parameters": parameters, "entries_timed_per_block": sample},
            "directional_check": {"directions": DIRECTIONS},
        },
        remarks=[
            f"the full check was timed on blocks of {sample} entries of W1 and extrapolated to all "
            f"{parameters} parameters (every entry costs the same two forward passes); its 'number' "
            "is entries per block",
            "float64 throughout (the checkers refuse float32)",
        ],
    )
