"""labcode.optim: what the mutation run showed untested.

`SGD`'s default learning rate is the documented 0.01, and arguments of the
wrong kind are refused naming their type.
"""

from __future__ import annotations

import numpy as np
import pytest

from labcode.autograd import Variable
from labcode.optim import SGD


def test_the_default_learning_rate_is_one_hundredth() -> None:
    w = Variable(np.array([1.0, -1.0]))
    (w * w).sum().backward()  # gradient 2w
    optimizer = SGD([w])
    assert optimizer.lr == 0.01
    optimizer.step()
    np.testing.assert_allclose(w.data, [0.98, -0.98], rtol=1e-15)


def test_arguments_of_the_wrong_kind_are_refused_naming_their_type() -> None:
    for params in (5, [Variable(1.0), 3]):
        with pytest.raises(TypeError) as excinfo:
            SGD(params)
        assert "int" in str(excinfo.value)
