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
    """A fixed set of named float arrays; assignment writes into them in place.

    Parameters
    ----------
    arrays : mapping of str to array_like
        The initial values. Each becomes a new float array owned by this
        object (float32 stays float32; integers become float64; complex,
        string, object and bool values and empty arrays are refused); the
        names and shapes are fixed from then on.

    Notes
    -----
    The contract, relied on by `labcode.network` and by the gradient checker:

    * ``params[name]`` is always the same array object, so a layer built from
      it and the mapping never disagree;
    * ``params[name] = value`` is ``np.copyto(params[name], value)`` after
      checking that ``value`` is real numbers of exactly that shape (float64
      values are rounded into a float32 parameter): the array keeps its
      identity, its values change;
    * new names and deletions are refused: a typo would otherwise create a
      parameter that no layer reads.

    Examples
    --------
    >>> import numpy as np
    >>> from labcode.params import Parameters
    >>> params = Parameters({"W": [[1.0, 2.0], [3.0, 4.0]], "b": [0.0, 0.0]})
    >>> W = params["W"]                  # what a layer would hold
    >>> params["W"] = W + 0.5            # a new array, copied into the old one
    >>> W
    array([[1.5, 2.5],
           [3.5, 4.5]])
    >>> params["W"] is W
    True
    >>> params["b"] = np.zeros(3)
    Traceback (most recent call last):
    ...
    ValueError: the value for 'b' has shape (3,) but (2,) was expected
    >>> params["W2"] = np.zeros((2, 2))
    Traceback (most recent call last):
    ...
    KeyError: "no parameter 'W2'; the parameters are 'W', 'b'"
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
