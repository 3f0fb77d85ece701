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

    ``forward`` stores the input ``x`` and the output ``y`` for ``backward``
    (both ``None`` before the first forward pass). Subclasses define the function
    (`_f`) and its derivative (`_df`) of the stored ``x`` (or, if cheaper, of the
    stored ``y``); ``name`` is what `trace` shows.

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
        """The output for ``x``, of the shape of ``x``; stores ``x`` and the output for `backward`."""
        x = _as_float(x)
        y = self._f(x)
        self.x, self.y = x, y
        return y

    def local_derivative(self) -> NDArray[np.floating]:
        """d(output)/d(input) at the stored input; `RuntimeError` before `forward`."""
        if self.x is None:
            raise RuntimeError(
                f"{self.name}: backward called before forward "
                "(forward stores the input that backward needs)"
            )
        return self._df()

    def backward(self, grad_out: ArrayLike = 1.0) -> NDArray[np.floating]:
        """The gradient with respect to the input: ``grad_out`` (a scalar or of the output's shape) times the local derivative."""
        local = self.local_derivative()
        return _check_grad(self.name, grad_out, local.shape) * local

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class Scale(Unit):
    """Multiply by a constant: ``y = c x``, local derivative ``c``."""

    default_name = "scale"

    def __init__(self, c: float, name: str | None = None) -> None:
        super().__init__(name)
        self.c = as_real(c, "c")

    def _f(self, x):
        return self.c * x

    def _df(self):
        return np.full_like(self.x, self.c)


class Negate(Scale):
    """Change the sign: ``y = -x``, local derivative ``-1``."""

    default_name = "negate"

    def __init__(self, name: str | None = None) -> None:
        super().__init__(-1.0, name)


class AddConst(Unit):
    """Add a constant: ``y = x + c``, local derivative ``1``."""

    default_name = "add const"

    def __init__(self, c: float, name: str | None = None) -> None:
        super().__init__(name)
        self.c = as_real(c, "c")

    def _f(self, x):
        return x + self.c

    def _df(self):
        return np.ones_like(self.x)


class Exp(Unit):
    """The exponential: ``y = exp(x)``, local derivative ``exp(x)``, read from the stored output."""

    default_name = "exp"

    def _f(self, x):
        return np.exp(x)

    def _df(self):
        return self.y.copy()


class Power(Unit):
    """A power: ``y = x**p``, local derivative ``p x**(p - 1)`` at the stored input (``p = -1`` is the reciprocal).

    The input itself is stored: recovering it from the output with a root, as
    ``y**(1/p)``, would lose its sign for even ``p`` and add rounding error.

    Raises
    ------
    ValueError
        From `forward`, at ``x = 0`` for a negative ``p``, or at ``x < 0`` for a
        non-integer ``p``, where the power is not a real number; from
        `backward`, at ``x = 0`` for ``0 < p < 1``, where the slope is infinite.
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
    """The reciprocal: ``y = 1/x``, local derivative ``-1/x**2``."""

    default_name = "reciprocal"

    def __init__(self, name: str | None = None) -> None:
        super().__init__(-1.0, name)


class Chain:
    """Units applied one after the other (at least one, in forward order); backward runs them in reverse.

    ``name`` defaults to the unit names joined by ``" -> "``.
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
        """Run every unit forward, each storing its input: the last unit's output, of the shape of ``x``."""
        for unit in self.units:
            x = unit.forward(x)
        return x

    def backward(self, grad_out: ArrayLike = 1.0) -> NDArray[np.floating]:
        """Run every unit backward, last unit first: the gradient with respect to the chain's input."""
        for unit in reversed(self.units):
            grad_out = unit.backward(grad_out)
        return grad_out

    def __repr__(self) -> str:
        return f"Chain({self.units!r})"


