"""The loops benchmark: the page-6 gradient vectorised, per sample, and per entry.

The gradient of the network with one hidden layer, ``Y = phi(X beta1) beta2 + E`` with
loss ``||E||^2 / n`` (chapter 6) computed three ways:

* ``hadamard``: `labcode.gradients.net_gradient`, a few matrix products and
  one Hadamard product for all n samples at once;
* ``per_sample``: `gradient_per_sample`, a Python loop over the samples, each
  adding its outer products with NumPy;
* ``per_entry``: `gradient_per_entry`, Python loops over samples and entries
  with scalar arithmetic only, the sums written out as in a textbook.

All three give the same numbers; the benchmark times them for growing n.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from labcode.activations import get
from labcode.bench.suite import Measurement, benchmark
from labcode.bench.timing import calibrate, time_cases
from labcode.gradients import net_gradient
from labcode.shapes import check_shapes

__all__ = ["P", "D", "Q", "SIZES", "problem", "gradient_per_sample", "gradient_per_entry", "loops"]

#: Inputs, hidden units and outputs of the benchmarked network.
P, D, Q = 10, 5, 1
#: Numbers of samples n.
SIZES = (10, 100, 1000)


def problem(n: int, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """``beta1`` (P, D), ``beta2`` (D, Q), ``X`` (n, P) and ``Y`` (n, Q), float64 standard normal numbers from ``rng``."""
    return (
        rng.standard_normal((P, D)),
        rng.standard_normal((D, Q)),
        rng.standard_normal((n, P)),
        rng.standard_normal((n, Q)),
    )


def gradient_per_sample(
    beta1: np.ndarray, beta2: np.ndarray, X: np.ndarray, Y: np.ndarray, activation: str = "sigmoid"
) -> tuple[np.ndarray, np.ndarray]:
    """`labcode.gradients.net_gradient` as a Python loop over the n samples: ``g1`` (p, d) and ``g2`` (d, q).

    Sample ``i`` adds ``-2/n`` times the outer products ``x_i (e_i beta2^T ⊙
    phi'(z_i))`` to the hidden block and ``h_i e_i`` to the output block.
    """
    n = check_shapes(X=(X, "n p"), Y=(Y, "n q"), beta1=(beta1, "p d"), beta2=(beta2, "d q"))["n"]
    act = get(activation)
    g1, g2 = np.zeros(beta1.shape), np.zeros(beta2.shape)
    for x, y in zip(X, Y):
        z = x @ beta1  # (d,)
        h = act.phi(z)  # (d,)
        e = y - h @ beta2  # (q,)
        g2 += np.outer(h, e)
        g1 += np.outer(x, (beta2 @ e) * act.dphi(z))
    return -2.0 * g1 / n, -2.0 * g2 / n


def gradient_per_entry(
    beta1: np.ndarray, beta2: np.ndarray, X: np.ndarray, Y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`labcode.gradients.net_gradient` (sigmoid) with scalar arithmetic only, one sum per entry: ``g1`` (p, d) and ``g2`` (d, q).

    The arrays become nested Python lists; every ``z``, ``h`` and ``e`` and
    then every gradient entry is a sum written as a loop, as on paper:

        g1[j][k] = -2/n sum_i x[i][j] phi'(z[i][k]) sum_l e[i][l] beta2[k][l]
        g2[k][l] = -2/n sum_i h[i][k] e[i][l]
    """
    sizes = check_shapes(X=(X, "n p"), Y=(Y, "n q"), beta1=(beta1, "p d"), beta2=(beta2, "d q"))
    n, p, d, q = sizes["n"], sizes["p"], sizes["d"], sizes["q"]
    x, y, b1, b2 = X.tolist(), Y.tolist(), beta1.tolist(), beta2.tolist()
    z = [[sum(x[i][j] * b1[j][k] for j in range(p)) for k in range(d)] for i in range(n)]
    h = [[1.0 / (1.0 + math.exp(-z[i][k])) for k in range(d)] for i in range(n)]
    e = [[y[i][l] - sum(h[i][k] * b2[k][l] for k in range(d)) for l in range(q)] for i in range(n)]
    dh = [[h[i][k] * (1.0 - h[i][k]) for k in range(d)] for i in range(n)]
    back = [[sum(e[i][l] * b2[k][l] for l in range(q)) for k in range(d)] for i in range(n)]
    g1 = [[-2.0 / n * sum(x[i][j] * dh[i][k] * back[i][k] for i in range(n)) for k in range(d)] for j in range(p)]
    g2 = [[-2.0 / n * sum(h[i][k] * e[i][l] for i in range(n)) for l in range(q)] for k in range(d)]
    return np.array(g1), np.array(g2)


def _case(gradient: Callable, n: int) -> Callable[[], Callable[[int], object]]:
    args = problem(n, np.random.default_rng(n))

    def prepare() -> Callable[[int], object]:
        def work(k: int) -> None:
            for _ in range(k):
                gradient(*args)

        return work

    return prepare


_VARIANTS = {"hadamard": net_gradient, "per_sample": gradient_per_sample, "per_entry": gradient_per_entry}
_NOTES = {
    "hadamard": "labcode.gradients.net_gradient",
    "per_sample": "loop over samples (NumPy outer products)",
    "per_entry": "loops over samples and entries (Python floats)",
}


@benchmark("loops", "the page-6 gradient: Hadamard form vs a loop over samples vs a loop over entries")
def loops(quick: bool = False, clock: str = "cpu") -> Measurement:
    """Time per gradient of the three variants for each n, interleaved.

    ``quick=True`` runs n in {10, 100} and 3 blocks of about 2 ms, instead of
    every n in `SIZES` and 9 blocks of about 50 ms. Cases ``hadamard, n=...``,
    ``per_sample, n=...``, ``per_entry, n=...``; ratios
    ``per_sample / hadamard`` and ``per_entry / hadamard`` for each n.
    """
    repeats, seconds, sizes = (3, 0.002, SIZES[:2]) if quick else (9, 0.05, SIZES)
    times: dict[str, list[float]] = {}
    number: dict[str, int] = {}
    params: dict[str, dict] = {}
    ratios: dict[str, float] = {}
    for n in sizes:
        cases = {f"{name}, n={n}": _case(gradient, n) for name, gradient in _VARIANTS.items()}
        numbers = {case: calibrate(prepare, seconds=seconds, clock=clock) for case, prepare in cases.items()}
        found = time_cases(cases, repeats=repeats, number=numbers, clock=clock)
        times.update(found)
        number.update(numbers)
        for name in _VARIANTS:
            params[f"{name}, n={n}"] = {"variant": name, "n": n, "p": P, "d": D, "q": Q}
        medians = {case: float(np.median(values)) for case, values in found.items()}
        for name in ("per_sample", "per_entry"):
            ratios[f"{name} / hadamard (n={n})"] = medians[f"{name}, n={n}"] / medians[f"hadamard, n={n}"]
    notes = {case: _NOTES[case.split(",")[0]] for case in times}
    return Measurement(
        times=times,
        unit="gradient",
        number=number,
        ratios=ratios,
        notes=notes,
        params=params,
        remarks=[f"sigmoid network with p = {P} inputs, d = {D} hidden units, q = {Q} output, float64"],
    )
