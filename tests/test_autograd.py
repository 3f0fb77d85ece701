"""labcode.autograd: every backward against central differences and against HIPS autograd."""

from __future__ import annotations

from collections.abc import Callable

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labcode import autograd as ag
from labcode.autograd import Variable
from labcode.autograd import relu
from labcode.gradcheck import numerical_gradient
from labcode.nn import Linear

# --- the reference: finite differences and an independent autograd -----------


#: name -> (labcode operation, the same written with autograd.numpy, input shapes maker)
#: Shapes are drawn from (m, k, n); broadcasting cases get shapes that broadcast.
OPERATIONS: dict[str, tuple[Callable, Callable, Callable]] = {
    "add": (ag.add, lambda a, b: a + b, lambda m, k, n: [(m, n), (m, n)]),
    "add_row": (ag.add, lambda a, b: a + b, lambda m, k, n: [(m, n), (n,)]),
    "add_column": (ag.add, lambda a, b: a + b, lambda m, k, n: [(m, 1), (m, n)]),
    "add_scalar": (ag.add, lambda a, b: a + b, lambda m, k, n: [(m, n), ()]),
    "mul": (ag.mul, lambda a, b: a * b, lambda m, k, n: [(m, n), (m, n)]),
    "mul_row": (ag.mul, lambda a, b: a * b, lambda m, k, n: [(1, n), (m, n)]),
    "neg": (ag.neg, lambda a: -a, lambda m, k, n: [(m, n)]),
    "sub": (ag.sub, lambda a, b: a - b, lambda m, k, n: [(m, n), (n,)]),
    "matmul": (ag.matmul, lambda a, b: anp.dot(a, b), lambda m, k, n: [(m, k), (k, n)]),
    "relu": (ag.relu, lambda a: anp.maximum(a, 0.0), lambda m, k, n: [(m, n)]),
    "square": (ag.square, lambda a: a**2, lambda m, k, n: [(m, n)]),
    "sum": (ag.sum, anp.sum, lambda m, k, n: [(m, n)]),
    "mean": (ag.mean, anp.mean, lambda m, k, n: [(m, n)]),
    "mean_squared_error": (
        ag.mean_squared_error,
        lambda a, b: anp.mean((a - b) ** 2),
        lambda m, k, n: [(m, n), (m, n)],
    ),
}

sizes = st.integers(1, 4)


def _drawn(name: str, m: int, k: int, n: int, seed: int):
    """The operation ``name``, its reference, standard-normal inputs of its shapes, and the generator that drew them."""
    ours, reference, shapes = OPERATIONS[name]
    rng = np.random.default_rng(seed)
    return ours, reference, [rng.standard_normal(s) for s in shapes(m, k, n)], rng


@pytest.mark.parametrize("name", sorted(OPERATIONS))
@settings(max_examples=15)
@given(m=sizes, k=sizes, n=sizes, seed=st.integers(0, 2**32 - 1))
def test_backward_matches_central_differences_and_hips_autograd(name, m, k, n, seed) -> None:
    ours, reference, arrays, rng = _drawn(name, m, k, n, seed)
    if name == "relu":  # keep away from the kink, where there is no derivative
        arrays[0] = np.where(np.abs(arrays[0]) < 1e-3, 0.5, arrays[0])
    out_shape = np.shape(reference(*arrays))
    R = rng.standard_normal(out_shape)  # a random seed gradient, so every entry matters

    variables = [Variable(a) for a in arrays]
    out = ours(*variables)
    assert out.shape == out_shape
    out.backward(R)

    def scalar(*xs):
        return anp.sum(reference(*xs) * R)

    for i, (x, v) in enumerate(zip(arrays, variables)):
        assert v.grad.shape == x.shape and v.grad.dtype == x.dtype
        numeric = numerical_gradient(lambda: float(scalar(*arrays)), {"x": x}, h=1e-6)["x"]
        np.testing.assert_allclose(v.grad, numeric, rtol=1e-6, atol=1e-8, err_msg=f"{name}, input {i}")
        independent = autograd.grad(scalar, i)(*arrays)
        np.testing.assert_allclose(v.grad, independent, rtol=1e-12, atol=1e-14, err_msg=f"{name}, input {i}")


