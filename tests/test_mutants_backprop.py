"""labcode.backprop: what the mutation run showed untested.

Checked here: each array of the wrong rank is refused, naming it; `forward`
keeps the pre-activation and the post-activation; the ReLU mask is 0 at the
kink; ``train_by_hand`` keeps NumPy's promotion of all four arrays (compared
with a plain transcription of the chapter's formulas).
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from labcode.backprop import Forward, backward, forward, mse_nq, train_by_hand


def _names(excinfo: pytest.ExceptionInfo, name: str) -> bool:
    """Whether the error message names ``name`` as a word (``h`` inside ``grad_h`` does not count)."""
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", str(excinfo.value)) is not None


def _chain(n=4, p=3, d=2, q=2, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, p)), rng.standard_normal((p, d)), rng.standard_normal((d, q)),
            rng.standard_normal((n, q)))


@pytest.mark.parametrize("which", ["X", "W1", "W2"])
@pytest.mark.parametrize("rank", [1, 3])
def test_forward_refuses_an_array_that_is_not_a_matrix(which, rank) -> None:
    X, W1, W2, _ = _chain()
    arrays = {"X": X, "W1": W1, "W2": W2}
    a = arrays[which]
    # the same leading sizes, one dimension fewer or one more
    arrays[which] = a[:, 0] if rank == 1 else a[:, :, None]
    with pytest.raises(ValueError) as excinfo:
        forward(arrays["X"], arrays["W1"], arrays["W2"])
    assert _names(excinfo, which)


def test_forward_keeps_the_pre_and_the_post_activation() -> None:
    X, W1, W2, _ = _chain()
    kept = forward(X, W1, W2)
    assert isinstance(kept, Forward) and kept._fields == ("z", "h", "y_pred")
    np.testing.assert_array_equal(kept.z, X @ W1)
    np.testing.assert_array_equal(kept.h, np.maximum(X @ W1, 0))
    np.testing.assert_array_equal(kept.y_pred, np.maximum(X @ W1, 0) @ W2)


@pytest.mark.parametrize("name", ["Y", "z", "h", "y_pred"])
def test_backward_names_the_array_of_the_wrong_shape(name) -> None:
    X, W1, W2, Y = _chain()
    arrays = dict(zip(("z", "h", "y_pred"), forward(X, W1, W2)), Y=Y)
    arrays[name] = np.zeros((arrays[name].shape[0] + 1, arrays[name].shape[1]))
    with pytest.raises(ValueError) as excinfo:
        backward(X, arrays["Y"], W2, arrays["z"], arrays["h"], arrays["y_pred"])
    assert _names(excinfo, name)


def test_relu_mask_is_zero_at_the_kink() -> None:
    # z = 1*1 + (-1)*1 = 0 exactly: relu'(0) = 0 (relu_prime's convention), so
    # no gradient reaches W1 although the error and X are not zero.
    X = np.array([[1.0, -1.0]])
    W1 = np.array([[1.0], [1.0]])
    W2 = np.array([[1.0]])
    Y = np.array([[1.0]])
    kept = forward(X, W1, W2)
    assert kept.z[0, 0] == 0.0
    grad_W1, grad_W2 = backward(X, Y, W2, *kept)
    np.testing.assert_array_equal(grad_W1, np.zeros((2, 1)))
    np.testing.assert_array_equal(grad_W2, np.zeros((1, 1)))


def _transcribed_training(X, Y, W1, W2, lr, epochs):
    """The chapter's formulas with NumPy's own type promotion, no buffers."""
    losses = []
    for _ in range(epochs):
        z = X @ W1
        h = np.maximum(z, 0)
        y_pred = h @ W2
        diff = y_pred - Y
        losses.append(float(np.sum(diff * diff) / diff.size))
        G = (2.0 / y_pred.size) * (y_pred - Y)
        grad_W2 = h.T @ G
        grad_W1 = X.T @ ((G @ W2.T) * (z > 0))
        W1 -= lr * grad_W1
        W2 -= lr * grad_W2
    return np.array(losses)


@pytest.mark.parametrize("wide", ["X", "Y", "W1", "W2"])
def test_train_by_hand_keeps_the_precision_of_the_widest_array(wide) -> None:
    # Three float32 arrays and one float64: every buffer (forward and gradient)
    # must have the dtype NumPy's promotion gives, or the float64 array's
    # precision is lost. Large steps, so that a gradient rounded to float32
    # would move the float32 weights.
    X, W1, W2, Y = _chain(n=6, p=4, d=5, q=3, seed=3)
    arrays = {"X": X, "Y": Y, "W1": W1, "W2": W2}
    arrays = {k: a.astype(np.float64 if k == wide else np.float32) for k, a in arrays.items()}
    mine = {k: a.copy() for k, a in arrays.items()}
    theirs = {k: a.copy() for k, a in arrays.items()}
    losses = train_by_hand(mine["X"], mine["Y"], mine["W1"], mine["W2"], lr=0.25, epochs=4)
    expected = _transcribed_training(theirs["X"], theirs["Y"], theirs["W1"], theirs["W2"], 0.25, 4)
    np.testing.assert_allclose(losses, expected, rtol=1e-10)
    for k in ("W1", "W2"):
        assert mine[k].dtype == arrays[k].dtype
        np.testing.assert_allclose(mine[k], theirs[k], rtol=1e-10, atol=0)
    assert not np.allclose(mine["W1"], arrays["W1"])  # the weights did move


def test_train_by_hand_refuses_Y_of_the_wrong_shape_and_names_it() -> None:
    X, W1, W2, Y = _chain(n=5, p=3, d=2, q=4)
    before = (W1.copy(), W2.copy())
    with pytest.raises(ValueError) as excinfo:
        train_by_hand(X, Y[:, :2], W1, W2, epochs=1)
    assert _names(excinfo, "Y")
    np.testing.assert_array_equal(W1, before[0])
    np.testing.assert_array_equal(W2, before[1])


def test_mse_loss_refuses_shapes_that_differ_and_names_them() -> None:
    with pytest.raises(ValueError) as excinfo:
        mse_nq(np.zeros((3, 2)), np.zeros((2, 3)))
    assert _names(excinfo, "y_pred") and _names(excinfo, "Y")
    assert mse_nq(np.array([[1.0, -1.0]]), np.array([[0.0, 1.0]])) == 2.5  # (1 + 4) / 2


def test_train_by_hand_with_no_epochs_changes_nothing() -> None:
    X, W1, W2, Y = _chain()
    before = (W1.copy(), W2.copy())
    losses = train_by_hand(X, Y, W1, W2, epochs=0)
    assert losses.shape == (0,)
    np.testing.assert_array_equal(W1, before[0])
    np.testing.assert_array_equal(W2, before[1])