class AddUnit:
    """Two inputs, one output: ``y = a + b``; each input gets the upstream gradient unchanged."""

    def __init__(self, name: str = "add") -> None:
        self.name = name
        self.shape: tuple[int, ...] | None = None

    def forward(self, a: ArrayLike, b: ArrayLike) -> NDArray[np.floating]:
        """``a + b`` for ``a`` and ``b`` of one shape (stores only that shape)."""
        a, b = _as_float(a, "a"), _as_float(b, "b")
        check_shapes(b=(b, a.shape))
        self.shape = a.shape
        return a + b

    def backward(self, grad_out: ArrayLike = 1.0) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """The gradients with respect to ``a`` and ``b``: two copies of ``grad_out``."""
        if self.shape is None:
            raise RuntimeError(f"{self.name}: backward called before forward")
        grad = _check_grad(self.name, grad_out, self.shape)
        grad = np.broadcast_to(grad, self.shape)
        return grad.copy(), grad.copy()


class MultiplyUnit:
    """Two inputs, one output: ``y = a * b``; ``a`` gets ``grad_out * b`` and ``b`` gets ``grad_out * a``."""

    def __init__(self, name: str = "multiply") -> None:
        self.name = name
        self.a: NDArray[np.floating] | None = None
        self.b: NDArray[np.floating] | None = None

    def forward(self, a: ArrayLike, b: ArrayLike) -> NDArray[np.floating]:
        """``a * b`` element by element for ``a`` and ``b`` of one shape, storing both."""
        a, b = _as_float(a, "a"), _as_float(b, "b")
        check_shapes(b=(b, a.shape))
        self.a, self.b = a, b
        return a * b

    def backward(self, grad_out: ArrayLike = 1.0) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """The gradients with respect to ``a`` and ``b``: ``grad_out * b`` and ``grad_out * a``."""
        if self.a is None:
            raise RuntimeError(f"{self.name}: backward called before forward")
        grad = _check_grad(self.name, grad_out, self.a.shape)
        return grad * self.b, grad * self.a


class FanOut:
    """One value used twice: forward gives two copies, backward adds their gradients.

    This is the "sum over paths" rule in code: when ``x`` reaches the result by
    two paths, ``df/dx`` is the sum of the gradients that come back along each.
    """

    def __init__(self, name: str = "fan-out") -> None:
        self.name = name
        self.shape: tuple[int, ...] | None = None

    def forward(self, x: ArrayLike) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
        """Two independent copies of ``x``."""
        x = _as_float(x)
        self.shape = x.shape
        return x, x.copy()

    def backward(self, grad_1: ArrayLike = 1.0, grad_2: ArrayLike = 1.0) -> NDArray[np.floating]:
        """``grad_1 + grad_2``, the gradients coming back along the two copies, of the shape of ``x``."""
        if self.shape is None:
            raise RuntimeError(f"{self.name}: backward called before forward")
        grad_1 = _check_grad(self.name, grad_1, self.shape, "grad_1")
        total = grad_1 + _check_grad(self.name, grad_2, self.shape, "grad_2")
        return np.broadcast_to(total, self.shape).copy()


def sigmoid_chain() -> Chain:
    """The sigmoid as four units named after their nodes: ``A = -x``, ``B = exp(A)``, ``C = 1 + B``, ``D = 1/C``."""
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
    """One node of a traced chain: its ``name``, ``value`` (the output), ``local`` derivative, ``upstream`` and ``downstream`` gradients.

    ``upstream`` is d(result)/d(output) and ``downstream = upstream * local`` is
    d(result)/d(input).
    """

    name: str
    value: NDArray[np.floating]
    local: NDArray[np.floating]
    upstream: NDArray[np.floating]
    downstream: NDArray[np.floating]


def trace(chain: Chain, x: ArrayLike, grad_out: ArrayLike = 1.0) -> list[TraceRow]:
    """Run ``chain`` forward at ``x`` and backward from ``grad_out`` (1 gives the derivative): one `TraceRow` per node, in forward order.

    ``rows[0].downstream`` is the gradient with respect to ``x``; the units keep
    what they stored.
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
    """A plain-text table of a trace at a scalar input: a header line and one line per node.

    Parameters
    ----------
    digits : int, optional
        Decimals to show (>= 0); by default every number is shown in full (the
        shortest text that reads back as the same float).
    columns : sequence of str, optional
        Which fields of `TraceRow` to show after the node name, in order.
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
