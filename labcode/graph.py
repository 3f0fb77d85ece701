"""Computational-graph units: each stores on the forward pass what its backward needs.

A unit has ``forward(x)``, which computes its output and stores its input, and
``backward(grad_out=1.0)``, which multiplies the gradient arriving from above
(``grad_out``, the derivative of the final result with respect to this unit's
output) by the unit's local derivative evaluated at the stored input. The result
is the gradient with respect to the unit's input, ready to be passed down to
the unit before it.

Everything works element by element: ``x`` may be a Python float or an array of
any shape, and the output and every gradient have the shape of ``x``. Inputs
follow the policy of `labcode.shapes`: lists and integers become float64;
complex, string, object and bool values raise `TypeError` naming the argument.

* One input: `Scale` (and `Negate`), `AddConst`, `Exp`, `Power` (and
  `Reciprocal`), and a `Chain` of units whose backward runs them in reverse.
* Several inputs or outputs: `AddUnit` and `MultiplyUnit` take two inputs and give a
  gradient to each; `FanOut` copies one value to two uses and adds the two
  gradients that come back (the "sum over paths" rule).
* `trace` runs a chain forward and backward and returns, for every node, its
  value, local derivative, upstream and downstream gradient; `format_trace`
  prints them as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from labcode.shapes import as_float, as_int, as_real, check_shapes

__all__ = [
    "Unit",
    "Scale",
    "Negate",
    "AddConst",
    "Exp",
    "Power",
    "Reciprocal",
    "Chain",
    "AddUnit",
    "MultiplyUnit",
    "FanOut",
    "sigmoid_chain",
    "TraceRow",
    "trace",
    "format_trace",
]


def _as_float(x: ArrayLike, name: str = "x") -> NDArray[np.floating]:
    """A private float copy of ``x``, by the policy of `labcode.shapes`."""
    return np.array(as_float(x, name), copy=True)


def _check_grad(who: str, grad_out: ArrayLike, shape: tuple[int, ...], name: str = "grad_out") -> NDArray[np.floating]:
    """``grad_out`` as a float array, which must be a scalar or of the output's shape."""
    grad = _as_float(grad_out, name)
    if grad.shape not in ((), shape):
        raise ValueError(
            f"{name} has shape {grad.shape} but () or {shape} was expected "
            f"(a scalar, or the shape of the output of {who})"
        )
    return grad


class Unit:
    """A one-input, one-output node of a computational graph, applied element-wise.

    Subclasses define the function (`_f`) and its derivative (`_df`), both of
    the stored input ``x`` (and, if cheaper, of the stored output ``y``).

    Attributes
    ----------
    name : str
        Shown by `trace`.
    x, y : ndarray or None
        Input and output of the last forward pass, same shape; ``None`` before it.

    Examples
    --------
    >>> from labcode.graph import Exp
    >>> unit = Exp()
    >>> unit.backward()
    Traceback (most recent call last):
    ...
    RuntimeError: exp: backward called before forward (forward stores the input
    that backward needs)
    >>> float(unit.forward(0.0)), float(unit.backward())
    (1.0, 1.0)
    """

    default_name = "unit"

    def __init__(self, name: str | None = None) -> None:
        self.name = self.default_name if name is None else name
        self.x: NDArray[np.floating] | None = None
        self.y: NDArray[np.floating] | None = None

    def _f(self, x: NDArray[np.floating]) -> NDArray[np.floating]:
        raise NotImplementedError

    def _df(self) -> NDArray[np.floating]:
        raise NotImplementedError

    def forward(self, x: ArrayLike) -> NDArray[np.floating]:
        """Compute the output for ``x`` and store ``x`` (and the output) for backward.

        Parameters
        ----------
        x : array_like
            Any shape.

        Returns
        -------
        ndarray
            Same shape as ``x``.

        Examples
        --------
        >>> from labcode.graph import AddConst
        >>> print(AddConst(1.0).forward([0.0, 2.0]))
        [1. 3.]
        """
        x = _as_float(x)
        y = self._f(x)
        self.x, self.y = x, y
        return y

    def local_derivative(self) -> NDArray[np.floating]:
        """The derivative of the output with respect to the input, at the stored input.

        Returns
        -------
        ndarray
            Same shape as the stored input.

        Raises
        ------
        RuntimeError
            If `forward` has not been called yet.

        Examples
        --------
        >>> from labcode.graph import Power
        >>> square = Power(2)
        >>> _ = square.forward([1.0, 3.0])
        >>> print(square.local_derivative())
        [2. 6.]
        """
        if self.x is None:
            raise RuntimeError(
                f"{self.name}: backward called before forward "
                "(forward stores the input that backward needs)"
            )
        return self._df()

    def backward(self, grad_out: ArrayLike = 1.0) -> NDArray[np.floating]:
        """Downstream gradient: ``grad_out`` times the local derivative.

        Parameters
        ----------
        grad_out : array_like, default 1.0
            Gradient of the final result with respect to this unit's output: a
            scalar or an array of the output's shape.

        Returns
        -------
        ndarray
            Gradient with respect to this unit's input, same shape as the input.

        Raises
        ------
        RuntimeError
            If `forward` has not been called yet.
        ValueError
            If ``grad_out`` is neither a scalar nor of the output's shape.

        Examples
        --------
        >>> from labcode.graph import Scale
        >>> triple = Scale(3.0)
        >>> _ = triple.forward([1.0, 2.0])
        >>> print(triple.backward([1.0, 10.0]))
        [ 3. 30.]
        """
        local = self.local_derivative()
        return _check_grad(self.name, grad_out, local.shape) * local

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class Scale(Unit):
    """Multiply by a constant: ``y = c x``, local derivative ``c``.

    Parameters
    ----------
    c : float
        The constant.
    name : str, optional
        Defaults to ``"scale"``.

    Examples
    --------
    >>> from labcode.graph import Scale
    >>> half = Scale(0.5)
    >>> print(half.forward([2.0, 4.0]), half.backward())
    [1. 2.] [0.5 0.5]
    """

    default_name = "scale"

    def __init__(self, c: float, name: str | None = None) -> None:
        super().__init__(name)
        self.c = as_real(c, "c")

    def _f(self, x):
        return self.c * x

    def _df(self):
        return np.full_like(self.x, self.c)


