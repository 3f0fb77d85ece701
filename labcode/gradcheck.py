"""Check an analytic gradient against finite differences, block by block.

Three tools, from the smallest to the most useful:

* `forward_difference` and `central_difference` differentiate a function of one
  number, in the floating type of that number (the step-size figure uses them
  in float64 and float32); `difference_errors` sweeps the step ``h``.
* `check_gradient` perturbs every entry of every parameter array *in place*,
  one at a time, calls the loss, and always puts the entry back exactly as it
  was (even if the loss raises). It returns a `GradientReport` with one
  `BlockReport` per parameter array: the worst relative error, the worst
  entries, and a hint when numeric/analytic is the same constant everywhere
  (the "forgot 1/n" bug).
* `directional_check` compares the derivative along a few random unit vectors
  with the analytic gradient projected on them: ``2k`` loss calls for ``k``
  directions, however many parameters there are.

Relative error is CS231n's ``|a - b| / max(|a|, |b|)``, entry by entry. An
entry where either gradient (or the loss) is NaN or infinite has no relative
error: it is NaN, and a check with one such entry fails and names it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from scipy.linalg import blas

from labcode.shapes import _describe, _float_dtype, as_float, as_int, as_real, check_rng, check_shapes

__all__ = [
    "DEFAULT_STEP",
    "ROUND_OFF_FACTOR",
    "forward_difference",
    "central_difference",
    "difference_errors",
    "relative_error",
    "numerical_gradient",
    "BlockReport",
    "GradientReport",
    "check_gradient",
    "DirectionalReport",
    "directional_check",
]

EPS64 = float(np.finfo(np.float64).eps)

DEFAULT_STEP = {"forward": EPS64 ** (1 / 2), "central": EPS64 ** (1 / 3)}
"""Default steps, the h that balances truncation and round-off in float64:
``sqrt(eps)`` (about 1.5e-8) for forward and ``cbrt(eps)`` (about 6.1e-6) for
central differences."""

ROUND_OFF_FACTOR = 10.0
"""An absolute error below this many times ``eps |L| / h`` is round-off, not a bug."""


def forward_difference(f: Callable, x: ArrayLike, h: float) -> np.floating:
    """``(f(x + h) - f(x)) / h``, computed in the floating type of ``x``.

    Truncation error O(h), round-off error about ``eps |f| / h``.

    Parameters
    ----------
    f : callable
        A function of one number.
    x : float or numpy floating scalar
        Where to differentiate; ``h`` is cast to its type (float64 for a Python float).
    h : float
        The step, finite and > 0 (also once cast to the type of ``x``).

    Returns
    -------
    numpy floating scalar

    Raises
    ------
    ValueError
        If ``x`` is not a single number, or ``h`` is not finite and positive.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradcheck import forward_difference
    >>> print(round(float(forward_difference(np.square, 3.0, 1e-3)), 6))  # 2x + h
    6.001
    """
    x = _scalar(x)
    h = _step(h, x.dtype)
    return (f(x + h) - f(x)) / h


def central_difference(f: Callable, x: ArrayLike, h: float) -> np.floating:
    """``(f(x + h) - f(x - h)) / (2h)``, computed in the floating type of ``x``.

    Truncation error O(h²), round-off error about ``eps |f| / h``.

    Parameters
    ----------
    f : callable
        A function of one number.
    x : float or numpy floating scalar
        Where to differentiate; ``h`` is cast to its type.
    h : float
        The step, finite and > 0 (also once cast to the type of ``x``).

    Returns
    -------
    numpy floating scalar

    Raises
    ------
    ValueError
        If ``x`` is not a single number, or ``h`` is not finite and positive.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradcheck import central_difference
    >>> # exact for a parabola:
    >>> print(round(float(central_difference(np.square, 3.0, 1e-3)), 6))
    6.0
    """
    x = _scalar(x)
    h = _step(h, x.dtype)
    return (f(x + h) - f(x - h)) / (2 * h)


def _scalar(x: ArrayLike) -> np.floating:
    x = as_float(x, "x")
    check_shapes(x=(x, ""))
    return x[()]


def _step(h: float, dtype: np.dtype) -> np.floating:
    """``h`` in ``dtype``: finite and > 0 there too (1e-50 is 0 in float32)."""
    h_t = dtype.type(as_real(h, "h", above=0))
    if not (np.isfinite(h_t) and h_t > 0):
        raise ValueError(f"h must be a finite number > 0 in {dtype}, got {float(h)!r} (it rounds to {h_t!r})")
    return h_t


def difference_errors(
    f: Callable, dfdx: Callable, x: float, steps: ArrayLike, dtype: type = np.float64
) -> dict[str, NDArray[np.float64]]:
    """Absolute error of both difference schemes at every step, in one floating type.

    Parameters
    ----------
    f : callable
        A function of one number that keeps the floating type of its argument.
    dfdx : callable
        Its exact derivative, evaluated in float64.
    x : float
        Where to differentiate.
    steps : array_like
        The steps ``h``, shape ``(m,)``, each finite and > 0.
    dtype : numpy floating type
        ``np.float64`` or ``np.float32``: ``x``, ``h`` and ``f`` are computed in it.

    Returns
    -------
    dict
        ``{"forward": errors, "central": errors}``, each of shape ``(m,)``, in float64.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradcheck import difference_errors
    >>> errors = difference_errors(np.exp, np.exp, 1.0, [1e-2, 1e-4])
    >>> bool(errors["central"][1] < errors["forward"][1] < errors["forward"][0])
    True
    """
    steps = as_float(steps, "steps").astype(np.float64, copy=False)
    check_shapes(steps=(steps, "m"))
    if not np.all(np.isfinite(steps) & (steps > 0)):
        raise ValueError(f"steps must be finite numbers > 0, got {steps[~(np.isfinite(steps) & (steps > 0))][0]!r}")
    x_t = _float_dtype(dtype).type(as_real(x, "x"))
    exact = float(dfdx(np.float64(x_t)))
    return {
        name: np.array([abs(float(scheme(f, x_t, h)) - exact) for h in steps])
        for name, scheme in (("forward", forward_difference), ("central", central_difference))
    }


def relative_error(analytic: ArrayLike, numeric: ArrayLike, floor: float = 0.0) -> NDArray[np.float64]:
    """Entry-by-entry ``|a - b| / max(|a|, |b|, floor)``, 0 where both are 0, NaN where either is not finite.

    Parameters
    ----------
    analytic, numeric : array_like
        Same shape.
    floor : float
        Lower bound on the denominator (finite, >= 0), so that entries where
        both gradients are round-off noise near zero are compared absolutely.

    Returns
    -------
    ndarray
        Same shape as the inputs, values in ``[0, 2]`` (``floor = 0``), or NaN
        where ``analytic`` or ``numeric`` is NaN or infinite: such an entry
        agrees with nothing, and ``NaN <= tol`` is false.

    Raises
    ------
    TypeError
        For complex, string, object or bool values.
    ValueError
        If the shapes differ, or ``floor`` is negative or not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradcheck import relative_error
    >>> print(relative_error([1.0, 0.0, 2.0, np.nan], [1.0, 0.0, -2.0, 1.0]))
    [ 0.  0.  2. nan]
    """
    a = as_float(analytic, "analytic").astype(np.float64, copy=False)
    b = as_float(numeric, "numeric").astype(np.float64, copy=False)
    check_shapes(numeric=(b, a.shape))
    floor = as_real(floor, "floor", at_least=0)
    finite = np.isfinite(a) & np.isfinite(b)
    a, b = np.where(finite, a, 0.0), np.where(finite, b, 0.0)
    scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), floor)
    with np.errstate(over="ignore"):
        diff = np.abs(a - b)
    out = np.zeros(a.shape)
    np.divide(diff, scale, out=out, where=scale > 0)
    huge = np.isinf(diff)  # a - b overflowed: two huge numbers of opposite signs
    out[huge] = np.abs(a[huge] / scale[huge] - b[huge] / scale[huge])
    out[~finite] = np.nan
    return out


def _check_params(params: Mapping[str, np.ndarray]) -> None:
    """Refuse before touching anything: only non-empty, writable float64 arrays are perturbed."""
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping of names to arrays, got {type(params).__name__}")
    if not params:
        raise ValueError("params must be a mapping with at least one array, got an empty mapping")
    for name, array in params.items():
        as_float(array, name, share=True, writable=True)
        if array.dtype != np.float64:
            eps = float(np.finfo(array.dtype).eps)
            raise TypeError(
                f"{name} must be float64, got {array.dtype} "
                f"(its eps {eps:.1e} makes the round-off eps/h too large to check a gradient)"
            )
        check_shapes(**{name: (array, "...")})


def _check_method(method: str, h: float | None) -> float:
    """The step for ``method``: ``h`` if given (finite, > 0), else the default."""
    if not isinstance(method, str):
        raise TypeError(f"method must be 'central' or 'forward', got {_describe(method)}")
    if method not in DEFAULT_STEP:
        raise ValueError(f"method must be 'central' or 'forward', got {method!r}")
    return DEFAULT_STEP[method] if h is None else as_real(h, "h", above=0)


def _entries(mask: np.ndarray, limit: int) -> str:
    """The first ``limit`` indices where ``mask`` holds, as ``[0, 1], [2, 0]``."""
    found = [list(map(int, index)) for index in zip(*np.nonzero(np.atleast_1d(mask)))]
    shown = ", ".join(str(index) for index in found[:limit])
    return shown + (f" and {len(found) - limit} more" if len(found) > limit else "")


def numerical_gradient(
    loss: Callable[[], float],
    params: Mapping[str, np.ndarray],
    h: float | None = None,
    method: str = "central",
) -> dict[str, NDArray[np.float64]]:
    """Finite-difference gradient of ``loss()`` with respect to arrays it reads.

    ``loss`` takes no argument: it must read the very arrays in ``params``. Each
    entry is moved by ``+h`` (and ``-h`` for central differences) *in place*,
    and restored to its exact original value afterwards, even if ``loss`` raises.

    Parameters
    ----------
    loss : callable
        ``loss() -> float``.
    params : mapping of str to ndarray
        The parameter arrays by name (at least one); float64, writable and
        not empty.
    h : float, optional
        The step, finite and > 0; by default ``sqrt(eps)`` for forward and
        ``cbrt(eps)`` for central.
    method : {"central", "forward"}
        The difference scheme.

    Returns
    -------
    dict of str to ndarray
        One gradient per name, each of the shape of its array. An entry is NaN
        or infinite where the loss is.

    Raises
    ------
    TypeError
        If an array is not a float64 numpy array.
    ValueError
        For an unknown method, a bad ``h``, an empty or read-only array, or no
        arrays at all; nothing is perturbed then.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradcheck import numerical_gradient
    >>> w = np.array([1.0, -2.0])
    >>> grad = numerical_gradient(lambda: float(np.sum(w ** 2)), {"w": w})
    >>> print(np.round(grad["w"], 6))
    [ 2. -4.]
    >>> print(w)  # put back exactly
    [ 1. -2.]
    """
    h = _check_method(method, h)
    _check_params(params)
    base = float(loss()) if method == "forward" else None
    grads = {}
    for name, array in params.items():
        grad = np.zeros(array.shape, dtype=np.float64)
        for index in np.ndindex(array.shape):
            old = array[index].copy()
            try:
                array[index] = old + h
                plus = float(loss())
                if method == "central":
                    array[index] = old - h
                    grad[index] = (plus - float(loss())) / (2 * h)
                else:
                    grad[index] = (plus - base) / h
            finally:
                array[index] = old
        grads[name] = grad
    return grads


@dataclass(frozen=True)
class BlockReport:
    """How one parameter block's analytic gradient compares with the numeric one.

    Attributes
    ----------
    name : str
        The block's name.
    shape : tuple of int
        Its shape.
    max_error : float
        The largest relative error over its entries; NaN if an entry of
        either gradient (or the loss) is NaN or infinite.
    ok : bool
        ``max_error <= tol`` (false when it is NaN).
    worst : list of tuple
        Up to a few ``(index, analytic, numeric, relative error)``, worst first;
        entries that are not finite come first.
    hint : str or None
        What the pattern of errors suggests, when it suggests something; which
        entries are not finite, when some are.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradcheck import check_gradient
    >>> w = np.array([1.0, 2.0])
    >>> report = check_gradient(lambda: float(np.sum(w ** 2)),
    ...                         {"w": w}, {"w": 2 * w})
    >>> block = report.blocks["w"]
    >>> block.ok, block.shape, block.hint
    (True, (2,), None)
    """

    name: str
    shape: tuple[int, ...]
    max_error: float
    ok: bool
    worst: list[tuple[tuple[int, ...], float, float, float]] = field(default_factory=list)
    hint: str | None = None


@dataclass(frozen=True)
class GradientReport:
    """The result of `check_gradient`: one `BlockReport` per parameter array.

    Attributes
    ----------
    blocks : dict of str to BlockReport
        By parameter name, in the order given.
    tol : float
        The bound on the relative error.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradcheck import check_gradient
    >>> a, b = np.array([1.0]), np.array([3.0])
    >>> report = check_gradient(lambda: float(a[0] * b[0]),
    ...                         {"a": a, "b": b}, {"a": b, "b": b})
    >>> report.ok, report.failing
    (False, ['b'])
    """

    blocks: dict[str, BlockReport]
    tol: float

    @property
    def ok(self) -> bool:
        """Whether every block is within ``tol``."""
        return all(block.ok for block in self.blocks.values())

    @property
    def failing(self) -> list[str]:
        """Names of the blocks whose relative error exceeds ``tol``."""
        return [name for name, block in self.blocks.items() if not block.ok]

    @property
    def max_error(self) -> float:
        """The largest relative error over all blocks (NaN if any block's is)."""
        return float(np.max([block.max_error for block in self.blocks.values()]))

    def __str__(self) -> str:
        lines = [f"gradient check, relative error bound {self.tol:.0e}"]
        for block in self.blocks.values():
            verdict = "ok" if block.ok else "DISAGREES"
            lines.append(f"  {block.name} {block.shape}: max relative error {block.max_error:.1e}, {verdict}")
            if not block.ok:
                for index, a, b, err in block.worst:
                    lines.append(f"    at {list(index)}: analytic {a:.6g}, numeric {b:.6g} (error {err:.1e})")
            if block.hint:
                lines.append(f"    hint: {block.hint}")
        return "\n".join(lines)


def _ratio_hint(a: np.ndarray, b: np.ndarray, n: int | None) -> str | None:
    """A hint when numeric / analytic is the same constant on every entry."""
    mask = (np.abs(a) > 1e-12) & (np.abs(b) > 1e-12)
    if not mask.any():
        return None
    ratio = b[mask] / a[mask]
    c = float(np.median(ratio))
    if np.max(np.abs(ratio - c)) > 1e-4 * abs(c):
        return None
    if n is not None and abs(c * n - 1) < 1e-4:
        return f"numeric/analytic = 1/n (n = {n}) on every entry: the analytic gradient forgot the 1/n"
    if n is not None and abs(c / n - 1) < 1e-4:
        return f"numeric/analytic = n (n = {n}) on every entry: the analytic gradient divides by n twice"
    if abs(c + 1) < 1e-4:
        return "numeric/analytic = -1 on every entry: the analytic gradient has the wrong sign"
    return f"numeric/analytic = {c:.4g} on every entry: a constant factor is wrong"


def check_gradient(
    loss: Callable[[], float],
    params: Mapping[str, np.ndarray],
    analytic: Mapping[str, ArrayLike],
    *,
    h: float | None = None,
    method: str = "central",
    tol: float = 1e-6,
    floor: float | None = None,
    n: int | None = None,
    worst: int = 3,
) -> GradientReport:
    """Compare an analytic gradient with `numerical_gradient`, block by block.

    Parameters
    ----------
    loss : callable
        ``loss() -> float``, reading the arrays in ``params``.
    params : mapping of str to ndarray
        The parameter arrays by name, float64 and writable; perturbed in place
        and restored exactly.
    analytic : mapping of str to array_like
        The analytic gradient, same names and shapes as ``params``.
    h : float, optional
        Step, finite and > 0; by default ``sqrt(eps)`` (forward) or ``cbrt(eps)`` (central).
    method : {"central", "forward"}
        Difference scheme.
    tol : float
        Bound on the relative error of every entry, finite and > 0.
    floor : float, optional
        Lower bound on the relative error's denominator (see `relative_error`).
        By default ``10 * eps * |loss()| / h / tol``: an entry then passes if
        its relative error is at most ``tol`` *or* its absolute error is at
        most ten times the round-off ``eps |L| / h`` that any finite
        difference carries. Without it, tiny entries of a correct gradient
        fail on round-off alone.
    n : int, optional
        The number of samples (>= 1), so that a missing ``1/n`` is named as such.
    worst : int
        How many of the worst entries each block reports (>= 1).

    Returns
    -------
    GradientReport
        A block fails if any of its entries disagrees, and also if an entry of
        the analytic or the numeric gradient, or the loss itself, is NaN or
        infinite: its hint then names those entries.

    Raises
    ------
    TypeError
        If a parameter is not a float64 numpy array, or a gradient is complex,
        string, object or bool.
    ValueError
        If ``analytic`` does not have the names and shapes of ``params``, a
        parameter is empty or read-only, or a scalar option is out of range;
        nothing is perturbed then.

    Examples
    --------
    A loss with a ``1/n``, and an analytic gradient that forgot it:

    >>> import numpy as np
    >>> from labcode.gradcheck import check_gradient
    >>> rng = np.random.default_rng(0)
    >>> x, w = rng.standard_normal(4), np.array([0.5])
    >>> def loss():
    ...     return float(np.sum((x - w[0]) ** 2) / 4)
    >>> report = check_gradient(loss, {"w": w}, {"w": [-2 * np.sum(x - w[0])]}, n=4)
    >>> report.failing
    ['w']
    >>> print(report.blocks["w"].hint)
    numeric/analytic = 1/n (n = 4) on every entry: the analytic gradient forgot
    the 1/n

    A NaN never agrees:

    >>> w = np.array([1.0, 2.0])
    >>> report = check_gradient(lambda: float(w @ w),
    ...                         {"w": w}, {"w": [np.nan, 4.0]})
    >>> report.ok, report.blocks["w"].hint
    (False, 'the analytic gradient is NaN or infinite at [0]')
    """
    step = _check_method(method, h)
    _check_params(params)
    if not isinstance(analytic, Mapping):
        raise TypeError(f"analytic must be a mapping of names to arrays, got {type(analytic).__name__}")
    if set(analytic) != set(params):
        raise ValueError(
            f"analytic must be a mapping with the names of params, {sorted(params)}, got {sorted(analytic)}"
        )
    analytic = {name: as_float(analytic[name], f"analytic[{name!r}]").astype(np.float64, copy=False)
                for name in params}
    for name, array in params.items():
        check_shapes(**{f"analytic[{name!r}]": (analytic[name], array.shape)})
    tol = as_real(tol, "tol", above=0)
    floor = None if floor is None else as_real(floor, "floor", at_least=0)
    n = None if n is None else as_int(n, "n", at_least=1)
    worst = as_int(worst, "worst", at_least=1)

    numeric = numerical_gradient(loss, params, h=h, method=method)
    value = float(loss())
    if floor is None:
        floor = ROUND_OFF_FACTOR * EPS64 * abs(value) / step / tol if np.isfinite(value) else 0.0
    blocks = {}
    for name in params:
        a, b = analytic[name], numeric[name]
        errors = relative_error(a, b, floor=floor)
        if not np.isfinite(value):
            errors[...] = np.nan
        order = np.argsort(errors, axis=None, kind="stable")[::-1][:worst]  # NaN sorts last: first here
        entries = [np.unravel_index(i, errors.shape) for i in order]
        max_error = float(np.max(errors))
        ok = bool(max_error <= tol)
        if not np.isfinite(value):
            hint = f"the loss is {value} at these parameters: no gradient can be checked"
        elif not np.all(np.isfinite(a)):
            hint = f"the analytic gradient is NaN or infinite at {_entries(~np.isfinite(a), worst)}"
        elif not np.all(np.isfinite(b)):
            hint = (f"the numeric gradient is NaN or infinite at {_entries(~np.isfinite(b), worst)}: "
                    "the loss is not finite within h of these parameters")
        else:
            hint = None if ok else _ratio_hint(a, b, n)
        blocks[name] = BlockReport(
            name=name,
            shape=tuple(a.shape),
            max_error=max_error,
            ok=ok,
            worst=[(tuple(int(i) for i in e), float(a[e]), float(b[e]), float(errors[e])) for e in entries],
            hint=hint,
        )
    return GradientReport(blocks=blocks, tol=tol)


@dataclass(frozen=True)
class DirectionalReport:
    """The result of `directional_check`.

    Attributes
    ----------
    errors : ndarray
        Relative error along each direction, shape ``(k,)``; NaN along a
        direction where the gradient or the loss is not finite.
    tol : float
        The bound.
    loss_calls : int
        How many times the loss was evaluated: ``2k``, whatever the number of parameters.
    hint : str or None
        Which entries of the gradient, or which directions of the loss, are
        NaN or infinite, when some are.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradcheck import directional_check
    >>> report = directional_check(lambda t: float(t @ t), lambda t: 2 * t,
    ...                            np.ones(5), np.random.default_rng(0),
    ...                            directions=2)
    >>> report.ok, report.loss_calls, report.errors.shape
    (True, 4, (2,))
    """

    errors: NDArray[np.float64]
    tol: float
    loss_calls: int
    hint: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every direction is within ``tol`` (never when an error is NaN)."""
        return bool(np.all(self.errors <= self.tol))


def _random_direction(rng: np.random.Generator, size: int) -> NDArray[np.float64]:
    """A random unit vector of ``size`` entries: the outer product of two Gaussian vectors, flattened.

    ``a`` has ``m = ceil(sqrt(size))`` entries and ``b`` ``ceil(size / m)``,
    both drawn from the standard normal by ``rng``; the direction is the
    first ``size`` entries of ``a b^T`` (row by row), divided by its norm.
    Any fixed nonzero vector is orthogonal to it with probability 0.

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws ``a`` then ``b``.
    size : int
        How many entries, at least 1.

    Returns
    -------
    ndarray
        Shape ``(size,)``, float64, norm 1 (to rounding).

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradcheck import _random_direction
    >>> v = _random_direction(np.random.default_rng(0), 10)
    >>> v.shape, bool(np.isclose(np.linalg.norm(v), 1.0))
    ((10,), True)
    """
    rng = check_rng(rng)
    size = as_int(size, "size", at_least=1)
    a, b = _direction_factors(rng, size)
    return _outer_prefix(a, b, size)


def _direction_factors(rng: np.random.Generator, size: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``a`` and ``b`` of ``_random_direction``, ``a`` already divided by the direction's norm.

    The norm of the first ``size`` entries of ``a b^T`` is computed from ``a``
    and ``b`` (all rows but the last are whole), so the direction itself is
    written once, by `_outer_prefix`.
    """
    rows = int(np.ceil(np.sqrt(size)))
    while True:
        a = rng.standard_normal(rows)
        b = rng.standard_normal(-(-size // rows))
        kept = size - (rows - 1) * b.size  # entries of the last row of a b^T that are kept
        norm = np.sqrt(float(a[:-1] @ a[:-1]) * float(b @ b) + a[-1] ** 2 * float(b[:kept] @ b[:kept]))
        if norm > 0:  # zero has probability 0
            return a / norm, b


def _read_only(array: NDArray[np.float64]) -> NDArray[np.float64]:
    """A view of ``array`` that cannot be written to: what the check hands to ``loss`` and ``grad``."""
    view = array.view()
    view.flags.writeable = False
    return view


def _outer_prefix(a: NDArray[np.float64], b: NDArray[np.float64], size: int) -> NDArray[np.float64]:
    """The first ``size`` entries of ``a b^T``, row by row."""
    return np.outer(a, b).ravel()[:size]


def directional_check(
    loss: Callable[..., float],
    grad: Callable[..., ArrayLike],
    theta: ArrayLike,
    rng: np.random.Generator,
    *,
    directions: int = 3,
    h: float | None = None,
    tol: float = 1e-6,
    args: tuple = (),
) -> DirectionalReport:
    """Compare ``grad(theta) · v`` with the central difference of ``loss`` along ``v``.

    For ``k`` random unit vectors ``v`` this costs one gradient and ``2k`` loss
    evaluations, however long ``theta`` is; a full check costs two per entry.
    It is a test with a tolerance, not a proof: a wrong gradient passes when,
    along every ``v``, its error's component is within ``tol`` of the
    directional derivative, because the error is small next to the gradient
    or nearly orthogonal to each ``v``. A random unit ``v`` sees about
    ``1/sqrt(P)`` of the error's length and of the gradient's alike, so the
    errors it misses are those that are small relative to the gradient.

    Each direction is the outer product of two Gaussian vectors ``a`` and
    ``b`` of about ``sqrt(P)`` entries, flattened to its first ``P`` entries
    and scaled to length 1 (``_random_direction``): drawing it costs about
    ``2 sqrt(P)`` random numbers instead of ``P``. For any fixed error ``e``
    of the gradient, laid out as a matrix ``E`` of the same shape,
    ``e · v`` is ``a^T E b / (|a| |b|)``: a polynomial in ``a`` and ``b``
    that is not zero unless ``e`` is, so it vanishes with probability 0, as
    it does along a Gaussian direction, and its mean square is about the
    same, ``|e|^2 / P``. The direction is never written out: ``theta + h v``
    is one BLAS rank-1 update of a copy of ``theta``, ``theta - h v`` a
    second one of that, and ``g . v`` is ``a^T G b`` with ``G`` the gradient
    laid out as ``a b^T`` is, for all ``k`` directions in one pass over ``g``.

    Parameters
    ----------
    loss : callable
        ``loss(theta, *args) -> float`` of a flat vector (scipy's convention).
        It gets a read-only vector that the check reuses once ``loss`` returns.
    grad : callable
        ``grad(theta, *args)``, shape ``(P,)``; it gets ``theta`` read-only.
    theta : array_like
        Where to check, shape ``(P,)``; not modified.
    rng : numpy.random.Generator
        Draws the directions.
    directions : int
        How many directions ``k``, at least 1.
    h : float, optional
        Step along each unit direction, finite and > 0; by default ``cbrt(eps)``.
    tol : float
        Bound on the relative error of each directional derivative, finite and > 0.
    args : tuple
        Extra arguments for ``loss`` and ``grad``.

    Returns
    -------
    DirectionalReport
        Fails when the gradient or the loss is NaN or infinite.

    Raises
    ------
    TypeError
        For a ``theta`` or a gradient that is not real numbers, an ``rng`` that
        is not a `numpy.random.Generator`, or a ``directions`` that is not an int.
    ValueError
        If ``theta`` is not a non-empty flat vector, the gradient has another
        shape, or ``directions``, ``h`` or ``tol`` is out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.gradcheck import directional_check
    >>> rng = np.random.default_rng(0)
    >>> wrong = directional_check(lambda t: float(t @ t), lambda t: t,
    ...                           np.ones(1000), rng)
    >>> wrong.ok, wrong.loss_calls
    (False, 6)
    """
    theta = _read_only(as_float(theta, "theta").astype(np.float64, copy=False))
    check_shapes(theta=(theta, "P"))
    rng = check_rng(rng)
    directions = as_int(directions, "directions", at_least=1)
    h = _check_method("central", h)
    tol = as_real(tol, "tol", above=0)
    if not isinstance(args, tuple):
        raise TypeError(f"args must be a tuple, got {type(args).__name__}")
    g = as_float(grad(theta, *args), "grad(theta)").astype(np.float64, copy=False)
    check_shapes(theta=(theta, "P"), **{"grad(theta)": (g, "P")})
    # A finite sum means every entry is finite (a NaN or an infinity makes it NaN or infinite);
    # only a sum that is not finite (which overflow can also make) needs the look at every entry.
    finite = bool(np.isfinite(g.sum())) or bool(np.all(np.isfinite(g)))
    hint = None if finite else f"grad(theta) is NaN or infinite at {_entries(~np.isfinite(g), 3)}"
    rows = int(np.ceil(np.sqrt(theta.size)))
    cols = -(-theta.size // rows)
    whole = (rows - 1) * cols  # entries in the whole rows of a b^T; the last row keeps the rest
    factors = [_direction_factors(rng, theta.size) for _ in range(directions)]
    A = np.column_stack([a for a, _ in factors])  # (rows, k)
    B = np.column_stack([b for _, b in factors])  # (cols, k)
    # g . v = a^T G b, with G the gradient laid out as the rows of a b^T: every direction in one pass over g
    G_rows, g_last = g[:whole].reshape(rows - 1, cols), g[whole:]
    with np.errstate(invalid="ignore", over="ignore"):  # a gradient that is not finite gives NaN slopes: it fails
        slopes = np.einsum("ik,ik->k", A[:-1], G_rows @ B) + A[-1] * (g_last @ B[: g_last.size])
    numerics = np.empty(directions)
    shifted = np.zeros((rows, cols))  # theta + h v, then theta - h v, laid out as a b^T is
    for i, (a, b) in enumerate(factors):
        shifted.reshape(-1)[: theta.size] = theta
        losses = []
        for step in (h, -2 * h):  # theta + h v, then (theta + h v) - 2 h v
            # shifted += step a b^T, in place: BLAS's rank-1 update (ger) of shifted's transpose
            moved = blas.dger(step, b, a, a=shifted.T, overwrite_a=True).T
            losses.append(float(loss(_read_only(moved.reshape(-1)[: theta.size]), *args)))
        numerics[i] = (losses[0] - losses[1]) / (2 * h)
        if not np.isfinite(numerics[i]) and hint is None:
            hint = f"the loss is not finite within h of theta along direction {i}"
    errors = relative_error(slopes, numerics)
    return DirectionalReport(errors=errors, tol=tol, loss_calls=2 * directions, hint=hint)
