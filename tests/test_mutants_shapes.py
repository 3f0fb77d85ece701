"""labcode.shapes: what the mutation run showed untested.

The policy's messages say what was given: ``None``, the type of an object,
a ragged list.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from labcode.shapes import as_float, as_real


def test_messages_say_what_was_given() -> None:
    with pytest.raises(TypeError) as excinfo:
        as_real(None, "lr")
    assert str(excinfo.value).endswith("got None")
    with pytest.raises(TypeError) as excinfo:
        as_real(object(), "lr")
    assert str(excinfo.value).endswith("got object")
    with pytest.raises(ValueError) as excinfo:
        as_float([[1.0], [1.0, 2.0]], "X")
    assert "X" in str(excinfo.value) and "list" in str(excinfo.value)


@settings(max_examples=60)
@given(number=st.floats(allow_nan=True, allow_infinity=True),
       kind=st.sampled_from([float, np.float64, np.float32, int, "0-d array"]),
       above=st.sampled_from([None, 0.0, -1.0]), at_least=st.sampled_from([None, 0.0, 2.0]))
@example(number=math.nan, kind=float, above=None, at_least=None)
@example(number=math.inf, kind=float, above=0.0, at_least=None)
@example(number=-math.inf, kind=np.float64, above=None, at_least=None)
def test_as_real_is_float_of_the_value_within_its_bounds(number: float, kind, above, at_least) -> None:
    """Whatever real kind holds the number (a float takes a shorter path), the result is the Python
    float ``float(value)``, refused with a ValueError naming the bounds when it is not finite or not
    within them, the same for every kind."""
    if kind is int:
        assume(math.isfinite(number))  # an int holds no infinity or NaN
        value = int(number)
    elif kind == "0-d array":
        value = np.array(number)
    else:
        with np.errstate(over="ignore"):  # a float too large for float32 becomes an infinity
            value = kind(number)
    expected = float(value)
    fits = (math.isfinite(expected) and (above is None or expected > above)
            and (at_least is None or expected >= at_least))
    if fits:
        got = as_real(value, "lr", above=above, at_least=at_least)
        assert type(got) is float and got == expected
    else:
        with pytest.raises(ValueError, match=r"^lr must be a finite number") as excinfo:
            as_real(value, "lr", above=above, at_least=at_least)
        bounds = ([] if above is None else [f" > {above:g}"]) + ([] if at_least is None else [f" >= {at_least:g}"])
        assert all(b in str(excinfo.value) for b in bounds), str(excinfo.value)
