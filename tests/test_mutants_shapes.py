"""labcode.shapes: what the mutation run showed untested.

The policy's messages say what was given: ``None``, the type of an object,
a ragged list.
"""

from __future__ import annotations

import pytest

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
