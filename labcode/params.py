"""Named parameter arrays that layers share, and that assignment cannot detach.

A network keeps its parameters in a mapping (``params["W1"]``) and builds its
layers from those same arrays. With a plain `dict`, ``params["W1"] = new``
rebinds the entry to another array while the layer keeps the old one: the
network's output no longer depends on ``params["W1"]`` and a finite difference
taken through it is exactly 0 (the pitfalls chapter reproduces this).

`Parameters` closes that trap. Its arrays are created once and are never
replaced: assigning to an entry *copies the values into the live array*, which
every layer holding it sees at once. Whatever cannot be copied without loss of
meaning (another shape, a complex value into a real array, a name that is not
a parameter) raises an error naming the parameter and changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
from numpy.typing import ArrayLike

from labcode.shapes import as_float, check_shapes

__all__ = ["Parameters"]


class Parameters(Mapping[str, np.ndarray]):
    """A fixed set of named float arrays, owned from the start (copies of ``arrays``); assignment writes into them in place.

    Float32 stays float32 and integers become float64; the names and shapes are
    fixed from then on. ``params[name] = value`` is ``np.copyto(params[name], value)``
    after checking that ``value`` is real numbers of exactly that shape (float64
    values are rounded into a float32 parameter): the array keeps its identity.
    New names and deletions are refused: a typo would otherwise create a
    parameter that no layer reads.
    """

    def __init__(self, arrays: Mapping[str, ArrayLike]) -> None:
        if not isinstance(arrays, Mapping):
            raise TypeError(f"arrays must be a mapping of names to arrays, got {type(arrays).__name__}")
        owned: dict[str, np.ndarray] = {}
        for name, value in arrays.items():
            if not isinstance(name, str):
                raise TypeError(f"parameter names must be strings, got {name!r}")
            array = np.array(as_float(value, f"parameter {name!r}"))  # always a copy: the caller keeps its own
            check_shapes(**{f"parameter {name!r}": (array, "...")})
            owned[name] = array
        self._arrays = owned

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._arrays[name]
        except KeyError:
            raise KeyError(self._unknown(name)) from None

    def __setitem__(self, name: str, value: ArrayLike) -> None:
        if name not in self._arrays:
            raise KeyError(self._unknown(name))
        target = as_float(self._arrays[name], f"parameter {name!r}", share=True, writable=True)
        if value is target:
            return
        source = as_float(value, f"the value for {name!r}")  # real numbers; integers become float64
        check_shapes(**{f"the value for {name!r}": (source, target.shape)})
        np.copyto(target, source, casting="same_kind")

    def __delitem__(self, name: str) -> None:
        raise TypeError(f"parameters cannot be deleted (tried {name!r}): layers still hold them")

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{name}: {a.shape} {a.dtype}" for name, a in self._arrays.items())
        return f"Parameters({{{shapes}}})"

    def _unknown(self, name: object) -> str:
        known = ", ".join(repr(n) for n in self._arrays)
        return f"no parameter {name!r}; the parameters are {known}"
