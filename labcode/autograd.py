"""A small define-by-run autograd: `Variable`, operations as `Function` objects, `backward`.

Every operation is a small `Function` subclass whose ``forward`` (on ndarrays)
and local ``backward`` (gradient in ``gy``, gradients out ``gx``) sit side by
side, with a lowercase wrapper to call it (``class MatMul`` / ``def matmul``).
Calling an operation on `Variable` inputs runs the forward at once and records
the function as the ``creator`` of its output, so the graph is exactly what ran.

`Variable.backward` visits the graph in reverse topological order: each
variable's gradient is complete (every path into it added up) before its
creator passes gradients on to its inputs. Rules:

* **Leaves accumulate.** A variable with no creator (a parameter) adds each new
  gradient into ``.grad``; call `Variable.cleargrad` (or an optimizer's
  ``zero_grad``) before each step. Calling ``backward()`` twice without clearing
  gives twice the gradient. Intermediate variables get the gradient of the last
  pass only.
* **Only what needs a gradient gets one.** A plain ndarray given to an operation
  is a constant (``requires_grad=False``); no gradient is computed for it, so
  ``matmul(X, W1)`` spends no matrix product on the data ``X``.
* **Shapes and dtypes.** Every ``.grad`` has the shape and dtype of its
  variable, and no two variables share a ``.grad`` array.
* **Inputs** follow the policy of `labcode.shapes`: lists and integers become
  float64, complex, string, object and bool data raise `TypeError` naming the
  argument, and an operation whose shapes do not fit raises `ValueError`
  before anything is recorded.
"""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from labcode import activations
from labcode.shapes import as_float, check_shapes

__all__ = [
    "Variable",
    "as_variable",
    "Function",
    "Add",
    "Mul",
    "Neg",
    "MatMul",
    "ReLU",
    "Square",
    "Sum",
    "MeanSquaredError",
    "add",
    "mul",
    "neg",
    "sub",
    "matmul",
    "relu",
    "square",
    "sum",
    "mean",
    "mean_squared_error",
    "sum_to",
]

Array = NDArray[Any]


