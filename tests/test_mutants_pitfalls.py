"""labcode.pitfalls: what the mutation run showed untested.

`train_reference` (the autograd loop) gives the loss curve of the hand-written
backprop `labcode.backprop.train_by_hand` on the same problem (an independent
implementation of the same network: ReLU hidden layer, no biases); zero epochs
train nothing; ``zero_grad`` must be a bool.
"""

from __future__ import annotations

import numpy as np
import pytest

from labcode.backprop import train_by_hand
from labcode.pitfalls import train_reference
from labcode.reference import LEARNING_RATE, reference_problem


def test_train_reference_follows_the_hand_written_backprop() -> None:
    X, Y, W1, W2 = reference_problem()
    expected = train_by_hand(X, Y, W1, W2, lr=LEARNING_RATE, epochs=3)
    np.testing.assert_allclose(train_reference(epochs=3), expected, rtol=1e-5)
    assert train_reference(epochs=0).shape == (0,)


def test_zero_grad_must_be_a_bool() -> None:
    with pytest.raises(TypeError) as excinfo:
        train_reference(zero_grad="no", epochs=1)
    assert "str" in str(excinfo.value)