@pytest.mark.parametrize("name", sorted(OPERATIONS))
@settings(max_examples=10)
@given(m=sizes, k=sizes, n=sizes, seed=st.integers(0, 2**32 - 1))
def test_forward_matches_autograd_numpy(name, m, k, n, seed) -> None:
    """Every operation's value, on variables and on plain arrays (which give a constant, with no graph)."""
    ours, reference, arrays, _ = _drawn(name, m, k, n, seed)
    expected = reference(*arrays)
    for inputs in ([Variable(a) for a in arrays], arrays):
        out = ours(*inputs)
        assert out.dtype == np.float64
        np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-14, err_msg=name)
    assert out.creator is None and not out.requires_grad


def test_every_public_operation_is_checked() -> None:
    wrappers = {"add", "mul", "neg", "sub", "matmul", "relu", "square", "sum", "mean", "mean_squared_error"}
    assert wrappers <= set(ag.__all__)
    assert wrappers <= {ours.__name__ for ours, *_ in OPERATIONS.values()}


# --- accumulation, clearing, what needs a gradient -----------------------------


# x = 3 in each; the old order (a variable marked seen when pushed, not when
# finished) gave 1.0, 1.0, 3.0 and 6.0 for the first, third, fifth and seventh.
BOTH_OPERAND_ORDERS = {
    "x + x*x": (lambda x: x + x * x, 7.0),  # 1 + 2x
    "x*x + x": (lambda x: x * x + x, 7.0),
    "x - x*x": (lambda x: x - x * x, -5.0),  # 1 - 2x
    "x*x - x": (lambda x: x * x - x, 5.0),
    "c + 2c, c = 3x": (lambda x: (c := 3 * x) + 2 * c, 9.0),
    "2c + c, c = 3x": (lambda x: 2 * (c := 3 * x) + c, 9.0),
    "a + a*a, a = x**2": (lambda x: (a := ag.square(x)) + a * a, 114.0),  # 2x + 4x**3
    "a*a + a, a = x**2": (lambda x: (a := ag.square(x)) * a + a, 114.0),
}


@pytest.mark.parametrize("name", BOTH_OPERAND_ORDERS)
def test_every_path_adds_up_in_either_operand_order(name) -> None:
    build, expected = BOTH_OPERAND_ORDERS[name]
    x = Variable(3.0)
    build(x).backward()
    assert float(x.grad) == expected


@pytest.mark.parametrize("residual_first", [True, False], ids=["h + relu(W2 h)", "relu(W2 h) + h"])
def test_a_residual_block_matches_hips_autograd(residual_first) -> None:
    """h = Linear1(X); out = h + relu(Linear2(h)): the block whose W1 gradient the old order got wrong."""
    rng = np.random.default_rng(12)
    X, Y = rng.standard_normal((6, 4)), rng.standard_normal((6, 3))
    W1, W2 = rng.standard_normal((4, 3)), rng.standard_normal((3, 3))
    linear1, linear2 = Linear(4, 3, weight=W1.copy()), Linear(3, 3, weight=W2.copy())
    h = linear1(X)
    out = h + relu(linear2(h)) if residual_first else relu(linear2(h)) + h
    ag.mean_squared_error(out, Y).backward()

    def loss(W1, W2):
        h = anp.matmul(X, W1)
        return anp.mean((h + anp.where(h @ W2 > 0, h @ W2, 0.0) - Y) ** 2)

    for i, W in enumerate((linear1.W, linear2.W)):
        np.testing.assert_allclose(W.grad, autograd.grad(loss, i)(W1, W2), rtol=1e-12, atol=1e-14)


def test_backward_twice_without_clearing_accumulates() -> None:
    w = Variable(np.array([1.0, -2.0]))
    loss = ag.sum(ag.square(w))
    loss.backward()
    np.testing.assert_array_equal(w.grad, [2.0, -4.0])
    loss.backward()
    np.testing.assert_array_equal(w.grad, [4.0, -8.0])  # twice the gradient, not a stale mix
    w.cleargrad()
    assert w.grad is None
    loss.backward()
    np.testing.assert_array_equal(w.grad, [2.0, -4.0])


def test_intermediate_gradients_are_those_of_the_last_pass() -> None:
    w = Variable(np.array([1.0, 2.0]))
    h = w * 3.0
    loss = ag.sum(h)
    loss.backward()
    loss.backward()
    np.testing.assert_array_equal(h.grad, [1.0, 1.0])
    np.testing.assert_array_equal(w.grad, [6.0, 6.0])