class Variable:
    """An ndarray ``data`` that remembers the `Function` that made it (``creator``, ``None`` for a leaf), with a gradient slot ``grad``.

    ``data`` of a floating dtype is held by reference, not copied (a `Variable`
    around a weight matrix updates that matrix); integers and Python numbers
    become float64. ``grad`` has the shape and dtype of ``data``, and is ``None``
    until a backward pass reaches the variable. ``requires_grad=False`` makes a
    constant, as a plain ndarray given to an operation is; ``name`` is shown by
    ``repr``.
    """

    __array_priority__ = 1000  # so that ndarray @ Variable calls Variable.__rmatmul__

    def __init__(
        self, data: ArrayLike, requires_grad: bool = True, name: str | None = None
    ) -> None:
        if isinstance(data, Variable):
            raise TypeError("data must be an array, got a Variable "
                            "(pass data.data to wrap its array)")
        if type(data) is not np.ndarray or data.dtype.kind != "f":
            data = as_float(data, "data")  # (a float ndarray it would return as is)
        self.data: Array = data
        self.grad: Array | None = None
        self.creator: Function | None = None
        self.requires_grad = bool(requires_grad)
        self.name = name

    # -- what it looks like ---------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        if self.data.ndim == 0:
            body = str(float(self.data))
        else:
            body = "array of shape " + str(self.data.shape)
        label = f", name={self.name!r}" if self.name else ""
        return f"Variable({body}{label})"

    # -- gradients ------------------------------------------------------------
    def cleargrad(self) -> None:
        """Forget the gradient (``.grad = None``), before the next backward pass."""
        self.grad = None

    def backward(self, grad: ArrayLike | None = None) -> None:
        """Fill ``.grad`` of every variable this one depends on, from the seed ``grad`` of this variable's shape.

        The seed may be left out only when this variable holds a single number (a
        loss): it is then 1. Leaves add what they receive to their ``.grad``. With no
        seed for a variable of several entries, or a seed of another shape, it raises
        `ValueError` naming the shapes, and no gradient changes.
        """
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    "backward() without a seed gradient needs a single number, "
                    f"but this variable has shape {self.data.shape}; reduce it "
                    "to a scalar (a loss) first or pass grad= of shape "
                    f"{self.data.shape}"
                )
            seed = np.ones_like(self.data)
        else:
            seed = as_float(grad, "grad").astype(self.data.dtype, copy=True)
            check_shapes(grad=(seed, self.data.shape))
        if not self.requires_grad:
            raise ValueError(
                "this variable does not depend on anything that requires a gradient"
            )

        pending: dict[int, Array] = {id(self): seed}  # gradients still being summed
        handed_out: set[int] = set()  # ids of arrays already stored in some .grad
        for var in reversed(_topological_order(self)):
            g = pending.pop(id(var), None)
            if g is None:
                continue
            if id(g) in handed_out:
                g = g.copy()
            handed_out.add(id(g))
            if var.creator is None:
                var.grad = g if var.grad is None else np.asarray(var.grad + g)
                continue
            var.grad = g
            fn = var.creator
            for x, gx in zip(fn.inputs, fn.backward(g)):
                if gx is None:
                    continue
                if (type(gx) is not np.ndarray or gx.shape != x.data.shape
                        or gx.dtype != x.data.dtype):
                    gx = _fit(gx, x, fn)  # x's shape and dtype, or a RuntimeError
                key = id(x)
                pending[key] = (gx if key not in pending
                                else np.asarray(pending[key] + gx))

    # -- operators: each is one line on top of an operation --------------------
    def __add__(self, other: Any) -> Variable:
        return add(self, other)

    def __radd__(self, other: Any) -> Variable:
        return add(other, self)

    def __mul__(self, other: Any) -> Variable:
        return mul(self, other)

    def __rmul__(self, other: Any) -> Variable:
        return mul(other, self)

    def __neg__(self) -> Variable:
        return neg(self)

    def __sub__(self, other: Any) -> Variable:
        return sub(self, other)

    def __rsub__(self, other: Any) -> Variable:
        return sub(other, self)

    def __matmul__(self, other: Any) -> Variable:
        return matmul(self, other)

    def __rmatmul__(self, other: Any) -> Variable:
        return matmul(other, self)

    def sum(self) -> Variable:
        """The sum of all entries, as a one-entry variable; see `sum`."""
        return sum(self)


def as_variable(x: Variable | ArrayLike) -> Variable:
    """``x`` itself if it is a `Variable`, else a constant (``requires_grad=False``) holding ``x`` (an ndarray by reference)."""
    return x if isinstance(x, Variable) else Variable(as_float(x, "x"), requires_grad=False)


def _topological_order(root: Variable) -> list[Variable]:
    """Every variable ``root`` depends on through gradient-requiring paths, inputs first.

    A depth-first search in post-order, without recursion (a chain of thousands
    of operations would hit Python's limit): the stack holds the path from
    ``root`` down to the variable being explored, each with an iterator over
    the inputs it has not looked at yet. A variable is appended only when all
    its inputs are, so it comes after everything it depends on, however many
    paths lead to it. The graph has no cycles, so an input met again is always
    finished already, never still on the stack.
    """

    def inputs(var: Variable) -> Any:  # an iterator over var's inputs
        return iter(var.creator.inputs if var.creator is not None else ())

    order: list[Variable] = []
    started = {id(root)}
    stack = [(root, inputs(root))]
    while stack:
        var, unvisited = stack[-1]
        for x in unvisited:
            if x.requires_grad and id(x) not in started:
                started.add(id(x))
                stack.append((x, inputs(x)))
                break  # x first; var's other inputs wait in its iterator
        else:  # every input of var is finished
            stack.pop()
            order.append(var)
    return order


