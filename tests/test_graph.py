import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from labcode.activations import sigmoid, sigmoid_prime
from labcode.graph import (
    AddUnit,
    AddConst,
    Chain,
    Exp,
    FanOut,
    MultiplyUnit,
    Negate,
    Power,
    Reciprocal,
    Scale,
    format_trace,
    sigmoid_chain,
    trace,
)

H = 1e-6


def central_difference(f, x: np.ndarray, h: float = H) -> np.ndarray:
    """Element-wise derivative of an element-wise ``f`` by central differences (float64)."""
    return (f(x + h) - f(x - h)) / (2 * h)


moderate = st.floats(-3, 3, allow_nan=False)
away_from_zero = st.one_of(st.floats(-3, -0.2), st.floats(0.2, 3))
positive = st.floats(0.2, 3)
shapes = array_shapes(min_dims=0, max_dims=2, max_side=4)

UNITS = {
    "scale": (lambda: Scale(2.5), moderate),
    "negate": (Negate, moderate),
    "add const": (lambda: AddConst(1.0), moderate),
    "exp": (Exp, moderate),
    "square": (lambda: Power(2), moderate),
    "cube": (lambda: Power(3), moderate),
    "reciprocal": (Reciprocal, away_from_zero),
    "inverse square": (lambda: Power(-2), away_from_zero),
    "square root": (lambda: Power(0.5), positive),
    "sigmoid chain": (sigmoid_chain, moderate),
}


@pytest.mark.parametrize("name", sorted(UNITS))
@settings(max_examples=50)
@given(data=st.data())
def test_backward_matches_central_difference(name: str, data) -> None:
    make, elements = UNITS[name]
    x = data.draw(arrays(np.float64, shapes, elements=elements))
    g = data.draw(arrays(np.float64, x.shape, elements=moderate))
    unit = make()
    unit.forward(x)
    grad = unit.backward(g)
    numeric = g * central_difference(lambda v: make().forward(v), x)
    assert grad.shape == x.shape
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(UNITS))
def test_default_upstream_is_one_and_scalars_work(name: str) -> None:
    make, _ = UNITS[name]
    unit = make()
    unit.forward(0.7)
    assert unit.backward().shape == ()
    assert float(unit.backward()) == float(unit.backward(1.0))


@pytest.mark.parametrize("name", sorted(UNITS))
def test_backward_before_forward_is_an_error(name: str) -> None:
    make, _ = UNITS[name]
    with pytest.raises(RuntimeError, match="before forward"):
        make().backward()


@pytest.mark.parametrize("node", [AddUnit(), MultiplyUnit(), FanOut()])
def test_multi_input_nodes_need_forward_first(node) -> None:
    with pytest.raises(RuntimeError, match="before forward"):
        node.backward()


def test_power_stores_its_input_not_a_root_of_its_output() -> None:
    square = Power(2)
    square.forward(np.array([-3.0, 3.0]))
    np.testing.assert_array_equal(square.x, [-3.0, 3.0])
    np.testing.assert_array_equal(square.backward(), [-6.0, 6.0])  # the sign survives


def test_forward_copies_its_input() -> None:
    x = np.array([1.0, 2.0])
    unit = Power(2)
    unit.forward(x)
    x[0] = 100.0  # changing the caller's array later does not change the stored input
    np.testing.assert_array_equal(unit.backward(), [2.0, 4.0])


def test_power_rejects_points_where_it_is_not_real() -> None:
    with pytest.raises(ValueError, match="undefined at x = 0"):
        Reciprocal().forward([1.0, 0.0])
    with pytest.raises(ValueError, match="not real for x < 0"):
        Power(0.5).forward(-1.0)


def test_bad_upstream_shape_names_both_shapes() -> None:
    unit = Exp()
    unit.forward(np.zeros(3))
    with pytest.raises(ValueError, match=r"grad_out has shape \(2,\) but \(\) or \(3,\) was expected \(a scalar, or the shape of the output of exp\)"):
        unit.backward(np.ones(2))


