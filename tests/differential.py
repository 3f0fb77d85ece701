"""Helpers for the differential tests (tests/test_differential_*.py): HIPS autograd as the oracle.

Each differential test computes a gradient twice, with labcode and with HIPS
``autograd`` differentiating its own transcription of the same function in
``autograd.numpy``, at float64, and compares the two with `relative_error`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import autograd
import numpy as np

#: The agreement every differential test asks for (issue 12): both sides compute
#: the same function in float64, so they may differ only by rounding.
TOLERANCE = 1e-10

#: Below this norm a gradient counts as zero: the tiny absolute floor that keeps
#: an exact 0 against an exact 0 from being 0/0.
FLOOR = 1e-300

#: Rounding, in units of the magnitude of the gradient's terms (see `assert_agree`).
#: An entry of a gradient is a sum of products; computed in float64, in any
#: order, its error is at most about (terms + factors) * eps/2 times the sum of
#: the terms' absolute values. Two implementations, a few dozen terms and factors
#: at most here: 64 eps (1.4e-14) of that sum.
ROUNDING = 64 * float(np.finfo(np.float64).eps)


def relative_error(ours: Any, reference: Any) -> float:
    """``||ours - reference|| / max(||ours||, ||reference||)``, Frobenius norms, floored at `FLOOR`.

    A norm-based error: one number per array, which a tiny entry cannot blow up
    (an entry-by-entry relative error would call 1e-17 against 2e-17 a 100 % miss).
    """
    ours = np.asarray(ours, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    assert ours.shape == reference.shape, f"shapes differ: {ours.shape} against {reference.shape}"
    scale = max(float(np.linalg.norm(ours)), float(np.linalg.norm(reference)), FLOOR)
    return float(np.linalg.norm(ours - reference)) / scale


def assert_agree(ours: Any, reference: Any, what: str, magnitude: Any = 0.0) -> None:
    """Fail, naming ``what`` and showing both arrays, unless they agree to `TOLERANCE`.

    They agree when ``||ours - reference|| <= TOLERANCE * max(||ours||, ||reference||)
    + ROUNDING * ||magnitude||``. ``magnitude`` bounds, entry by entry, the sum of
    the absolute values of the terms that make up each entry (HIPS's gradient of
    the same computation with every sign made positive): where those terms
    cancel, to a true value of 0 say, both sides are left with rounding of that
    size, which no relative error can judge.
    """
    err = relative_error(ours, reference)
    diff = float(np.linalg.norm(np.asarray(ours, dtype=np.float64) - np.asarray(reference, dtype=np.float64)))
    scale = max(float(np.linalg.norm(ours)), float(np.linalg.norm(reference)))
    allowed = TOLERANCE * scale + ROUNDING * float(np.linalg.norm(magnitude))
    assert diff <= allowed, (
        f"{what}: relative error {err:.3g} > {TOLERANCE:g} (difference {diff:.3g}, rounding allowance "
        f"{ROUNDING * float(np.linalg.norm(magnitude)):.3g})\nlabcode:\n{np.asarray(ours)!r}\n"
        f"HIPS autograd:\n{np.asarray(reference)!r}"
    )


def hips_grad(f: Callable[..., Any], argnum: int | list[int] = 0) -> Callable[..., Any]:
    """`autograd.grad`, quiet about an output that does not depend on an input (it returns zeros then).

    HIPS warns "Output seems independent of input" with a UserWarning, which the
    suite turns into an error; a gradient of zero is the right answer there.
    """
    g = autograd.grad(f, argnum)

    def quiet(*args: Any) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Output seems independent of input", category=UserWarning)
            return g(*args)

    return quiet