def _fit(gx: Array, x: Variable, fn: Function) -> Array:
    """``gx`` as a gradient for ``x``: its dtype, and a shape check."""
    gx = np.asarray(gx)
    if gx.shape != x.data.shape:  # a bug in a backward, never the user's fault
        raise RuntimeError(
            f"{type(fn).__name__}.backward returned a gradient of shape {gx.shape} for an "
            f"input of shape {x.data.shape}"
        )
    return gx if gx.dtype == x.data.dtype else gx.astype(x.data.dtype)


class Function:
    """An operation: ``forward`` on ndarrays, ``backward`` for its local gradients.

    Subclasses implement ``forward(*xs)`` (ndarrays in, one ndarray out) and
    ``backward(gy)`` (the gradient ``gy`` with respect to the output, of its
    shape, in; one gradient per input, of that input's shape, out, in input
    order). In ``backward``, ``self.inputs`` are the input variables and
    ``self.needs[i]`` says whether input ``i`` needs a gradient; return ``None``
    for those that do not, and skip the work.

    Calling a function wraps plain arrays as constants (a Python number takes
    the dtype of the variables beside it, as NumPy does, so float32 stays
    float32), runs ``forward`` and, if any input requires a gradient, records
    itself as the output's creator.
    A function object is used once: each call of a wrapper makes a new one.
    """

    inputs: tuple[Variable, ...]
    needs: tuple[bool, ...]

    def __call__(self, *inputs: Variable | ArrayLike) -> Variable:
        variables = inputs
        for x in inputs:
            if type(x) is not Variable:  # an array or a number: wrap them all
                variables = _as_inputs(type(self), inputs)
                break
        y = self.forward(*[x.data for x in variables])
        needs = tuple([x.requires_grad for x in variables])
        if type(y) is not np.ndarray:
            y = np.asarray(y)
        out = Variable(y, requires_grad=True in needs)
        if out.requires_grad:  # record the graph only where gradients will flow
            self.inputs, self.needs = variables, needs
            out.creator = self
        return out

    def forward(self, *xs: Array) -> Array:
        raise NotImplementedError

    def backward(self, gy: Array) -> tuple[Array | None, ...]:
        raise NotImplementedError


def _as_inputs(cls: type[Function], inputs: tuple[Variable | ArrayLike, ...]) -> tuple[Variable, ...]:
    """The inputs of a call of ``cls``, each plain array or number wrapped as a constant `Variable`.

    A Python number takes the dtype of the Variables it meets, as in NumPy:
    float32 weights times 2.0 stay float32.
    """
    if all(type(x) is Variable or (type(x) is np.ndarray and x.dtype.kind == "f") for x in inputs):
        # the common case, a float array beside variables (a batch X, targets Y): held as it is
        return tuple(x if type(x) is Variable else Variable(x, requires_grad=False) for x in inputs)
    dtype = next((x.data.dtype for x in inputs if isinstance(x, Variable)), None)
    names = _input_names(cls, len(inputs))  # forward's arguments
    return tuple(
        x if isinstance(x, Variable)
        else Variable(np.asarray(x, dtype=dtype), requires_grad=False)
        if dtype is not None and isinstance(x, (int, float)) and not isinstance(x, bool)
        else Variable(as_float(x, name), requires_grad=False)
        for x, name in zip(inputs, names)
    )


@cache
def _input_names(cls: type[Function], count: int) -> tuple[str, ...]:
    """The names of ``cls.forward``'s inputs (``x0``, ``x1``), for error messages."""
    params = list(inspect.signature(cls.forward).parameters.values())[1:]  # without self
    if len(params) == count and all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params):
        return tuple(p.name for p in params)
    return tuple(f"inputs[{i}]" for i in range(count))


