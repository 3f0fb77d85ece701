"""labcode.autograd: what the mutation run showed untested.

Checked here: the reflected operators (``2 - x``, ``2 + x``, ``-x``) and ``x - 3``
give exact values and gradients (powers of two); `as_variable` returns a
Variable itself; `mean` of a plain array is a constant; ``repr`` shows a
non-scalar's shape and name.
"""

from __future__ import annotations

import numpy as np

import pytest

from labcode.autograd import Variable, as_variable, mean, mul, sub, sum_to


class Multiplications(np.ndarray):
    """An ndarray that counts the element-wise multiplications it takes part in."""

    count = 0

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if ufunc is np.multiply:
            Multiplications.count += 1
        plain = [np.asarray(x) if isinstance(x, Multiplications) else x for x in inputs]
        return getattr(ufunc, method)(*plain, **kwargs)


@pytest.mark.parametrize("constant_first", [False, True])
def test_no_gradient_is_computed_for_a_constant(constant_first) -> None:
    # The module's rule: a plain ndarray is a constant and gets no gradient, so
    # mul(w, c) costs one product forward and one backward (gy * c), not two.
    w = Variable(np.array([1.0, 2.0]).view(Multiplications))
    c = np.array([4.0, 0.5]).view(Multiplications)
    Multiplications.count = 0
    y = mul(c, w) if constant_first else mul(w, c)
    y.backward(np.ones(2))
    assert Multiplications.count == 2
    np.testing.assert_array_equal(w.grad, [4.0, 0.5])


def test_reflected_and_unary_operators_give_exact_values_and_gradients() -> None:
    x = Variable(np.array([0.5, -2.0]))
    cases = [
        (lambda v: 4.0 + v, [4.5, 2.0], [1.0, 1.0]),
        (lambda v: 4.0 - v, [3.5, 6.0], [-1.0, -1.0]),
        (lambda v: -v, [-0.5, 2.0], [-1.0, -1.0]),
        (lambda v: v - 4.0, [-3.5, -6.0], [1.0, 1.0]),
        (lambda v: sub(v, 4.0), [-3.5, -6.0], [1.0, 1.0]),
        (lambda v: sub(8.0, v * v), [7.75, 4.0], [-1.0, 4.0]),
    ]
    for f, value, gradient in cases:
        x.cleargrad()
        y = f(x)
        np.testing.assert_array_equal(y.data, value)
        y.backward(np.ones(2))
        np.testing.assert_array_equal(x.grad, gradient)


def test_as_variable_returns_a_variable_itself_and_wraps_arrays_as_constants() -> None:
    v = Variable(np.ones(3))
    assert as_variable(v) is v
    X = np.ones((2, 2))
    c = as_variable(X)
    assert c.data is X and c.requires_grad is False and c.creator is None


def test_mean_of_a_plain_array_is_a_constant() -> None:
    m = mean(np.array([1.0, 2.0, 6.0]))
    assert float(m.data) == 3.0
    assert m.requires_grad is False and m.creator is None
    x = Variable(np.array([1.0, 3.0]))
    m = mean(x)
    m.backward()
    np.testing.assert_array_equal(x.grad, [0.5, 0.5])


def test_repr_shows_the_shape_and_the_name() -> None:
    text = repr(Variable(np.zeros((2, 3)), name="W1"))
    assert text.startswith("Variable(") and "(2, 3)" in text and "'W1'" in text
    assert repr(Variable(2.5)) == "Variable(2.5)"


@pytest.mark.parametrize(("big", "small"), [
    ((2, 3), (3,)), ((2, 3), (2, 1)), ((2, 3), (1, 3)), ((2, 3, 4), (3, 1)), ((2, 3, 4), (1, 4)),
    ((5, 3, 4, 1), (3, 1, 1)), ((1, 3, 4, 5), (1, 4, 1)), ((4, 1, 3), (1, 1)), ((2, 1, 3, 4), (3, 1)),
    ((2, 2), ()), ((3,), (3,)),
])
def test_sum_to_is_the_adjoint_of_broadcasting(big, small) -> None:
    # <sum_to(g, small), r> = <g, broadcast_to(r, big)> for every r: the
    # defining property of the gradient of a broadcast.
    rng = np.random.default_rng(len(big) * 10 + len(small))
    g = rng.standard_normal(big)
    out = sum_to(g, small)
    assert out.shape == small
    for _ in range(3):
        r = rng.standard_normal(small)
        np.testing.assert_allclose(np.sum(out * r), np.sum(g * np.broadcast_to(r, big)), rtol=1e-12)


def test_repeated_squaring_is_linear_in_the_depth_and_exact() -> None:
    # y = x**(2**40) by squaring: every node is used twice by the next, so a
    # traversal that did not remember what it has visited would take 2**40 steps.
    x = Variable(1.0)
    y = x
    for _ in range(40):
        y = y * y
    y.backward()
    assert float(y.data) == 1.0 and float(x.grad) == 2.0**40


def test_relu_gradient_is_zero_at_the_kink_and_numbers_are_constants() -> None:
    from labcode.autograd import relu

    x = Variable(np.array([-1.0, 0.0, 2.0]))
    relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])
    c = Variable(2.0, requires_grad=False)
    out = mul(c, 3.0)
    assert out.requires_grad is False and out.creator is None and float(out.data) == 6.0
