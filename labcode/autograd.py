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
    """An ndarray that remembers the operation that made it, with a gradient slot.

    Parameters
    ----------
    data : array_like
        The value. An ndarray of a floating dtype is held by reference, not
        copied (so a `Variable` around a weight matrix updates that matrix);
        integers and Python numbers become float64 arrays; complex, string,
        object and bool data raise `TypeError`.
    requires_grad : bool, default True
        Whether gradients flow to this variable. Data are usually passed as
        plain ndarrays instead, which makes them constants.
    name : str, optional
        A label shown by ``repr``.

    Attributes
    ----------
    data : ndarray
        The value.
    grad : ndarray or None
        The gradient of the last ``backward`` with respect to ``data``, same
        shape and dtype; ``None`` until a backward pass reaches it.
    creator : Function or None
        The operation that produced this variable (``None`` for a leaf).

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import Variable
    >>> x = Variable(np.array([1.0, -2.0, 3.0]), name="x")
    >>> y = (x * x).sum()
    >>> y
    Variable(14.0)
    >>> y.backward()
    >>> print(x.grad)
    [ 2. -4.  6.]
    """

    __array_priority__ = 1000  # so that ndarray @ Variable calls Variable.__rmatmul__

    def __init__(
        self, data: ArrayLike, requires_grad: bool = True, name: str | None = None
    ) -> None:
        if isinstance(data, Variable):
            raise TypeError("data must be an array, got a Variable "
                            "(pass data.data to wrap its array)")
        self.data: Array = as_float(data, "data")
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
        """Forget the gradient (``.grad = None``), before the next backward pass.

        Examples
        --------
        >>> from labcode.autograd import Variable
        >>> x = Variable(2.0)
        >>> (x * x).backward()
        >>> x.grad, x.cleargrad(), x.grad
        (array(4.), None, None)
        """
        self.grad = None

    def backward(self, grad: ArrayLike | None = None) -> None:
        """Fill ``.grad`` of every variable this one depends on.

        Parameters
        ----------
        grad : array_like, optional
            The seed: the gradient of the final quantity with respect to this
            variable, same shape. May be left out only when this variable holds
            a single number (a loss); the seed is then 1.

        Raises
        ------
        TypeError
            If the seed is not real numbers.
        ValueError
            If this variable is not a single number and no seed is given, or if
            the seed's shape differs; the message names both shapes. No
            gradient is changed.

        Examples
        --------
        >>> import numpy as np
        >>> from labcode.autograd import Variable
        >>> x = Variable(np.array([1.0, 2.0]))
        >>> y = x * 3.0
        >>> y.backward()
        Traceback (most recent call last):
        ...
        ValueError: backward() without a seed gradient needs a single number, but this
        variable has shape (2,); reduce it to a scalar (a loss) first or pass grad= of
        shape (2,)
        >>> y.backward(np.array([1.0, 10.0]))
        >>> print(x.grad)
        [ 3. 30.]
        >>> y.backward(np.array([1.0, 10.0]))   # no cleargrad(): the gradients add up
        >>> print(x.grad)
        [ 6. 60.]
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
                gx = _fit(gx, x, fn)
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
        """The sum of all entries, as a one-entry variable; see `sum`.

        Examples
        --------
        >>> from labcode.autograd import Variable
        >>> Variable([1.0, 2.0]).sum()
        Variable(3.0)
        """
        return sum(self)


def as_variable(x: Variable | ArrayLike) -> Variable:
    """``x`` itself if it is a `Variable`, else a constant (``requires_grad=False``).

    Parameters
    ----------
    x : Variable or array_like
        A variable, an ndarray (held by reference) or anything NumPy can turn
        into an array.

    Returns
    -------
    Variable

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import as_variable
    >>> X = np.ones((2, 3))
    >>> c = as_variable(X)
    >>> c.requires_grad, c.data is X
    (False, True)
    """
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
    ``backward(gy)`` (the gradient with respect to the output in, one gradient
    per input out, in input order). In ``backward``, ``self.inputs`` are the input
    variables and ``self.needs[i]`` says whether input ``i`` needs a gradient;
    return ``None`` for those that do not, and skip the work.

    Calling a function wraps plain arrays as constants (a Python number takes
    the dtype of the variables beside it, as NumPy does, so float32 stays
    float32), runs ``forward`` and, if any input requires a gradient, records
    itself as the output's creator.
    A function object is used once: each call of a wrapper makes a new one.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import Function, Variable
    >>> class Exp(Function):
    ...     def forward(self, x):
    ...         self.y = np.exp(x)
    ...         return self.y
    ...     def backward(self, gy):
    ...         return (gy * self.y,)
    >>> x = Variable(0.0)
    >>> y = Exp()(x)
    >>> y.backward()
    >>> float(x.grad)
    1.0
    """

    inputs: tuple[Variable, ...]
    needs: tuple[bool, ...]

    def __call__(self, *inputs: Variable | ArrayLike) -> Variable:
        # A Python number takes the dtype of the Variables it meets, as in
        # NumPy: float32 weights times 2.0 stay float32.
        dtype = next((x.data.dtype for x in inputs if isinstance(x, Variable)),
                     None)
        names = _input_names(type(self), len(inputs))  # forward's arguments
        variables = tuple(
            x if isinstance(x, Variable)
            else Variable(np.asarray(x, dtype=dtype), requires_grad=False)
            if dtype is not None and isinstance(x, (int, float))
            and not isinstance(x, bool)
            else Variable(as_float(x, name), requires_grad=False)
            for x, name in zip(inputs, names)
        )
        y = self.forward(*(x.data for x in variables))
        needs = tuple(x.requires_grad for x in variables)
        out = Variable(np.asarray(y), requires_grad=any(needs))
        if out.requires_grad:  # record the graph only where gradients will flow
            self.inputs, self.needs = variables, needs
            out.creator = self
        return out

    def forward(self, *xs: Array) -> Array:
        raise NotImplementedError

    def backward(self, gy: Array) -> tuple[Array | None, ...]:
        raise NotImplementedError