def test_no_gradient_for_constants_and_no_work_for_them(monkeypatch) -> None:
    X = np.ones((4, 3))
    W = Variable(np.ones((3, 2)))
    products = []
    real = ag.MatMul.backward

    def spy(self, gy):
        gx, gW = real(self, gy)
        products.append((gx is None, gW is None))
        return gx, gW

    monkeypatch.setattr(ag.MatMul, "backward", spy)
    ag.sum(ag.matmul(X, W)).backward()
    assert products == [(True, False)]  # the gradient of the data X was never computed


def test_nothing_is_recorded_when_nothing_needs_a_gradient() -> None:
    y = ag.relu(np.array([1.0, -1.0]))
    assert y.creator is None and not y.requires_grad
    with pytest.raises(ValueError, match="does not depend on anything"):
        ag.sum(y).backward()


def test_grads_keep_shape_and_dtype_and_are_never_shared() -> None:
    a = Variable(np.ones((2, 3), dtype=np.float32))
    b = Variable(np.ones((2, 3), dtype=np.float32))
    c = Variable(np.ones(3, dtype=np.float64))
    out = ag.add(ag.add(a, b), c)
    out.backward(np.ones((2, 3)))
    assert a.grad.dtype == b.grad.dtype == np.float32 and c.grad.dtype == np.float64
    assert a.grad.shape == b.grad.shape == (2, 3) and c.grad.shape == (3,)
    grads = [a.grad, b.grad, c.grad, out.grad]
    assert not any(np.shares_memory(g, h) for i, g in enumerate(grads) for h in grads[i + 1 :])


def test_python_numbers_keep_the_variables_dtype() -> None:
    x = Variable(np.ones(2, dtype=np.float32))
    for y in (x * 3.0, 3.0 * x, x + 1, x - 0.5, ag.mean(x)):
        assert y.dtype == np.float32
    assert (Variable(np.ones(2)) * np.float32(2.0)).dtype == np.float64


def test_variable_holds_the_callers_array() -> None:
    W = np.zeros((2, 2), dtype=np.float32)
    assert Variable(W).data is W
    assert Variable([1, 2]).dtype == np.float64
    assert Variable(np.float32(1.0)).dtype == np.float32


# --- errors name the shapes and change nothing --------------------------------


def test_backward_on_a_non_scalar_without_seed_names_the_shape() -> None:
    x = Variable(np.ones((64, 10)))
    y = x * 2.0
    with pytest.raises(ValueError, match=r"shape \(64, 10\).*pass grad= of shape \(64, 10\)"):
        y.backward()
    assert x.grad is None