class Negate(Scale):
    """Change the sign: ``y = -x``, local derivative ``-1``.

    Parameters
    ----------
    name : str, optional
        Defaults to ``"negate"``.

    Examples
    --------
    >>> from labcode.graph import Negate
    >>> neg = Negate()
    >>> float(neg.forward(1.0)), float(neg.backward())
    (-1.0, -1.0)
    """

    default_name = "negate"

    def __init__(self, name: str | None = None) -> None:
        super().__init__(-1.0, name)


class AddConst(Unit):
    """Add a constant: ``y = x + c``, local derivative ``1``.

    Parameters
    ----------
    c : float
        The constant.
    name : str, optional
        Defaults to ``"add const"``.

    Examples
    --------
    >>> from labcode.graph import AddConst
    >>> plus_one = AddConst(1.0)
    >>> float(plus_one.forward(2.0)), float(plus_one.backward(-0.5))
    (3.0, -0.5)
    """

    default_name = "add const"

    def __init__(self, c: float, name: str | None = None) -> None:
        super().__init__(name)
        self.c = as_real(c, "c")

    def _f(self, x):
        return x + self.c

    def _df(self):
        return np.ones_like(self.x)


class Exp(Unit):
    """The exponential: ``y = exp(x)``, local derivative ``exp(x)``, read from the stored output.

    Parameters
    ----------
    name : str, optional
        Defaults to ``"exp"``.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.graph import Exp
    >>> unit = Exp()
    >>> y = unit.forward([0.0, 1.0])
    >>> bool(np.array_equal(unit.backward(), y))
    True
    """

    default_name = "exp"

    def _f(self, x):
        return np.exp(x)

    def _df(self):
        return self.y.copy()


