import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from labcode import activations
from labcode.activations import ACTIVATIONS, get, sigmoid, sigmoid_naive

finite = st.floats(-30, 30, allow_nan=False)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@given(x=arrays(np.float64, st.integers(1, 20), elements=finite))
def test_derivative_matches_central_difference(name: str, x: np.ndarray) -> None:
    act = get(name)
    if name == "relu":
        x = x[np.abs(x) > 1e-3]  # keep away from the kink, where no derivative exists
    h = 1e-6
    numeric = (act.phi(x + h) - act.phi(x - h)) / (2 * h)
    np.testing.assert_allclose(act.dphi(x), numeric, rtol=1e-6, atol=1e-8)


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
