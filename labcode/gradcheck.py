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
    """``(f(x + h) - f(x)) / h`` for a function ``f`` of one number, computed in the floating type of ``x``.

    Truncation error O(h), round-off error about ``eps |f| / h``. ``x`` is a
    single number; ``h`` is cast to its type (float64 for a Python float) and must
    be finite and > 0 there too.
    """
    x = _scalar(x)
    h = _step(h, x.dtype)
    return (f(x + h) - f(x)) / h


def central_difference(f: Callable, x: ArrayLike, h: float) -> np.floating:
    """``(f(x + h) - f(x - h)) / (2h)`` for a function ``f`` of one number, computed in the floating type of ``x``.

    Truncation error O(h²), round-off error about ``eps |f| / h``. ``x`` and
    ``h`` as in `forward_difference`.
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
    """Absolute error of both difference schemes at each of the ``steps`` (m,), as ``{"forward": errors, "central": errors}``, each (m,), in float64.

    ``x``, the steps and ``f`` (which must keep the floating type of its
    argument) are computed in ``dtype``, ``np.float64`` or ``np.float32``; the
    exact derivative ``dfdx`` in float64.
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
    """Entry-by-entry ``|a - b| / max(|a|, |b|, floor)`` of ``analytic`` (a) and ``numeric`` (b), of one shape, 0 where both are 0, NaN where either is not finite.

    The values lie in ``[0, 2]`` for ``floor = 0``. ``floor`` (finite, >= 0)
    bounds the denominator from below, so that entries where both gradients are
    round-off noise near zero are compared absolutely. A NaN agrees with
    nothing: ``NaN <= tol`` is false.
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
    """Finite-difference gradient of ``loss()`` with respect to the arrays in ``params``: one array of its shape per name.

    ``loss`` takes no argument: it must read the very arrays in ``params``
    (float64, writable, not empty). Each entry is moved by ``+h`` (and ``-h`` for
    central differences) *in place*, and restored to its exact original value
    afterwards, even if ``loss`` raises. ``h`` defaults to ``cbrt(eps)`` for
    central and ``sqrt(eps)`` for forward differences. An entry is NaN or
    infinite where the loss is. Bad arguments are refused before anything is
    perturbed.
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

    ``name`` and ``shape`` are the block's. ``max_error`` is the largest relative
    error over its entries, NaN if an entry of either gradient (or the loss) is
    NaN or infinite, and ``ok`` is ``max_error <= tol`` (false when it is NaN).
    ``worst`` holds up to a few ``(index, analytic, numeric, relative error)``,
    worst first, the entries that are not finite before the others. ``hint``
    says what the pattern of errors suggests, when it suggests something, and
    which entries are not finite, when some are.
    """

    name: str
    shape: tuple[int, ...]
    max_error: float
    ok: bool
    worst: list[tuple[tuple[int, ...], float, float, float]] = field(default_factory=list)
    hint: str | None = None


@dataclass(frozen=True)
class GradientReport:
    """The result of `check_gradient`: ``blocks``, one `BlockReport` per parameter array by name in the order given, and ``tol``, the bound on the relative error."""

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
    """Compare an analytic gradient with `numerical_gradient`, block by block: a `GradientReport`, one `BlockReport` per array of ``params``.

    ``loss()`` reads the arrays in ``params`` (float64, writable), which are
    perturbed in place and restored exactly; ``analytic`` has their names and
    shapes; ``h`` and ``method`` are those of `numerical_gradient`. A block fails
    if the relative error of any of its entries exceeds ``tol``, and also if an
    entry of the analytic or the numeric gradient, or the loss itself, is NaN or
    infinite: its hint then names those entries. Bad arguments are refused
    before anything is perturbed.

    Parameters
    ----------
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
    """The result of `directional_check`: the relative ``errors`` (k,) along the k directions, the bound ``tol``, and ``loss_calls``, 2k whatever the number of parameters.

    An error is NaN along a direction where the gradient or the loss is not
    finite; ``hint`` then names the entries of the gradient, or the direction of
    the loss, that are NaN or infinite.
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
    """A random unit vector (size,), float64: the first ``size`` entries of ``a b^T``, row by row, divided by their norm.

    ``a`` has ``m = ceil(sqrt(size))`` entries and ``b`` ``ceil(size / m)``, both
    drawn from the standard normal by ``rng``, ``a`` first. Any fixed nonzero
    vector is orthogonal to it with probability 0.
    """
    rng = check_rng(rng)
    size = as_int(size, "size", at_least=1)
    a, b = _direction_factors(rng, size)
    return _outer_prefix(a, b, size)


def _direction_factors(rng: np.random.Generator, size: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``a`` and ``b`` of ``_random_direction``, ``a`` already divided by the direction's norm.

    The norm of the first ``size`` entries of ``a b^T`` is computed from ``a``
    and ``b`` (all rows but the last are whole), so the direction need not be
    written out to be scaled to length 1.
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
    """Compare ``grad(theta) · v`` with the central difference of ``loss`` along ``v``, for ``directions`` (k) random unit vectors ``v``.

    ``theta`` (P,) is not modified; ``h`` (by default ``cbrt(eps)``) is the step
    along each unit direction, and ``args`` go on to ``loss`` and ``grad``. This
    costs one gradient and ``2k`` loss evaluations, however long ``theta`` is; a
    full check costs two per entry. It is a test with a tolerance, not a proof: a
    wrong gradient passes when, along every ``v``, its error's component is
    within ``tol`` of the directional derivative, because the error is small next
    to the gradient or nearly orthogonal to each ``v``. A random unit ``v`` sees
    about ``1/sqrt(P)`` of the error's length and of the gradient's alike, so the
    errors it misses are those that are small relative to the gradient. The
    report fails when the gradient or the loss is NaN or infinite.

    Each direction is the outer product of two Gaussian vectors ``a`` and ``b``
    of about ``sqrt(P)`` entries, flattened to its first ``P`` entries and scaled
    to length 1: about ``2 sqrt(P)`` random numbers
    instead of ``P``. For any fixed error ``e`` of the gradient, laid out as a
    matrix ``E`` of the same shape, ``e · v`` is ``a^T E b / (|a| |b|)``: a
    polynomial in ``a`` and ``b`` that is not zero unless ``e`` is, so it
    vanishes with probability 0, as it does along a Gaussian direction, and its
    mean square is about the same, ``|e|^2 / P``.

    The direction is written once, into one buffer: ``theta + h v`` is the
    outer product of ``a`` and ``h b`` plus ``theta``, and ``theta - h v``
    replaces it as ``theta`` minus the step that point actually took, so the
    two points are symmetric about ``theta``. ``g . v`` is ``a^T G b``, with
    ``G`` the gradient laid out as ``a b^T`` is, for all ``k`` directions in one
    pass over ``g``. All of it runs in numpy: a rank-1 update by scipy's BLAS,
    a second OpenBLAS with threads of its own, made the whole check several
    times slower on a two-core machine with BLAS threads left as installed, its
    threads and numpy's competing for the cores between the loss's matrix
    products.

    Parameters
    ----------
    loss : callable
        ``loss(theta, *args) -> float`` of a flat vector (scipy's convention).
        It gets a read-only vector that the check reuses once ``loss`` returns.
    grad : callable
        ``grad(theta, *args)``, shape ``(P,)``; it gets ``theta`` read-only.
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
    factors = [_direction_factors(rng, theta.size) for _ in range(directions)]
    A = np.column_stack([a for a, _ in factors])  # (rows, k)
    B = np.column_stack([b for _, b in factors])  # (cols, k)
    (rows, _), (cols, _) = A.shape, B.shape
    whole = (rows - 1) * cols  # entries in the whole rows of a b^T; the last row keeps the rest
    # g . v = a^T G b, with G the gradient laid out as the rows of a b^T: every direction in one pass over g
    G_rows, g_last = g[:whole].reshape(rows - 1, cols), g[whole:]
    with np.errstate(invalid="ignore", over="ignore"):  # a gradient that is not finite gives NaN slopes: it fails
        slopes = np.einsum("ik,ik->k", A[:-1], G_rows @ B) + A[-1] * (g_last @ B[: g_last.size])
    # Finite slopes mean a finite gradient: a NaN or an infinity in g makes every slope NaN or infinite (each
    # direction's entries are finite and, with probability 1, none is 0), so g needs no pass of its own. Only
    # slopes that are not finite, which huge finite entries can also make by overflowing, need every entry looked at.
    finite = bool(np.all(np.isfinite(slopes))) or bool(np.all(np.isfinite(g)))
    hint = None if finite else f"grad(theta) is NaN or infinite at {_entries(~np.isfinite(g), 3)}"
    numerics = np.empty(directions)
    shifted = np.empty((rows, cols))  # theta + h v, then theta - h v, laid out as a b^T is
    moved = shifted.reshape(-1)[: theta.size]  # its first P entries: the point handed to loss
    for i, (a, b) in enumerate(factors):
        np.einsum("i,j->ij", a, h * b, out=shifted)  # h v
        np.add(moved, theta, out=moved)  # theta + h v
        plus = float(loss(_read_only(moved), *args))
        np.subtract(moved, theta, out=moved)  # the step as rounded into theta + h v ...
        np.subtract(theta, moved, out=moved)  # ... taken back from theta: the two points are symmetric about it
        minus = float(loss(_read_only(moved), *args))
        numerics[i] = (plus - minus) / (2 * h)
        if not np.isfinite(numerics[i]) and hint is None:
            hint = f"the loss is not finite within h of theta along direction {i}"
    errors = relative_error(slopes, numerics)
    return DirectionalReport(errors=errors, tol=tol, loss_calls=2 * directions, hint=hint)