def test_chain_needs_units() -> None:
    with pytest.raises(ValueError, match="units must be a sequence of at least one Unit, got none"):
        Chain([])


def test_sigmoid_chain_equals_the_analytic_derivative_on_a_grid() -> None:
    x = np.linspace(-10, 10, 2001)
    chain = sigmoid_chain()
    np.testing.assert_allclose(chain.forward(x), sigmoid(x), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(chain.backward(), sigmoid_prime(x), rtol=1e-9, atol=1e-15)


def test_sigmoid_trace_at_one_has_the_book_values() -> None:
    rows = trace(sigmoid_chain(), 1.0)
    assert [r.name for r in rows] == ["A = -x", "B = exp(A)", "C = 1 + B", "D = 1/C"]
    assert float(rows[-1].value) == 0.7310585786300049
    assert float(rows[-1].local) == -0.534446645388523
    assert float(rows[1].downstream) == -0.19661193324148188
    assert float(rows[0].downstream) == 0.19661193324148188
    for above, below in zip(rows[1:], rows[:-1]):
        assert below.upstream == above.downstream
    for r in rows:
        assert r.downstream == r.upstream * r.local


def test_trace_works_on_arrays_but_the_table_wants_scalars() -> None:
    rows = trace(sigmoid_chain(), np.array([0.0, 1.0]))
    np.testing.assert_allclose(rows[0].downstream, sigmoid_prime([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"rows\[0\].value has shape \(2,\) but \(\) was expected"):
        format_trace(rows)
    assert "0.7311" in format_trace(trace(sigmoid_chain(), 1.0), digits=4)


@settings(max_examples=50)
@given(a=arrays(np.float64, 3, elements=moderate), b=arrays(np.float64, 3, elements=moderate),
       g=arrays(np.float64, 3, elements=moderate))
def test_add_and_multiply_against_central_differences(a, b, g) -> None:
    add, mul = AddUnit(), MultiplyUnit()
    add.forward(a, b)
    mul.forward(a, b)
    ga, gb = add.backward(g)
    np.testing.assert_allclose(ga, g * central_difference(lambda v: v + b, a), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gb, g * central_difference(lambda v: a + v, b), rtol=1e-6, atol=1e-7)
    ga, gb = mul.backward(g)
    np.testing.assert_allclose(ga, g * central_difference(lambda v: v * b, a), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(gb, g * central_difference(lambda v: a * v, b), rtol=1e-6, atol=1e-7)


def test_two_input_nodes_reject_mismatched_shapes() -> None:
    for node in (AddUnit(), MultiplyUnit()):
        with pytest.raises(ValueError, match=r"b has shape \(3,\) but \(2,\) was expected"):
            node.forward(np.ones(2), np.ones(3))


@settings(max_examples=50)
@given(x=arrays(np.float64, 4, elements=moderate))
def test_fan_out_gradients_add_up(x) -> None:
    """f(x) = x * exp(x): x reaches f along two paths, and the two gradients add."""
    fork, exp, mul = FanOut(), Exp(), MultiplyUnit()
    x1, x2 = fork.forward(x)
    mul.forward(x1, exp.forward(x2))
    g1, g_exp = mul.backward()
    grad = fork.backward(g1, exp.backward(g_exp))
    numeric = central_difference(lambda v: v * np.exp(v), x)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-7)
    # grad is exp(x) + x exp(x): near x = -1 the two terms cancel, so its error is
    # relative to the size of the terms, not of the result.
    scale = np.exp(x) * (1 + np.abs(x))
    np.testing.assert_allclose(grad, np.exp(x) * (1 + x), rtol=1e-12, atol=1e-14 * np.max(scale))


def test_format_trace_rejects_unknown_columns() -> None:
    rows = trace(sigmoid_chain(), 1.0)
    with pytest.raises(ValueError, match=r"columns must be fields of TraceRow \(value, local, upstream, downstream\), got \['slope'\]"):
        format_trace(rows, columns=["slope"])