class Power(Unit):
    """A power: ``y = x**p``, local derivative ``p x**(p - 1)`` at the stored input.

    The input itself is stored. (Recovering it from the output with a root, as
    ``y**(1/p)``, would lose its sign for even ``p`` and add rounding error.)

    Parameters
    ----------
    p : float
        The exponent; ``-1`` is the reciprocal.
    name : str, optional
        Defaults to ``"power"``.

    Raises
    ------
    ValueError
        From `forward`, at ``x = 0`` for a negative ``p``, or at ``x < 0`` for a
        non-integer ``p``, where the power is not a real number; from
        `backward`, at ``x = 0`` for ``0 < p < 1``, where the slope is infinite.

    Examples
    --------
    >>> from labcode.graph import Power
    >>> cube = Power(3)
    >>> print(cube.forward([-2.0, 2.0]), cube.backward())
    [-8.  8.] [12. 12.]
    """

    default_name = "power"

    def __init__(self, p: float, name: str | None = None) -> None:
        super().__init__(name)
        self.p = as_real(p, "p")

    def _f(self, x):
        if self.p < 0 and np.any(x == 0):
            raise ValueError(f"x must be nonzero for {self.name} (x**{self.p:g} is undefined at x = 0), got 0")
        if not self.p.is_integer() and np.any(x < 0):
            raise ValueError(
                f"x must be >= 0 for {self.name} (x**{self.p:g} is not real for x < 0), got {np.min(x)!r}"
            )
        return x**self.p

    def _df(self):
        if self.p == 0:
            return np.zeros_like(self.x)  # not 0 * x**-1, which is NaN at x = 0
        if 0 < self.p < 1 and np.any(self.x == 0):
            raise ValueError(f"x must be nonzero for the slope of {self.name} (x**{self.p:g} is vertical at 0), got 0")
        return self.p * self.x ** (self.p - 1.0)


class Reciprocal(Power):
    """The reciprocal: ``y = 1/x``, local derivative ``-1/x**2``.

    Parameters
    ----------
    name : str, optional
        Defaults to ``"reciprocal"``.

    Examples
    --------
    >>> from labcode.graph import Reciprocal
    >>> inv = Reciprocal()
    >>> print(inv.forward([2.0, -4.0]), inv.backward())
    [ 0.5  -0.25] [-0.25   -0.0625]
    """

    default_name = "reciprocal"

    def __init__(self, name: str | None = None) -> None:
        super().__init__(-1.0, name)


class Chain:
    """Units applied one after the other; backward runs them in reverse.

    Parameters
    ----------
    units : sequence of Unit
        In forward order; at least one.
    name : str, optional
        Defaults to the unit names joined by ``" -> "``.

    Raises
    ------
    TypeError
        If a unit is not a `Unit`.
    ValueError
        If ``units`` is empty.

    Examples
    --------
    >>> from labcode.graph import AddConst, Chain, Power
    >>> square_of_x_plus_1 = Chain([AddConst(1.0), Power(2)])
    >>> float(square_of_x_plus_1.forward(2.0)), float(square_of_x_plus_1.backward())
    (9.0, 6.0)
    """

    def __init__(self, units: Sequence[Unit], name: str | None = None) -> None:
        if isinstance(units, Unit) or not isinstance(units, Sequence):
            raise TypeError(f"units must be a sequence of Units, got {type(units).__name__}")
        self.units = list(units)
        if not self.units:
            raise ValueError("units must be a sequence of at least one Unit, got none")
        for i, unit in enumerate(self.units):
            if not isinstance(unit, Unit):
                raise TypeError(f"units[{i}] must be a Unit, got {type(unit).__name__}")
        self.name = " -> ".join(u.name for u in self.units) if name is None else name

    def forward(self, x: ArrayLike) -> NDArray[np.floating]:
        """Run every unit forward, each storing its input.

        Parameters
        ----------
        x : array_like
            Any shape.

        Returns
        -------
        ndarray
            Output of the last unit, same shape as ``x``.

        Examples
        --------
        >>> from labcode.graph import sigmoid_chain
        >>> print(sigmoid_chain().forward([0.0, 1.0]))
        [0.5        0.73105858]
        """
        for unit in self.units:
            x = unit.forward(x)
        return x

    def backward(self, grad_out: ArrayLike = 1.0) -> NDArray[np.floating]:
        """Run every unit backward, last unit first.

        Parameters
        ----------
        grad_out : array_like, default 1.0
            Gradient with respect to the chain's output (scalar or its shape).

        Returns
        -------
        ndarray
            Gradient with respect to the chain's input, same shape as it.

        Examples
        --------
        >>> from labcode.graph import sigmoid_chain
        >>> chain = sigmoid_chain()
        >>> _ = chain.forward([0.0, 1.0])
        >>> print(chain.backward())
        [0.25       0.19661193]
        """
        for unit in reversed(self.units):
            grad_out = unit.backward(grad_out)
        return grad_out

    def __repr__(self) -> str:
        return f"Chain({self.units!r})"


