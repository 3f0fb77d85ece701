"""Shape checks at the boundary, written in the notation of the lab book.

The book names its dimensions once (``n`` samples, ``p`` inputs, ``d`` hidden
units, ``q`` outputs) and every function that takes arrays checks them against
those names before computing anything. A mismatch raises `ValueError`
that says which array, what was expected and what was found; it never returns a
wrong number.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

__all__ = ["check_shapes"]


def _parse_spec(name: str, spec: str) -> tuple[str | int, ...]:
    """Split ``"n p"`` into ``("n", "p")`` and ``"n 1"`` into ``("n", 1)``."""
    if not isinstance(spec, str):
        raise TypeError(f"the shape spec of {name} must be a string such as 'n p', got {spec!r}")
    dims: list[str | int] = []
    for token in spec.split():
        if token.isdigit():
            dims.append(int(token))
        elif token.isidentifier():
            dims.append(token)
        else:
            raise ValueError(f"bad dimension {token!r} in the shape spec {spec!r} of {name}")
    return tuple(dims)


def _count(ndim: int) -> str:
    return f"{ndim} dimension" + ("" if ndim == 1 else "s")


def _show(dims: tuple[str | int, ...]) -> str:
    inner = ", ".join(str(d) for d in dims)
    return f"({inner},)" if len(dims) == 1 else f"({inner})"


def check_shapes(
    known: Mapping[str, int] | None = None, /, **arrays: tuple[object, str]
) -> dict[str, int]:
    """Check arrays against named shapes and return the size of every name.

    Each keyword names an array and gives ``(array, spec)``, where ``spec``
    lists its dimensions by name (``"n p"``) or by number (``"n 1"``); an empty
    spec ``""`` means a scalar. A name must have the same size everywhere it
    appears, so ``X`` of shape ``(n, p)`` and ``W1`` of shape ``(p, d)`` must
    agree on ``p``.

    Parameters
    ----------
    known : mapping of str to int, optional
        Sizes fixed in advance (for example ``{"q": 1}``), positional only.
    **arrays : tuple of (array_like, str)
        The arrays to check, each with its shape spec.

    Returns
    -------
    dict of str to int
        The size of every dimension name, in the order first seen.

    Raises
    ------
    ValueError
        If an array has the wrong number of dimensions, or a name takes two
        different sizes; the message names the array, the expected shape and
        the actual shape.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.shapes import check_shapes
    >>> X, W1, W2 = np.ones((5, 3)), np.ones((3, 2)), np.ones((2, 1))
    >>> check_shapes(X=(X, "n p"), W1=(W1, "p d"), W2=(W2, "d q"))
    {'n': 5, 'p': 3, 'd': 2, 'q': 1}

    A size that disagrees is reported with both shapes:

    >>> check_shapes(X=(X, "n p"), W1=(np.ones((4, 2)), "p d"))
    Traceback (most recent call last):
    ...
    ValueError: W1 has shape (4, 2) but (p, d) was expected with p = 3 (set by X)
    """
    sizes: dict[str, int] = dict(known or {})
    origin: dict[str, str] = {name: "the caller" for name in sizes}
    for name, pair in arrays.items():
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise TypeError(f"{name} must be given as (array, spec), got {type(pair).__name__}")
        array, spec = pair
        dims = _parse_spec(name, spec)
        shape = np.shape(array)
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
                    f"with {dim} = {sizes[dim]} (set by {origin[dim]})"
                )
            else:
                sizes.setdefault(dim, size)
                origin.setdefault(dim, name)
    return sizes
