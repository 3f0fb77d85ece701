import warnings

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import autograd.numpy as anp
from autograd import elementwise_grad

from labcode import activations
from labcode.activations import ACTIVATIONS, Activation, get, sigmoid, sigmoid_naive

finite = st.floats(-30, 30, allow_nan=False)

EPS = float(np.finfo(np.float64).eps)
#: max |phi'''(x)| over the real line: 0 for the piecewise-linear ones (away from
#: the kink), 1/8 for the sigmoid (at 0), 2 for tanh (at 0).
THIRD_DERIVATIVE = {"identity": 0.0, "relu": 0.0, "sigmoid": 1 / 8, "tanh": 2.0}
#: Relative error allowed for one computed value of phi or phi' (numpy's tanh and
#: scipy's expit are within a few units in the last place).
ULP_BUDGET = 4 * EPS


def central_difference_bound(name, x, h, f_plus, f_minus, slope):
    """How far the computed ``(phi(x+h) - phi(x-h)) / 2h`` may be from ``phi'(x)``, entry by entry.

    The truncation error, ``h**2 / 6 max|phi'''|``; the rounding of the two
    values of phi, divided by ``2h``; the rounding of ``x + h`` and ``x - h``
    themselves (the step taken is off by up to ``eps (|x| + h)``), times the
    slope; and the rounding of the analytic ``phi'`` (at most 1 in size) and of
    the subtraction and the division.
    """
    truncation = h**2 / 6 * THIRD_DERIVATIVE[name]
    values = ULP_BUDGET * (np.abs(f_plus) + np.abs(f_minus)) / (2 * h)
    step = np.abs(slope) * EPS * (np.abs(x) + h) / (2 * h)
    return truncation + values + step + 2 * ULP_BUDGET


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
# The inputs that came closest to the old tolerance (rtol 1e-6, atol 1e-8) in a
# search of 2e7 random and 2e4 hypothesis-drawn points: large |x|, where tanh(x)
# is within 1e-13 of 1 and the central difference is all rounding (5.5e-11 at
# x = 15.31, against a true slope of 1.9e-13); 19.06, where tanh rounds to 1.
# Near 0 the truncation error of tanh reaches h**2/3 (x = 1.06e-10: 0.99 of this bound).
@example(x=np.array([15.311352089646128, -18.241746748911623, 19.061546723194674, 30.0, -30.0, 0.0,
                     1.0578585889907316e-10]))
@given(x=arrays(np.float64, st.integers(1, 20), elements=finite))
def test_derivative_matches_central_difference(name: str, x: np.ndarray) -> None:
    act = get(name)
    if name == "relu":
        x = x[np.abs(x) > 1e-3]  # keep away from the kink, where no derivative exists
    h = 1e-6
    f_plus, f_minus = act.phi(x + h), act.phi(x - h)
    numeric = (f_plus - f_minus) / (2 * h)
    slope = act.dphi(x)
    bound = central_difference_bound(name, x, h, f_plus, f_minus, slope)
    assert np.all(np.abs(slope - numeric) <= bound), f"worst error / bound: {np.max(np.abs(slope - numeric) / bound):.3g}"


#: name -> (labcode's function, its derivative, the formula written with autograd.numpy)
PAIRS = {
    "sigmoid": (activations.sigmoid, activations.sigmoid_prime, lambda x: 1.0 / (1.0 + anp.exp(-x))),
    "tanh": (activations.tanh, activations.tanh_prime, anp.tanh),
    "relu": (activations.relu, activations.relu_prime, lambda x: anp.maximum(x, 0.0)),
    "identity": (activations.identity, activations.identity_prime, lambda x: x + 0.0),
}


@pytest.mark.parametrize("name", sorted(PAIRS))
@given(x=arrays(np.float64, st.integers(1, 20), elements=finite))
def test_functions_and_derivatives_match_hips_autograd(name: str, x: np.ndarray) -> None:
    phi, dphi, formula = PAIRS[name]
    assert ACTIVATIONS[name] == Activation(name, phi, dphi)
    if name == "relu":
        x = x[np.abs(x) > 1e-3]  # no derivative at the kink
    np.testing.assert_allclose(phi(x), formula(x), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(dphi(x), elementwise_grad(formula)(x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_shape_and_float_dtype_are_kept(name: str) -> None:
    act = get(name)
    for dtype in (np.float32, np.float64):
        x = np.linspace(-2, 2, 6, dtype=dtype).reshape(2, 3)
        assert act.phi(x).shape == act.dphi(x).shape == (2, 3)
        assert act.dphi(x).dtype == dtype
    assert act.dphi(np.array([1, 2])).dtype == np.float64


def test_stable_sigmoid_at_extremes_warns_nothing() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise"):
            values = sigmoid(np.array([-1000.0, 1000.0]))
            slopes = activations.sigmoid_prime(np.array([-1000.0, 1000.0]))
    assert values.tolist() == [0.0, 1.0]
    assert slopes.tolist() == [0.0, 0.0]
    assert not np.isnan(values).any()


def test_naive_sigmoid_overflows() -> None:
    with pytest.warns(RuntimeWarning, match="overflow"):
        value = sigmoid_naive(-1000.0)
    assert value == 0.0  # right by luck: 1 / (1 + inf)


def test_sigmoid_at_one() -> None:
    assert float(sigmoid(1.0)) == 1.0 / (1.0 + np.exp(-1.0))


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(KeyError, match="valid names: identity, relu, sigmoid, tanh"):
        get("softmax")
    assert get(ACTIVATIONS["relu"]) is ACTIVATIONS["relu"]


def test_identity_never_aliases() -> None:
    x = np.array([1.0, 2.0])
    y = get("identity").phi(x)
    y[0] = 5.0
    assert x[0] == 1.0