def test_seed_of_the_wrong_shape_names_both() -> None:
    x = Variable(np.ones(3))
    y = x * 2.0
    with pytest.raises(ValueError, match=r"grad has shape \(2,\) but \(3,\) was expected"):
        y.backward(np.ones(2))
    assert x.grad is None


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: ag.matmul(Variable(np.ones((2, 3))), np.ones((2, 3))),
         r"W has shape \(2, 3\) but \(p, d\) was expected with p = 3 \(set by x\)"),
        (lambda: ag.add(Variable(np.ones((2, 3))), np.ones(2)), r"x1 has shape \(2,\) but .* x0's \(2, 3\)"),
        (lambda: ag.mul(Variable(np.ones(4)), np.ones(3)), r"x1 has shape \(3,\) but .* x0's \(4,\)"),
        (
            lambda: ag.mean_squared_error(Variable(np.ones((4, 2))), np.ones((4, 1))),
            r"y has shape \(4, 1\) but \(4, 2\) was expected",
        ),
    ],
)
def test_mismatched_shapes_name_both(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_wrapping_a_variable_twice_is_refused() -> None:
    with pytest.raises(TypeError, match="data must be an array, got a Variable"):
        Variable(Variable(1.0))


def test_a_deep_chain_does_not_hit_the_recursion_limit() -> None:
    x = Variable(1.0)
    y = x
    for _ in range(5000):
        y = y + 1.0
    y.backward()
    assert float(x.grad) == 1.0


def test_a_deep_chain_with_fan_out_at_every_step() -> None:
    # 10,000 operations, each step using the previous node twice and x once more:
    # y_k = (y_{k-1} + y_{k-1}) * 0.5 + x, so dy/dx = 5001 (exact in float64).
    x = Variable(1.0)
    y = x
    for _ in range(5000):
        y = (y + y) * 0.5 + x
    y.backward()
    assert float(x.grad) == 5001.0


def test_a_two_layer_network_matches_pytorch_where_installed() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((6, 5)), rng.standard_normal((6, 2))
    W1, W2 = rng.standard_normal((5, 4)), rng.standard_normal((4, 2))
    v1, v2 = Variable(W1), Variable(W2)
    ag.mean_squared_error(ag.relu(X @ v1) @ v2, Y).backward()
    t1, t2 = (torch.tensor(W, dtype=torch.float64, requires_grad=True) for W in (W1, W2))
    loss = torch.mean((torch.relu(torch.tensor(X) @ t1) @ t2 - torch.tensor(Y)) ** 2)
    loss.backward()
    np.testing.assert_allclose(v1.grad, t1.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(v2.grad, t2.grad.numpy(), rtol=1e-10, atol=1e-12)


# --- the quick checks of the epoch's operations agree with check_shapes ---------------------

_SHAPES = st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple)


def _outcome(call: Callable[[], object]) -> str:
    """What a call does: "ok", or the type and message of the error it raises."""
    try:
        call()
    except (ValueError, TypeError) as error:
        return f"{type(error).__name__}: {error}"
    return "ok"


@settings(max_examples=200)
@given(x_shape=_SHAPES, w_shape=_SHAPES)
def test_matmul_refuses_exactly_what_check_shapes_refuses(x_shape: tuple[int, ...], w_shape: tuple[int, ...]) -> None:
    """MatMul's forward skips check_shapes for two non-empty matrices that fit; any other pair
    gets check_shapes' own error, never NumPy's."""
    from labcode.shapes import check_shapes

    x, W = np.ones(x_shape), np.ones(w_shape)
    expected = _outcome(lambda: check_shapes(x=(x, "n p"), W=(W, "p d")))
    assert _outcome(lambda: ag.matmul(Variable(x), Variable(W))) == expected


@settings(max_examples=200)
@given(pred_shape=_SHAPES, y_shape=_SHAPES)
def test_mean_squared_error_refuses_exactly_what_check_shapes_refuses(pred_shape: tuple[int, ...],
                                                                      y_shape: tuple[int, ...]) -> None:
    from labcode.shapes import check_shapes

    y_pred, y = np.ones(pred_shape), np.ones(y_shape)
    expected = _outcome(lambda: check_shapes(y_pred=(y_pred, "..."), y=(y, y_pred.shape)))
    assert _outcome(lambda: ag.mean_squared_error(Variable(y_pred), y)) == expected


@pytest.mark.parametrize("grad", [np.ones((2, 3)), np.ones((2, 2), dtype=np.int64), [[1.0, 1.0], [1.0, 1.0]],
                                  np.ones((2, 2), dtype=np.complex128), np.ones((2, 2), dtype=np.float32)],
                         ids=["shape", "int", "list", "complex", "float32"])
def test_sgd_step_takes_or_refuses_a_gradient_as_the_full_checks_do(grad: object) -> None:
    """A float array of the parameter's shape is taken as it is; anything else goes through
    as_float and check_shapes: converted (integers, lists) or refused with their message, and then
    no parameter changes."""
    from labcode.optim import SGD
    from labcode.shapes import as_float, check_shapes

    first, second = Variable(np.ones((2, 2))), Variable(np.ones((2, 2)))
    first.grad, second.grad = np.full((2, 2), 0.5), grad
    expected = _outcome(lambda: check_shapes(**{"params[1].grad": (as_float(grad, "params[1].grad"), (2, 2))}))
    assert _outcome(SGD([first, second], lr=0.1).step) == expected
    if expected == "ok":
        np.testing.assert_array_equal(first.data, np.full((2, 2), 0.95))
        stepped = np.ones((2, 2))
        stepped -= 0.1 * as_float(grad, "grad")  # the update as written, in the gradient's dtype
        np.testing.assert_array_equal(second.data, stepped)
    else:
        np.testing.assert_array_equal(first.data, np.ones((2, 2)))  # never half a step
        np.testing.assert_array_equal(second.data, np.ones((2, 2)))


def test_a_variable_takes_a_float_array_as_it_is_and_converts_the_rest() -> None:
    array = np.ones((2, 2), dtype=np.float32)
    assert Variable(array).data is array
    assert Variable(np.ones(2, dtype=np.int64)).data.dtype == np.float64
    view = np.ones((2, 2)).view(np.matrix)
    assert type(Variable(view).data) is np.ndarray  # as_float turns a matrix into an ndarray
    with pytest.raises(TypeError, match="data must be real numbers"):
        Variable(np.ones(2, dtype=complex))