def sum_to(g: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``g`` over the axes that broadcasting added or stretched, down to ``shape``, which must broadcast to ``g.shape``.

    The gradient of an input of ``shape`` that was broadcast: every copy the
    broadcast made of an entry sends its gradient back to that one entry. When
    the shapes already agree, the result is ``g`` itself.
    """
    g = as_float(g, "g")
    if not (isinstance(shape, tuple) and all(isinstance(n, (int, np.integer)) for n in shape)):
        raise TypeError(f"shape must be a tuple of ints, got {type(shape).__name__}")
    try:
        fits = np.broadcast_shapes(shape, g.shape) == g.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"g has shape {g.shape} but a shape that {shape} broadcasts to was expected")
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    g = g.sum(axis=tuple(range(lead)) + stretched, keepdims=True)
    return g.reshape(shape)


def _broadcast_shape(a: Array, b: Array) -> None:
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"x1 has shape {b.shape} but a shape that broadcasts with x0's {a.shape} was expected"
        ) from None


class Add(Function):
    """``x0 + x1`` with broadcasting, of the broadcast shape; each gradient is ``gy`` summed back to its input's shape (`sum_to`)."""

    def forward(self, x0: Array, x1: Array) -> Array:
        _broadcast_shape(x0, x1)
        return x0 + x1

    def backward(self, gy: Array) -> tuple[Array | None, ...]:
        x0, x1 = self.inputs
        gx0 = sum_to(gy, x0.shape) if self.needs[0] else None
        gx1 = sum_to(gy, x1.shape) if self.needs[1] else None
        return gx0, gx1


class Mul(Function):
    """``x0 * x1`` element by element, with broadcasting; ``gx0 = gy * x1`` and ``gx1 = gy * x0``, each summed back to its input's shape."""

    def forward(self, x0: Array, x1: Array) -> Array:
        _broadcast_shape(x0, x1)
        return x0 * x1

    def backward(self, gy: Array) -> tuple[Array | None, ...]:
        x0, x1 = self.inputs
        gx0 = sum_to(gy * x1.data, x0.shape) if self.needs[0] else None
        gx1 = sum_to(gy * x0.data, x1.shape) if self.needs[1] else None
        return gx0, gx1


class Neg(Function):
    """``-x``, of the shape of ``x``; its gradient is ``-gy``."""

    def forward(self, x: Array) -> Array:
        return -x

    def backward(self, gy: Array) -> tuple[Array]:
        return (-gy,)


class MatMul(Function):
    """The matrix product ``x @ W`` of two matrices (n, p) @ (p, d) -> (n, d).

    Its backward is two matrix products, ``gx = gy @ W.T`` and ``gW = x.T @ gy``,
    each computed only if that input needs it.
    """

    def forward(self, x: Array, W: Array) -> Array:
        if not (x.ndim == 2 == W.ndim and x.shape[1] == W.shape[0]
                and x.size and W.size):
            check_shapes(x=(x, "n p"), W=(W, "p d"))  # raises, naming shapes
        return x @ W

    def backward(self, gy: Array) -> tuple[Array | None, ...]:
        x, W = self.inputs
        gx = gy @ W.data.T if self.needs[0] else None
        gW = x.data.T @ gy if self.needs[1] else None
        return gx, gW


class ReLU(Function):
    """``max(x, 0)`` element by element; its gradient passes ``gy`` where ``x > 0`` and is 0 elsewhere (at 0 too)."""

    def forward(self, x: Array) -> Array:
        return activations.relu(x)

    def backward(self, gy: Array) -> tuple[Array]:
        (x,) = self.inputs
        return (gy * (x.data > 0),)  # a new array: gy itself is never changed


class Square(Function):
    """``x ** 2`` element by element; its gradient is ``2 x gy``."""

    def forward(self, x: Array) -> Array:
        return x * x

    def backward(self, gy: Array) -> tuple[Array]:
        (x,) = self.inputs
        return (gy * 2 * x.data,)


class Sum(Function):
    """The sum of all entries, a 0-d array; its gradient spreads ``gy`` over the input's shape."""

    def forward(self, x: Array) -> Array:
        return np.sum(x)

    def backward(self, gy: Array) -> tuple[Array]:
        (x,) = self.inputs
        return (np.broadcast_to(gy, x.shape).copy(),)


class MeanSquaredError(Function):
    """``sum((y_pred - y)**2) / size``, the mean over every entry, fused into one operation.

    ``y_pred`` and ``y`` have one shape, (n, q) for a network's outputs. The
    gradient with respect to ``y_pred`` is ``2 (y_pred - y) / size`` (and its
    negative for ``y``), the same array `labcode.backprop.backward` starts from.
    """

    def forward(self, y_pred: Array, y: Array) -> Array:
        if y.shape != y_pred.shape or not y_pred.size:
            check_shapes(y_pred=(y_pred, "..."), y=(y, y_pred.shape))  # raises, naming the shapes
        self.diff = y_pred - y
        return np.add.reduce(self.diff * self.diff, axis=None) / self.diff.size  # np.sum's own reduction

    def backward(self, gy: Array) -> tuple[Array | None, ...]:
        g = (2.0 / self.diff.size) * self.diff * gy
        return (g if self.needs[0] else None, -g if self.needs[1] else None)


# --- the wrappers: what pages and modules call ---------------------------------


def add(x0: Variable | ArrayLike, x1: Variable | ArrayLike) -> Variable:
    """``x0 + x1`` with NumPy broadcasting, of the broadcast shape (see `Add`)."""
    return Add()(x0, x1)


def mul(x0: Variable | ArrayLike, x1: Variable | ArrayLike) -> Variable:
    """``x0 * x1`` element by element, with broadcasting (see `Mul`)."""
    return Mul()(x0, x1)


def neg(x: Variable | ArrayLike) -> Variable:
    """``-x`` (see `Neg`)."""
    return Neg()(x)


def sub(x0: Variable | ArrayLike, x1: Variable | ArrayLike) -> Variable:
    """``x0 - x1`` with broadcasting, built as ``x0 + (-x1)``: no backward of its own to get wrong."""
    if isinstance(x1, (int, float)) and not isinstance(x1, bool):  # keep a Python number weak (see `Function`)
        return add(x0, -x1)
    return add(x0, neg(x1 if isinstance(x1, Variable) else as_float(x1, "x1")))


def matmul(x: Variable | ArrayLike, W: Variable | ArrayLike) -> Variable:
    """The matrix product ``x @ W``, shapes (n, p) @ (p, d) -> (n, d) (see `MatMul`)."""
    return MatMul()(x, W)


def relu(x: Variable | ArrayLike) -> Variable:
    """The rectifier ``max(x, 0)``, element by element (see `ReLU`)."""
    return ReLU()(x)


def square(x: Variable | ArrayLike) -> Variable:
    """``x ** 2`` element by element (see `Square`)."""
    return Square()(x)


def sum(x: Variable | ArrayLike) -> Variable:  # noqa: A001 - mirrors np.sum
    """The sum of all entries of ``x``, a variable of shape () (see `Sum`)."""
    return Sum()(x)


def mean(x: Variable | ArrayLike) -> Variable:
    """The mean of all entries of a non-empty ``x``, a variable of shape (), built as ``sum(x) * (1 / size)``."""
    x = x if isinstance(x, Variable) else Variable(as_float(x, "x"), requires_grad=False)
    check_shapes(x=(x.data, "..."))  # no mean of nothing
    return mul(sum(x), np.asarray(1.0 / x.size, dtype=x.dtype))


def mean_squared_error(y_pred: Variable | ArrayLike, y: Variable | ArrayLike) -> Variable:
    """Mean over all entries of ``(y_pred - y) ** 2``, a single number; ``y_pred`` and ``y`` have one shape, (n, q) in a network (see `MeanSquaredError`)."""
    return MeanSquaredError()(y_pred, y)