class AddUnit:
    """Two inputs, one output: ``y = a + b``; each input gets the upstream gradient unchanged.

    Parameters
    ----------
    name : str, optional
        Defaults to ``"add"``.

    Examples
    --------
    >>> from labcode.graph import AddUnit
    >>> add = AddUnit()
    >>> float(add.forward(2.0, 3.0))
    5.0
    >>> [float(g) for g in add.backward(0.5)]
    [0.5, 0.5]
    """

    def __init__(self, name: str = "add") -> None:
        self.name = name
        self.shape: tuple[int, ...] | None = None

    def forward(self, a: ArrayLike, b: ArrayLike) -> NDArray[np.floating]:
        """``a + b`` for ``a`` and ``b`` of one shape (stores only that shape).

        Parameters
        ----------
        a, b : array_like
            Same shape.

        Returns
        -------
        ndarray
            Same shape as ``a``.

        Raises
        ------
        ValueError
            If the shapes differ.

        Examples
        --------
        >>> from labcode.graph import AddUnit
        >>> print(AddUnit().forward([1.0, 2.0], [10.0, 20.0]))
        [11. 22.]
        """
        a, b = _as_float(a, "a"), _as_float(b, "b")
        check_shapes(b=(b, a.shape))
        self.shape = a.shape
        return a + b

    def backward(self, grad_out: ArrayLike = 1.0) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """Gradients with respect to ``a`` and ``b``: both equal ``grad_out``.

        Parameters
        ----------
        grad_out : array_like, default 1.0
            Scalar or of the output's shape.

        Returns
        -------
        (ndarray, ndarray)
            Each of the inputs' shape.

        Examples
        --------
        >>> from labcode.graph import AddUnit
        >>> add = AddUnit()
        >>> _ = add.forward([1.0, 2.0], [3.0, 4.0])
        >>> ga, gb = add.backward([1.0, -1.0])
        >>> print(ga, gb)
        [ 1. -1.] [ 1. -1.]
        """
        if self.shape is None:
            raise RuntimeError(f"{self.name}: backward called before forward")
        grad = _check_grad(self.name, grad_out, self.shape)
        grad = np.broadcast_to(grad, self.shape)
        return grad.copy(), grad.copy()


class MultiplyUnit:
    """Two inputs, one output: ``y = a * b``; ``a`` gets ``grad_out * b`` and ``b`` gets ``grad_out * a``.

    Parameters
    ----------
    name : str, optional
        Defaults to ``"multiply"``.

    Examples
    --------
    >>> from labcode.graph import MultiplyUnit
    >>> mul = MultiplyUnit()
    >>> float(mul.forward(2.0, 3.0))
    6.0
    >>> [float(g) for g in mul.backward()]
    [3.0, 2.0]
    """

    def __init__(self, name: str = "multiply") -> None:
        self.name = name
        self.a: NDArray[np.floating] | None = None
        self.b: NDArray[np.floating] | None = None

    def forward(self, a: ArrayLike, b: ArrayLike) -> NDArray[np.floating]:
        """``a * b`` element by element, storing both inputs.

        Parameters
        ----------
        a, b : array_like
            Same shape.

        Returns
        -------
        ndarray
            Same shape as ``a``.

        Raises
        ------
        ValueError
            If the shapes differ.

        Examples
        --------
        >>> from labcode.graph import MultiplyUnit
        >>> print(MultiplyUnit().forward([1.0, 2.0], [10.0, 20.0]))
        [10. 40.]
        """
        a, b = _as_float(a, "a"), _as_float(b, "b")
        check_shapes(b=(b, a.shape))
        self.a, self.b = a, b
        return a * b

    def backward(self, grad_out: ArrayLike = 1.0) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """Gradients with respect to ``a`` and ``b``: ``grad_out * b`` and ``grad_out * a``.

        Parameters
        ----------
        grad_out : array_like, default 1.0
            Scalar or of the output's shape.

        Returns
        -------
        (ndarray, ndarray)
            Each of the inputs' shape.

        Examples
        --------
        >>> from labcode.graph import MultiplyUnit
        >>> mul = MultiplyUnit()
        >>> _ = mul.forward([1.0, 2.0], [3.0, 4.0])
        >>> ga, gb = mul.backward()
        >>> print(ga, gb)
        [3. 4.] [1. 2.]
        """
        if self.a is None:
            raise RuntimeError(f"{self.name}: backward called before forward")
        grad = _check_grad(self.name, grad_out, self.a.shape)
        return grad * self.b, grad * self.a


