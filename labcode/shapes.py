"""Checks at the boundary: the input policy of every function in `labcode`.

The book names its dimensions once (``n`` samples, ``p`` inputs, ``d`` hidden
units, ``q`` outputs) and every public function checks its arguments with the
few helpers of this module before it computes or changes anything. A bad
argument raises an error that names it: it never returns a wrong number, never
lets a NumPy-internal error (``AttributeError``, ``IndexError``,
``ZeroDivisionError``, a BLAS error) or a ``RuntimeWarning`` (0/0) through,
and never leaves an update half done. The policy:

* **Arrays taken by value** (data, targets, gradients, anything a function
  reads and does not keep) go through `as_float`: lists, tuples, scalars and
  integer arrays are converted, integers to float64; a floating array keeps
  its dtype (float32 in, float32 out) and is not copied (a subclass of
  ndarray stays one, except `numpy.matrix`, whose ``*`` multiplies matrices). Complex, object,
  string and bool arrays are refused with `TypeError` naming the argument and
  its dtype: a complex number would lose its imaginary part, a bool is not a
  quantity.
* **Arrays held by reference** (the weights a layer, an optimizer or the
  gradient checker keeps and updates in place) go through ``as_float(...,
  share=True)``: they must already be floating numpy arrays, since a copy
  would silently break the sharing; an array that is updated in place must
  also be writable.
* **Shapes** are checked only by `check_shapes`, in the book's letters. Every
  dimension it names (``n``, ``p``, ``d``, ``q``, ...) must be at least 1: an
  empty array is refused with `ValueError` naming the argument and the
  dimension (a mean over no samples is 0/0). Element-wise functions of any
  shape (the activations, the graph units, the element-wise operations of
  `labcode.autograd`, `labcode.backprop.sgd_update`,
  `labcode.gradcheck.relative_error`) follow NumPy instead: an empty array
  in, an empty result out.
* **Scalars:** `as_real` for real numbers (a learning rate or a step ``h`` is
  finite and > 0), `as_int` for counts and sizes (``epochs >= 0``, sizes
  ``>= 1``; a float such as ``2.0`` is refused, not truncated), `check_rng` for
  random generators (a `numpy.random.Generator`, never a seed).
* **Wrong kind, wrong value** (scipy's split): a wrong type or dtype raises
  `TypeError`, a wrong shape, size or value raises `ValueError`. A name looked
  up in a registry (an activation, a parameter) raises `KeyError` listing the
  valid names.
* **Two sentence shapes:** ``"<name> has shape <got> but <spec> was expected
  ..."`` and ``"<name> must be <what>, got <what it is>"``.
* **Nothing half-done:** a function that updates arrays in place checks every
  array it will touch (shape, dtype, writable) before it changes any.
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["check_shapes", "as_float", "as_real", "as_int", "check_rng"]

#: Dtype kinds `as_float` converts to float64 (signed and unsigned integers).
_INTEGER_KINDS = "iu"


def _describe(value: object) -> str:
    """What a value is, for the end of a "must be ..., got ..." message."""
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of dtype {value.dtype}"
    if isinstance(value, (list, tuple)):
        return type(value).__name__
    if isinstance(value, (bool, numbers.Number, str, bytes, np.generic)):
        return f"{type(value).__name__} {value!r}"
    return type(value).__name__


def _ragged(name: str, value: object) -> str:
    return f"{name} must be a rectangular array of numbers, got a ragged {_describe(value)}"


#: Parsed string specs, by spec: a spec is parsed once, not on every call (``check_shapes`` runs every epoch).
_PARSED: dict[str, tuple[str | int, ...] | None] = {}


def _parse_spec(name: str, spec: str | tuple[int, ...]) -> tuple[str | int, ...] | None:
    """Split ``"n p"`` into ``("n", "p")`` and ``"n 1"`` into ``("n", 1)``; ``"..."`` is None."""
    if isinstance(spec, str) and spec in _PARSED:
        return _PARSED[spec]
    if type(spec) is tuple and all(type(size) is int for size in spec):  # noqa: E721 (the common case, fast)
        return spec
    if isinstance(spec, tuple) and all(isinstance(size, (int, np.integer)) for size in spec):
        return tuple(int(size) for size in spec)  # a shape: "the shape of that other array"
    if not isinstance(spec, str):
        raise TypeError(f"the shape spec of {name} must be a string such as 'n p', got {spec!r}")
    if spec.strip() == "...":
        _PARSED[spec] = None
        return None
    dims: list[str | int] = []
    for token in spec.split():
        if token.isdigit():
            dims.append(int(token))
        elif token.isidentifier():
            dims.append(token)
        else:
            raise ValueError(
                f"the shape spec of {name} must be names and numbers such as 'n p' or 'n 1', got {spec!r}"
            )
    _PARSED[spec] = tuple(dims)
    return _PARSED[spec]


def _count(ndim: int) -> str:
    return f"{ndim} dimension" + ("" if ndim == 1 else "s")


def _show(dims: tuple[str | int, ...]) -> str:
    inner = ", ".join(str(d) for d in dims)
    return f"({inner},)" if len(dims) == 1 else f"({inner})"


def check_shapes(
    known: Mapping[str, int | tuple[int, str]] | None = None, /, **arrays: tuple[object, str | tuple[int, ...]]
) -> dict[str, int]:
    """Check arrays against named shapes and return the size of every name, in the order first seen.

    Each keyword names an array and gives ``(array, spec)``, where ``spec``
    lists its dimensions by name (``"n p"``) or by number (``"n 1"``); an empty
    spec ``""`` means a scalar, ``"..."`` any shape, and a tuple of ints
    (``W.shape``) exactly that shape. A name must have the same size everywhere
    it appears, and no dimension may be 0; a `ValueError` names the array, the
    expected shape and the actual one. A keyword that is not an identifier
    (``**{"out.h": ...}``) is allowed.

    Parameters
    ----------
    known : mapping of str to int, optional
        Sizes fixed in advance (for example ``{"q": 1}``), positional only. A
        value may also be ``(size, note)``; the note then replaces "set by the
        caller" in a message, as in ``{"P": (8, "p*d + d*q = 3*2 + 2*1")}``.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.shapes import check_shapes
    >>> X, W1, W2 = np.ones((5, 3)), np.ones((3, 2)), np.ones((2, 1))
    >>> check_shapes(X=(X, "n p"), W1=(W1, "p d"), W2=(W2, "d q"))
    {'n': 5, 'p': 3, 'd': 2, 'q': 1}
    >>> check_shapes(X=(X, "n p"), W1=(np.ones((4, 2)), "p d"))
    Traceback (most recent call last):
    ...
    ValueError: W1 has shape (4, 2) but (p, d) was expected with p = 3 (set by X)
    """
    sizes: dict[str, int] = {}
    origin: dict[str, str] = {}  # where each size came from: a note, or the name of the array that set it
    for dim, value in (known or {}).items():
        size, note = value if isinstance(value, tuple) else (value, "set by the caller")
        sizes[dim], origin[dim] = int(size), note
    notes = set(sizes)  # the dimensions whose origin is a note, not an array's name
    for name, pair in arrays.items():
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise TypeError(f"{name} must be given as (array, spec), got {type(pair).__name__}")
        array, spec = pair
        dims = _parse_spec(name, spec)
        try:
            shape = array.shape if isinstance(array, np.ndarray) else np.shape(array)
        except ValueError:  # a ragged list
            raise ValueError(_ragged(name, array)) from None
        if dims is None:  # "...": any shape, no empty dimension
            if 0 in shape:
                raise ValueError(
                    f"{name} has shape {shape} but an array with at least one entry was expected "
                    f"(dimension {shape.index(0)} has size 0)"
                )
            continue
        if len(shape) != len(dims):
            raise ValueError(
                f"{name} has shape {shape} but {_show(dims)} was expected "
                f"({_count(len(dims))}, not {len(shape)})"
            )
        for dim, size in zip(dims, shape):
            if isinstance(dim, int):
                if size != dim:
                    raise ValueError(f"{name} has shape {shape} but {_show(dims)} was expected")
            elif dim in sizes and sizes[dim] != size:
                raise ValueError(
                    f"{name} has shape {shape} but {_show(dims)} was expected "
                    f"with {dim} = {sizes[dim]} ({origin[dim] if dim in notes else 'set by ' + origin[dim]})"
                )
            elif size == 0:
                raise ValueError(
                    f"{name} has shape {shape} but {_show(dims)} was expected with {dim} >= 1 (an empty array)"
                )
            elif dim not in sizes:
                sizes[dim], origin[dim] = size, name
    return sizes


def as_float(value: ArrayLike, name: str, *, share: bool = False, writable: bool = False) -> NDArray[np.floating]:
    """``value`` as a floating array, or a `TypeError` that names it ``name`` (complex, object, string, bool).

    Parameters
    ----------
    share : bool, default False
        False for an array taken by value: lists, scalars and integer arrays
        are converted (integers to float64), a floating array is returned as it
        is (same object, same dtype; a `numpy.matrix` becomes an ndarray). True
        for an array the caller keeps and updates in place: it must already be
        a floating `numpy.ndarray`.
    writable : bool, default False
        Also require a writable array (it will be updated in place).
    """
    if share:
        if not (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
            raise TypeError(
                f"{name} must be a floating-point numpy array (it is held by reference, not copied), "
                f"got {_describe(value)}"
            )
        array = value
    else:
        try:
            array = np.asanyarray(value)  # a subclass of ndarray passes through, as in NumPy ...
        except ValueError:
            raise ValueError(_ragged(name, value)) from None
        if isinstance(array, np.matrix):  # ... except np.matrix, whose * is a matrix product
            array = np.asarray(array)
        if array.dtype.kind in _INTEGER_KINDS:
            array = array.astype(np.float64)
        elif array.dtype.kind != "f":
            what = _describe(value) if array.ndim == 0 and not isinstance(value, np.ndarray) else (
                f"an array of dtype {array.dtype}")
            raise TypeError(f"{name} must be real numbers, got {what}")
    if writable and not array.flags.writeable:
        raise ValueError(f"{name} must be a writable array (it is updated in place), got a read-only array")
    return array


def _float_dtype(dtype: object, name: str = "dtype") -> np.dtype:
    """``dtype`` as a floating `numpy.dtype` (``np.float32``, ``"float64"``), else a `TypeError`."""
    try:
        chosen = np.dtype(dtype) if dtype is not None else None  # np.dtype(None) would be float64
    except TypeError:
        chosen = None
    if chosen is None or chosen.kind != "f":
        raise TypeError(f"{name} must be a floating type such as np.float32, got {dtype!r}")
    return chosen


def as_real(value: object, name: str, *, above: float | None = None, at_least: float | None = None) -> float:
    """``value`` as a finite Python float, ``> above`` and ``>= at_least`` where given; a `TypeError` for a bool, string or complex."""
    if type(value) is not float:  # a float needs no conversion (an optimizer checks its rate every step)
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value[()]
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a real number, got {_describe(value)}")
        value = float(value)
    if (
        not math.isfinite(value)
        or (above is not None and not value > above)
        or (at_least is not None and not value >= at_least)
    ):
        bounds = (f" > {above:g}" if above is not None else "") + (f" >= {at_least:g}" if at_least is not None else "")
        raise ValueError(f"{name} must be a finite number{bounds}, got {value!r}")
    return value


def as_int(value: object, name: str, *, at_least: int | None = None) -> int:
    """``value`` as a Python int, ``>= at_least`` where given: ``2.0`` and ``True`` are refused, not truncated."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got {_describe(value)}")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {_describe(value)}") from None
    if at_least is not None and number < at_least:
        raise ValueError(f"{name} must be an integer >= {at_least}, got {number}")
    return number


def check_rng(value: object, name: str = "rng") -> np.random.Generator:
    """``value`` itself if it is a `numpy.random.Generator`, else a `TypeError`.

    A seed is refused rather than turned into a generator: the caller owns the
    stream, so two calls never draw the same numbers by accident.
    """
    if not isinstance(value, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator such as np.random.default_rng(0), got {_describe(value)}"
        )
    return value
