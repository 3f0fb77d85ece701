import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labcode.gradcheck import numerical_gradient
from labcode.layers import Dense, dense_columns, dense_rows

ACTIVATIONS = ["identity", "sigmoid", "tanh", "relu"]


def _state(layer: Dense) -> dict:
    return copy.deepcopy({k: getattr(layer, k) for k in ("W", "b", "X", "Z", "grad_W", "grad_b")})


def _same(a: dict, b: dict) -> bool:
    return all(
        (a[k] is None and b[k] is None) or (a[k] is not None and b[k] is not None and np.array_equal(a[k], b[k]))
        for k in a
    )


def test_init_draws_scale_times_standard_normal_w_then_b() -> None:
    layer = Dense(3, 2, rng=np.random.default_rng(7), scale=0.05)
    expected = np.random.default_rng(7).standard_normal(3 * 2 + 2) * 0.05
    np.testing.assert_array_equal(layer.W, expected[:6].reshape(3, 2))
    np.testing.assert_array_equal(layer.b, expected[6:])
    assert layer.activation.name == "sigmoid"


def test_init_rejects_bad_arguments() -> None:
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        Dense(3, 2, rng=0)
    with pytest.raises(ValueError, match="in_size must be an integer >= 1, got 0"):
        Dense(0, 2, rng=np.random.default_rng(0))
    with pytest.raises(KeyError, match="valid names"):
        Dense(3, 2, rng=np.random.default_rng(0), activation="softmax")


def test_from_arrays_keeps_references_never_copies() -> None:
    W, b = np.zeros((2, 3)), np.zeros(3)
    layer = Dense.from_arrays(W, b, activation="identity")
    assert layer.W is W and layer.b is b
    assert layer.params["W"] is W and layer.params["b"] is b
    X = np.array([[1.0, 2.0]])
    before = layer.forward(X).copy()
    W[1, 0] += 0.5  # in place: the layer must see it
    b[2] -= 1.0
    after = layer.forward(X)
    np.testing.assert_array_equal(after - before, [[1.0, 0.0, -1.0]])


def test_from_arrays_needs_float_arrays_of_matching_shapes() -> None:
    with pytest.raises(TypeError, match="W must be a floating-point numpy array .*, got list"):
        Dense.from_arrays([[1.0]], np.zeros(1))
    with pytest.raises(TypeError, match="b must be a floating-point numpy array .*, got an array of dtype int64"):
        Dense.from_arrays(np.zeros((1, 1)), np.zeros(1, dtype=int))
    with pytest.raises(ValueError, match=r"b has shape \(2,\) but \(out_size,\) was expected with out_size = 3"):
        Dense.from_arrays(np.zeros((2, 3)), np.zeros(2))


def test_forward_with_a_wrong_shape_raises_and_changes_nothing() -> None:
    layer = Dense(3, 2, rng=np.random.default_rng(0))
    layer.forward(np.ones((4, 3)))
    layer.backward(np.ones((4, 2)))
    before = _state(layer)
    with pytest.raises(ValueError, match=r"X has shape \(4, 2\) but \(n, in_size\) was expected with in_size = 3"):
        layer.forward(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"X has shape \(3,\) but \(n, in_size\) was expected"):
        layer.forward(np.ones(3))
    with pytest.raises(ValueError, match=r"grad_out has shape \(4, 3\) but \(n, out_size\) was expected with out_size = 2"):
        layer.backward(np.ones((4, 3)))
    assert _same(before, _state(layer))


def test_forward_keeps_its_input_and_backward_needs_it() -> None:
    layer = Dense(2, 2, rng=np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.ones((1, 2)))
    X = np.ones((5, 2))
    layer.forward(X)
    assert layer.X is X and layer.Z.shape == (5, 2)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backward_matches_central_differences(activation: str) -> None:
    rng = np.random.default_rng(3)
    layer = Dense(3, 2, rng=rng, scale=0.5, activation=activation)
    X = rng.standard_normal((4, 3))
    grad_out = rng.standard_normal((4, 2))

    def loss() -> float:
        return float(np.sum(layer.forward(X) * grad_out))  # dL/dH = grad_out

    loss()
    grad_X = layer.backward(grad_out)
    numeric = numerical_gradient(loss, {"W": layer.W, "b": layer.b, "X": X}, h=1e-6)
    for name, grad in (("W", layer.grad_W), ("b", layer.grad_b), ("X", grad_X)):
        np.testing.assert_allclose(grad, numeric[name], rtol=1e-5, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@settings(max_examples=50)
@given(n=st.integers(1, 5), p=st.integers(1, 4), q=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_both_conventions_agree(activation: str, n: int, p: int, q: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X, W, b = rng.standard_normal((n, p)), rng.standard_normal((p, q)), rng.standard_normal(q)
    rows = dense_rows(X, W, b, activation)
    columns = dense_columns(W, X.T, b.reshape(q, 1), activation)
    assert rows.shape == (n, q) and columns.shape == (q, n)
    np.testing.assert_allclose(columns.T, rows, rtol=1e-12, atol=1e-14)
    layer = Dense.from_arrays(W, b, activation=activation)
    np.testing.assert_allclose(layer.forward(X), rows, rtol=1e-12, atol=1e-14)


def test_convention_functions_name_the_shapes() -> None:
    W = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"X has shape \(2, 4\) but \(n, p\) was expected with p = 2"):
        dense_rows(np.ones((2, 4)), W, np.ones(3))
    with pytest.raises(ValueError, match=r"X has shape \(4, 2\) but \(p, n\) was expected with p = 2"):
        dense_columns(W, np.ones((4, 2)), np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"B has shape \(3, 2\) but \(q, 1\) was expected"):
        dense_columns(W, np.ones((2, 2)), np.ones((3, 2)))