class FanOut:
    """One value used twice: forward gives two copies, backward adds their gradients.

    This is the "sum over paths" rule in code: when ``x`` reaches the result by
    two paths, ``df/dx`` is the sum of the gradients that come back along each.

    Parameters
    ----------
    name : str, optional
        Defaults to ``"fan-out"``.

    Examples
    --------
    ``f(x) = x * exp(x)`` uses ``x`` twice, so ``f'(x) = exp(x) + x exp(x)``:

    >>> import numpy as np
    >>> from labcode.graph import Exp, FanOut, MultiplyUnit
    >>> fork, exp, mul = FanOut(), Exp(), MultiplyUnit()
    >>> x1, x2 = fork.forward(1.0)
    >>> f = mul.forward(x1, exp.forward(x2))
    >>> g1, g_exp = mul.backward()
    >>> grad = fork.backward(g1, exp.backward(g_exp))
    >>> bool(np.isclose(grad, 2 * np.e))
    True
    """

    def __init__(self, name: str = "fan-out") -> None:
        self.name = name
        self.shape: tuple[int, ...] | None = None

    def forward(self, x: ArrayLike) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """Two independent copies of ``x``.

        Parameters
        ----------
        x : array_like
            Any shape.

        Returns
        -------
        (ndarray, ndarray)
            Each of the shape of ``x``.

        Examples
        --------
        >>> from labcode.graph import FanOut
        >>> a, b = FanOut().forward([1.0, 2.0])
        >>> print(a, b, a is b)
        [1. 2.] [1. 2.] False
        """
        x = _as_float(x)
        self.shape = x.shape
        return x, x.copy()

    def backward(self, grad_1: ArrayLike = 1.0, grad_2: ArrayLike = 1.0) -> NDArray[np.floating]:
        """The sum of the gradients coming back along the two uses.

        Parameters
        ----------
        grad_1, grad_2 : array_like, default 1.0
            Gradients with respect to the first and the second copy (scalar or
            of the shape of ``x``).

        Returns
        -------
        ndarray
            ``grad_1 + grad_2``, of the shape of ``x``.

        Examples
        --------
        >>> from labcode.graph import FanOut
        >>> fork = FanOut()
        >>> _ = fork.forward([1.0, 2.0])
        >>> print(fork.backward([1.0, 1.0], [0.5, 2.0]))
        [1.5 3. ]
        """
        if self.shape is None:
            raise RuntimeError(f"{self.name}: backward called before forward")
        grad_1 = _check_grad(self.name, grad_1, self.shape, "grad_1")
        total = grad_1 + _check_grad(self.name, grad_2, self.shape, "grad_2")
        return np.broadcast_to(total, self.shape).copy()


def sigmoid_chain() -> Chain:
    """The sigmoid as four units: ``A = -x``, ``B = exp(A)``, ``C = 1 + B``, ``D = 1/C``.

    Returns
    -------
    Chain
        Its units are named after the node they compute.

    Examples
    --------
    >>> from labcode.graph import sigmoid_chain
    >>> sigmoid_chain().name
    'A = -x -> B = exp(A) -> C = 1 + B -> D = 1/C'
    """
    return Chain(
        [
            Negate(name="A = -x"),
            Exp(name="B = exp(A)"),
            AddConst(1.0, name="C = 1 + B"),
            Reciprocal(name="D = 1/C"),
        ]
    )


@dataclass(frozen=True)
class TraceRow:
    """One node of a traced chain.

    Attributes
    ----------
    name : str
        The unit's name.
    value : ndarray
        Its forward output.
    local : ndarray
        Its local derivative, d(output)/d(input), at the stored input.
    upstream : ndarray
        Gradient arriving from above: d(result)/d(output).
    downstream : ndarray
        Gradient passed below: ``upstream * local`` = d(result)/d(input).

    Examples
    --------
    >>> from labcode.graph import sigmoid_chain, trace
    >>> last = trace(sigmoid_chain(), 1.0)[-1]
    >>> last.name, float(last.value), float(last.upstream)
    ('D = 1/C', 0.7310585786300049, 1.0)
    """

    name: str
    value: NDArray[np.floating]
    local: NDArray[np.floating]
    upstream: NDArray[np.floating]
    downstream: NDArray[np.floating]


