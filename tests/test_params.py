"""labcode.params: the values change, the arrays never do."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from labcode.params import Parameters


@pytest.fixture
def params() -> Parameters:
    rng = np.random.default_rng(0)
    return Parameters({"W1": rng.standard_normal((3, 2)), "b1": np.zeros(2)})


def test_the_caller_keeps_its_own_arrays() -> None:
    W = np.ones((2, 2))
    params = Parameters({"W": W})
    assert not np.shares_memory(params["W"], W)
    params["W"] = 2 * W
    assert W[0, 0] == 1.0


def test_assignment_writes_into_the_live_array(params: Parameters) -> None:
    live = params["W1"]
    new = live + 1.0
    params["W1"] = new
    assert params["W1"] is live
    np.testing.assert_array_equal(live, new)
    assert not np.shares_memory(live, new)


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=st.floats(-1e6, 1e6)),
)
def test_assignment_round_trips_exactly(values: np.ndarray) -> None:
    params = Parameters({"A": np.zeros(values.shape)})
    params["A"] = values
    np.testing.assert_array_equal(params["A"], values)


def test_float32_stays_float32() -> None:
    params = Parameters({"W": np.zeros((2, 2), dtype=np.float32)})
    params["W"] = np.full((2, 2), 0.1)  # float64 values are rounded into float32
    assert params["W"].dtype == np.float32
    assert params["W"][0, 0] == np.float32(0.1)


def test_integers_become_float64() -> None:
    assert Parameters({"W": [[1, 2]]})["W"].dtype == np.float64


@pytest.mark.parametrize(
    "name,value,error,message",
    [
        ("W1", np.zeros((2, 3)), ValueError, "the value for 'W1' has shape (2, 3) but (3, 2) was expected"),
        ("b1", np.zeros(3), ValueError, "the value for 'b1' has shape (3,) but (2,) was expected"),
        ("W1", np.zeros((3, 2), dtype=complex), TypeError,
         "the value for 'W1' must be real numbers, got an array of dtype complex128"),
        ("W3", np.zeros((3, 2)), KeyError, "no parameter 'W3'; the parameters are 'W1', 'b1'"),
    ],
)
def test_bad_assignments_raise_and_change_nothing(params, name, value, error, message) -> None:
    before = {key: array.copy() for key, array in params.items()}
    with pytest.raises(error) as info:
        params[name] = value
    assert message in str(info.value)
    assert list(params) == ["W1", "b1"]
    for key, array in params.items():
        np.testing.assert_array_equal(array, before[key])


def test_deleting_is_refused(params: Parameters) -> None:
    with pytest.raises(TypeError, match="cannot be deleted"):
        del params["W1"]
    assert "W1" in params


def test_constructor_rejects_non_numbers() -> None:
    with pytest.raises(TypeError, match="parameter 'W' must be real numbers, got an array of dtype <U1"):
        Parameters({"W": ["a"]})
    with pytest.raises(TypeError, match="parameter names must be strings"):
        Parameters({1: [1.0]})


def test_deepcopy_is_independent_and_keeps_identity_inside(params: Parameters) -> None:
    twin = copy.deepcopy(params)
    twin["W1"] = twin["W1"] + 1.0
    assert not np.shares_memory(twin["W1"], params["W1"])
    assert not np.allclose(twin["W1"], params["W1"])


def test_assigning_an_entry_to_itself_is_a_no_op(params: Parameters) -> None:
    live = params["W1"]
    before = live.copy()
    params["W1"] = live
    np.testing.assert_array_equal(live, before)


def test_repr_names_shapes_and_dtypes(params: Parameters) -> None:
    assert repr(params) == "Parameters({W1: (3, 2) float64, b1: (2,) float64})"