@cache
def _input_names(cls: type[Function], count: int) -> tuple[str, ...]:
    """The names of ``cls.forward``'s inputs (``x0``, ``x1``), for error messages."""
    params = list(inspect.signature(cls.forward).parameters.values())[1:]  # without self
    if len(params) == count and all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params):
        return tuple(p.name for p in params)
    return tuple(f"inputs[{i}]" for i in range(count))


def sum_to(g: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``g`` over the axes that broadcasting added or stretched, down to ``shape``.

    The gradient of a broadcast input: every copy the broadcast made of an entry
    sends its gradient back to that one entry.

    Parameters
    ----------
    g : ndarray
        A gradient of the broadcast shape.
    shape : tuple of int
        The input's shape, which broadcasts to ``g.shape``.

    Returns
    -------
    ndarray
        Of shape ``shape`` (``g`` itself when the shapes already agree).

    Raises
    ------
    TypeError
        If ``g`` is not real numbers or ``shape`` is not a tuple of ints.
    ValueError
        If ``shape`` does not broadcast to ``g.shape``.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import sum_to
    >>> print(sum_to(np.ones((2, 3)), (3,)))
    [2. 2. 2.]
    >>> print(sum_to(np.ones((2, 3)), (2, 1)))
    [[3.]
     [3.]]
    >>> sum_to(np.ones((2, 3)), (2,))
    Traceback (most recent call last):
    ...
    ValueError: g has shape (2, 3) but a shape that (2,) broadcasts to was
    expected
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
    """``x0 + x1`` with broadcasting; each gradient is summed back to its input's shape.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import Variable, add
    >>> b = Variable(np.zeros(3))
    >>> add(np.ones((2, 3)), b).sum().backward()
    >>> print(b.grad)
    [2. 2. 2.]
    """

    def forward(self, x0: Array, x1: Array) -> Array:
        _broadcast_shape(x0, x1)
        return x0 + x1

    def backward(self, gy: Array) -> tuple[Array | None, ...]:
        x0, x1 = self.inputs
        gx0 = sum_to(gy, x0.shape) if self.needs[0] else None
        gx1 = sum_to(gy, x1.shape) if self.needs[1] else None
        return gx0, gx1


class Mul(Function):
    """``x0 * x1`` element by element, with broadcasting.

    Examples
    --------
    >>> from labcode.autograd import Variable, mul
    >>> a, b = Variable(3.0), Variable(4.0)
    >>> mul(a, b).backward()
    >>> float(a.grad), float(b.grad)
    (4.0, 3.0)
    """

    def forward(self, x0: Array, x1: Array) -> Array:
        _broadcast_shape(x0, x1)
        return x0 * x1

    def backward(self, gy: Array) -> tuple[Array | None, ...]:
        x0, x1 = self.inputs
        gx0 = sum_to(gy * x1.data, x0.shape) if self.needs[0] else None
        gx1 = sum_to(gy * x0.data, x1.shape) if self.needs[1] else None
        return gx0, gx1


class Neg(Function):
    """``-x``.

    Examples
    --------
    >>> from labcode.autograd import Variable, neg
    >>> x = Variable(2.0)
    >>> neg(x).backward()
    >>> float(x.grad)
    -1.0
    """

    def forward(self, x: Array) -> Array:
        return -x

    def backward(self, gy: Array) -> tuple[Array]:
        return (-gy,)


class MatMul(Function):
    """The matrix product ``x @ W`` of two matrices (n, p) @ (p, d) -> (n, d).

    Its backward is two matrix products, ``gx = gy @ W.T`` and ``gW = x.T @ gy``,
    each computed only if that input needs it.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import Variable, matmul
    >>> W = Variable(np.ones((3, 2)))
    >>> matmul(np.ones((4, 3)), W).sum().backward()
    >>> print(W.grad)
    [[4. 4.]
     [4. 4.]
     [4. 4.]]
    """

    def forward(self, x: Array, W: Array) -> Array:
        check_shapes(x=(x, "n p"), W=(W, "p d"))
        return x @ W

    def backward(self, gy: Array) -> tuple[Array | None, ...]:
        x, W = self.inputs
        gx = gy @ W.data.T if self.needs[0] else None
        gW = x.data.T @ gy if self.needs[1] else None
        return gx, gW


class ReLU(Function):
    """``max(x, 0)``; its gradient passes where ``x > 0`` and is 0 elsewhere.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import Variable, relu
    >>> x = Variable(np.array([-1.0, 2.0]))
    >>> relu(x).sum().backward()
    >>> print(x.grad)
    [0. 1.]
    """

    def forward(self, x: Array) -> Array:
        return activations.relu(x)

    def backward(self, gy: Array) -> tuple[Array]:
        (x,) = self.inputs
        return (gy * (x.data > 0),)  # a new array: gy itself is never changed


class Square(Function):
    """``x ** 2`` element by element.

    Examples
    --------
    >>> from labcode.autograd import Variable, square
    >>> x = Variable(3.0)
    >>> square(x).backward()
    >>> float(x.grad)
    6.0
    """

    def forward(self, x: Array) -> Array:
        return x * x

    def backward(self, gy: Array) -> tuple[Array]:
        (x,) = self.inputs
        return (gy * 2 * x.data,)


class Sum(Function):
    """The sum of all entries, a 0-d array; its gradient spreads ``gy`` over the input's shape.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import Variable
    >>> from labcode.autograd import sum as sum_
    >>> x = Variable(np.ones((2, 2)))
    >>> sum_(x).backward()
    >>> print(x.grad)
    [[1. 1.]
     [1. 1.]]
    """

    def forward(self, x: Array) -> Array:
        return np.sum(x)

    def backward(self, gy: Array) -> tuple[Array]:
        (x,) = self.inputs
        return (np.broadcast_to(gy, x.shape).copy(),)


class MeanSquaredError(Function):
    """``sum((y_pred - y)**2) / size``, the mean over every entry, fused into one operation.

    The gradient with respect to ``y_pred`` is ``2 (y_pred - y) / size`` (and its
    negative for ``y``), the same array `labcode.backprop.backward` starts from.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import Variable, mean_squared_error
    >>> y_pred = Variable(np.array([[1.0, 2.0]]))
    >>> loss = mean_squared_error(y_pred, np.array([[1.0, 0.0]]))
    >>> loss.backward()
    >>> float(loss.data), y_pred.grad
    (2.0, array([[0., 2.]]))
    """

    def forward(self, y_pred: Array, y: Array) -> Array:
        check_shapes(y_pred=(y_pred, "..."), y=(y, y_pred.shape))
        self.diff = y_pred - y
        return np.sum(self.diff * self.diff) / self.diff.size

    def backward(self, gy: Array) -> tuple[Array | None, ...]:
        g = (2.0 / self.diff.size) * self.diff * gy
        return (g if self.needs[0] else None, -g if self.needs[1] else None)


# --- the wrappers: what pages and modules call ---------------------------------


def add(x0: Variable | ArrayLike, x1: Variable | ArrayLike) -> Variable:
    """``x0 + x1`` with NumPy broadcasting (see `Add`).

    Raises
    ------
    TypeError
        If an operand is not real numbers.
    ValueError
        If the shapes do not broadcast; the message names both.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import add
    >>> add(np.ones((2, 3)), np.ones(3)).shape
    (2, 3)
    >>> add(np.ones((2, 3)), np.ones(2))
    Traceback (most recent call last):
    ...
    ValueError: x1 has shape (2,) but a shape that broadcasts with x0's (2, 3) was
    expected
    """
    return Add()(x0, x1)


def mul(x0: Variable | ArrayLike, x1: Variable | ArrayLike) -> Variable:
    """``x0 * x1`` element by element, with broadcasting (see `Mul`).

    Examples
    --------
    >>> from labcode.autograd import mul
    >>> mul(2.0, 3.0)
    Variable(6.0)
    """
    return Mul()(x0, x1)


def neg(x: Variable | ArrayLike) -> Variable:
    """``-x`` (see `Neg`).

    Examples
    --------
    >>> from labcode.autograd import neg
    >>> neg(2.0)
    Variable(-2.0)
    """
    return Neg()(x)


def sub(x0: Variable | ArrayLike, x1: Variable | ArrayLike) -> Variable:
    """``x0 - x1``, built as ``x0 + (-x1)``: no backward of its own to get wrong.

    Examples
    --------
    >>> from labcode.autograd import Variable, sub
    >>> a, b = Variable(5.0), Variable(3.0)
    >>> d = sub(a, b)
    >>> d.backward()
    >>> float(d.data), float(a.grad), float(b.grad)
    (2.0, 1.0, -1.0)
    """
    if isinstance(x1, (int, float)) and not isinstance(x1, bool):  # keep a Python number weak (see `Function`)
        return add(x0, -x1)
    return add(x0, neg(x1 if isinstance(x1, Variable) else as_float(x1, "x1")))


def matmul(x: Variable | ArrayLike, W: Variable | ArrayLike) -> Variable:
    """The matrix product ``x @ W``, shapes (n, p) @ (p, d) -> (n, d) (see `MatMul`).

    Raises
    ------
    TypeError
        If an operand is not real numbers.
    ValueError
        If the operands are not matrices whose inner sizes agree, or are
        empty; the message names the operand and the dimension.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import matmul
    >>> matmul(np.ones((64, 1000)), np.ones((100, 10)))
    Traceback (most recent call last):
    ...
    ValueError: W has shape (100, 10) but (p, d) was expected with p = 1000 (set
    by x)
    """
    return MatMul()(x, W)


def relu(x: Variable | ArrayLike) -> Variable:
    """The rectifier ``max(x, 0)`` (see `ReLU`).

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import relu
    >>> print(relu(np.array([-1.0, 2.0])).data)
    [0. 2.]
    """
    return ReLU()(x)


def square(x: Variable | ArrayLike) -> Variable:
    """``x ** 2`` element by element (see `Square`).

    Examples
    --------
    >>> from labcode.autograd import square
    >>> square(-3.0)
    Variable(9.0)
    """
    return Square()(x)


def sum(x: Variable | ArrayLike) -> Variable:  # noqa: A001 - mirrors np.sum
    """The sum of all entries of ``x`` (see `Sum`).

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import sum as sum_
    >>> sum_(np.ones((2, 3)))
    Variable(6.0)
    """
    return Sum()(x)


def mean(x: Variable | ArrayLike) -> Variable:
    """The mean of all entries, built as ``sum(x) * (1 / size)``.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import Variable, mean
    >>> x = Variable(np.array([1.0, 2.0, 6.0]))
    >>> m = mean(x)
    >>> m.backward()
    >>> float(m.data), x.grad.tolist()
    (3.0, [0.3333333333333333, 0.3333333333333333, 0.3333333333333333])
    """
    x = x if isinstance(x, Variable) else Variable(as_float(x, "x"), requires_grad=False)
    check_shapes(x=(x.data, "..."))  # no mean of nothing
    return mul(sum(x), np.asarray(1.0 / x.size, dtype=x.dtype))


def mean_squared_error(y_pred: Variable | ArrayLike, y: Variable | ArrayLike) -> Variable:
    """Mean over all entries of ``(y_pred - y) ** 2`` (see `MeanSquaredError`).

    Parameters
    ----------
    y_pred : Variable or ndarray
        Predictions, shape (n, q).
    y : Variable or ndarray
        Targets, shape (n, q); a plain ndarray gets no gradient.

    Returns
    -------
    Variable
        A single number.

    Raises
    ------
    TypeError
        If an operand is not real numbers.
    ValueError
        If the shapes differ or are empty; the message names both.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.autograd import mean_squared_error
    >>> mean_squared_error(np.zeros((64, 10)), np.zeros((64, 3)))
    Traceback (most recent call last):
    ...
    ValueError: y has shape (64, 3) but (64, 10) was expected
    """
    return MeanSquaredError()(y_pred, y)