def trace(chain: Chain, x: ArrayLike, grad_out: ArrayLike = 1.0) -> list[TraceRow]:
    """Run ``chain`` forward at ``x`` and backward from ``grad_out``, recording every node.

    Parameters
    ----------
    chain : Chain
        The chain to run (its units keep what they stored).
    x : array_like
        Input, any shape.
    grad_out : array_like, default 1.0
        Gradient with respect to the chain's output; 1 gives the derivative.

    Returns
    -------
    list of TraceRow
        In forward order; ``rows[0].downstream`` is the gradient with respect to ``x``.

    Raises
    ------
    TypeError
        If ``chain`` is not a `Chain`, or ``x`` or ``grad_out`` is not real numbers.
    ValueError
        If ``grad_out`` is neither a scalar nor of the output's shape.

    Examples
    --------
    >>> from labcode.graph import sigmoid_chain, trace
    >>> rows = trace(sigmoid_chain(), 1.0)
    >>> [float(r.downstream) for r in rows]  # doctest: +NORMALIZE_WHITESPACE
    [0.19661193324148188, -0.19661193324148188, -0.534446645388523,
     -0.534446645388523]
    """
    if not isinstance(chain, Chain):
        raise TypeError(f"chain must be a Chain, got {type(chain).__name__}")
    grad_out = _as_float(grad_out, "grad_out")
    values = []
    for unit in chain.units:
        x = unit.forward(x)
        values.append(x)
    rows = []
    for unit, value in zip(reversed(chain.units), reversed(values)):
        local = unit.local_derivative()
        downstream = unit.backward(grad_out)
        rows.append(TraceRow(unit.name, value, local, np.array(grad_out, copy=True), downstream))
        grad_out = downstream
    return rows[::-1]


def format_trace(
    rows: Sequence[TraceRow],
    digits: int | None = None,
    columns: Sequence[str] = ("value", "local", "upstream", "downstream"),
) -> str:
    """A plain-text table of a trace at a scalar input.

    Parameters
    ----------
    rows : sequence of TraceRow
        From `trace` run at a scalar ``x``.
    digits : int, optional
        Decimals to show (>= 0); by default every number is shown in full (the
        shortest text that reads back as the same float).
    columns : sequence of str, optional
        Which fields of `TraceRow` to show after the node name, in order; by
        default all four.

    Returns
    -------
    str
        One header line and one line per node.

    Raises
    ------
    TypeError
        If a row is not a `TraceRow`, ``digits`` is not an int, or ``columns``
        is not a sequence of names.
    ValueError
        If a value is not a scalar, ``digits`` is negative, or a column is not
        a field of `TraceRow`.

    Examples
    --------
    >>> from labcode.graph import AddConst, Chain, format_trace, trace
    >>> rows = trace(Chain([AddConst(1.0, name="y = x + 1")]), 2.0)
    >>> print(format_trace(rows))
    node       value  local  upstream  downstream
    y = x + 1  3.0    1.0    1.0       1.0
    >>> print(format_trace(rows, columns=["upstream", "downstream"]))
    node       upstream  downstream
    y = x + 1  1.0       1.0
    """
    known = ("value", "local", "upstream", "downstream")
    if isinstance(columns, str) or not isinstance(columns, Sequence) or not all(isinstance(c, str) for c in columns):
        raise TypeError(f"columns must be a sequence of names such as ['value', 'local'], got {columns!r}")
    unknown = [c for c in columns if c not in known]
    if unknown:
        raise ValueError(f"columns must be fields of TraceRow ({', '.join(known)}), got {unknown}")
    digits = None if digits is None else as_int(digits, "digits", at_least=0)
    if not isinstance(rows, Sequence):
        raise TypeError(f"rows must be a sequence of TraceRow, got {type(rows).__name__}")
    for i, r in enumerate(rows):
        if not isinstance(r, TraceRow):
            raise TypeError(f"rows[{i}] must be a TraceRow, got {type(r).__name__}")
        check_shapes(**{f"rows[{i}].{c}": (getattr(r, c), "") for c in columns})  # scalars only

    def show(v: NDArray[np.floating]) -> str:
        return repr(float(v)) if digits is None else f"{float(v):.{digits}f}"

    table = [["node", *columns]]
    for r in rows:
        table.append([r.name] + [show(getattr(r, c)) for c in columns])
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in table
    )
