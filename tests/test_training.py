"""The reference problem, the shared autograd loop of chapter 9, and nn/optim/trainer (the benchmark: test_bench.py)."""

from __future__ import annotations


import numpy as np
import pytest

from labcode.autograd import Variable, matmul, mean_squared_error, relu
from labcode.backprop import backward, forward, mse_nq, sgd_update, train_by_hand
from labcode.nn import Linear, ReLU, Sequential
from labcode.optim import SGD
from labcode.reference import EPOCHS, LEARNING_RATE, reference_model, reference_problem, train_loop
from labcode.trainer import Trainer, batches

EPOCHS_HERE = 40  # enough to see the curves move; the page runs all 300


# --- the reference problem -----------------------------------------------------


def test_reference_problem_is_the_published_legacy_stream() -> None:
    state = np.random.get_state()
    try:
        np.random.seed(1)
        published = [np.random.randn(*s).astype(np.float32) for s in [(64, 1000), (64, 10), (1000, 100), (100, 10)]]
    finally:
        np.random.set_state(state)
    for ours, theirs in zip(reference_problem(), published):
        assert ours.dtype == np.float32
        np.testing.assert_array_equal(ours, theirs)


def test_reference_problem_is_fresh_and_leaves_the_global_stream_alone() -> None:
    before = np.random.get_state()[1].copy()
    a, b = reference_problem(), reference_problem()
    np.testing.assert_array_equal(np.random.get_state()[1], before)
    for x, y in zip(a, b):
        assert x is not y and not np.shares_memory(x, y)
    a.W1[...] = 0  # what one caller does to its copy ...
    assert reference_problem().W1.any()  # ... no other caller sees


def test_constants() -> None:
    assert (LEARNING_RATE, EPOCHS) == (1e-4, 300)


# --- hand-written backprop -----------------------------------------------------


def test_hand_gradients_match_the_autograd_in_float64() -> None:
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((6, 5)), rng.standard_normal((6, 3))
    W1, W2 = rng.standard_normal((5, 4)), rng.standard_normal((4, 3))
    grad_W1, grad_W2 = backward(X, Y, W2, *forward(X, W1, W2))
    v1, v2 = Variable(W1), Variable(W2)
    mean_squared_error(matmul(relu(matmul(X, v1)), v2), Y).backward()
    np.testing.assert_allclose(grad_W1, v1.grad, rtol=1e-12)
    np.testing.assert_allclose(grad_W2, v2.grad, rtol=1e-12)


def test_backward_does_not_change_its_inputs() -> None:
    X, Y, W1, W2 = reference_problem()
    z, h, y_pred = forward(X, W1, W2)
    kept = [a.copy() for a in (X, Y, W2, z, h, y_pred)]
    backward(X, Y, W2, z, h, y_pred)
    for a, b in zip((X, Y, W2, z, h, y_pred), kept):
        np.testing.assert_array_equal(a, b)


def test_train_by_hand_refuses_bad_shapes_and_changes_nothing() -> None:
    X, Y, W1, W2 = reference_problem()
    W1_before = W1.copy()
    with pytest.raises(ValueError, match=r"W2 has shape \(100, 10\) but \(d, q\) was expected with q = 3 \(set by Y\)"):
        train_by_hand(X, Y[:, :3], W1, W2, epochs=2)
    with pytest.raises(ValueError, match=r"W1 has shape \(100, 1000\) but \(p, d\) was expected with p = 1000"):
        train_by_hand(X, Y, W1.T, W2, epochs=2)
    np.testing.assert_array_equal(W1, W1_before)


# --- the shared autograd loop -------------------------------------------------
# docs/autograd-steps.md writes out its five versions and asserts that their
# curves are the same to the last bit and that step 4 is `train_loop`; here the
# loop is tied to the hand-written backprop, an implementation that shares no
# code with the autograd.


def test_the_autograd_loop_and_the_trainer_give_the_hand_written_curve_bit_for_bit() -> None:
    by_hand = train_by_hand(*reference_problem(), epochs=EPOCHS_HERE)
    X, Y, model, optimizer = reference_model()
    looped = train_loop(model, optimizer, X, Y, EPOCHS_HERE)
    X, Y, model, optimizer = reference_model()
    fitted = Trainer(model, mean_squared_error, optimizer).fit(X, Y, EPOCHS_HERE).losses
    for curve in (looped, fitted):  # one update expression everywhere, the same operations in the same order
        assert curve.shape == (EPOCHS_HERE,) and curve.dtype == np.float64
        np.testing.assert_array_equal(curve, by_hand)
    assert by_hand[-1] < by_hand[0] / 3


def test_the_loop_without_zero_grad_follows_the_running_sum_of_the_gradients() -> None:
    X, Y, W1, W2 = reference_problem()
    G1, G2 = np.zeros_like(W1), np.zeros_like(W2)
    expected = []
    for _ in range(5):
        z, h, y_pred = forward(X, W1, W2)
        expected.append(mse_nq(y_pred, Y))
        grad_W1, grad_W2 = backward(X, Y, W2, z, h, y_pred)
        G1 += grad_W1
        G2 += grad_W2
        W1 -= LEARNING_RATE * G1
        W2 -= LEARNING_RATE * G2
    X, Y, model, optimizer = reference_model()
    # the same operations in the same order: the same bits
    np.testing.assert_array_equal(train_loop(model, optimizer, X, Y, 5, zero_grad=False), expected)
    np.testing.assert_array_equal(model[0].W.data, W1)
    np.testing.assert_array_equal(model[2].W.data, W2)


def test_reference_model_holds_fresh_reference_weights() -> None:
    X, Y, model, optimizer = reference_model()
    X0, Y0, W1, W2 = reference_problem()
    for ours, theirs in zip((X, Y, model[0].W.data, model[2].W.data), (X0, Y0, W1, W2)):
        np.testing.assert_array_equal(ours, theirs)
    assert [type(m) for m in model] == [Linear, ReLU, Linear]
    assert optimizer.params == model.parameters() and optimizer.lr == LEARNING_RATE
    assert reference_model()[2][0].W.data is not model[0].W.data


def test_train_loop_refuses_bad_arguments_before_any_update() -> None:
    X, Y, model, optimizer = reference_model()
    W1 = model[0].W.data.copy()
    with pytest.raises(TypeError, match="model must be a labcode.nn.Module, got function"):
        train_loop(relu, optimizer, X, Y, 1)
    with pytest.raises(TypeError, match="optimizer must be a labcode.optim.SGD, got list"):
        train_loop(model, [], X, Y, 1)
    with pytest.raises(ValueError, match=r"Y has shape \(63, 10\) but \(n, q\) was expected with n = 64"):
        train_loop(model, optimizer, X, Y[1:], 1)
    with pytest.raises(TypeError, match="zero_grad must be True or False, got int"):
        train_loop(model, optimizer, X, Y, 1, zero_grad=0)
    np.testing.assert_array_equal(model[0].W.data, W1)
    assert train_loop(model, optimizer, X, Y, 0).shape == (0,)


# --- nn, optim, trainer --------------------------------------------------------


def test_linear_trains_the_callers_array_in_place() -> None:
    X, Y, model, optimizer = reference_model()
    W1 = model[0].W.data
    before = W1.copy()
    Trainer(model, mean_squared_error, optimizer).fit(X, Y, 2)
    assert model[0].W.data is W1 and not np.array_equal(W1, before)


def test_linear_refuses_transposed_weights_and_missing_rng() -> None:
    with pytest.raises(ValueError, match=r"weight has shape \(10, 100\).*\(100, 10\)"):
        Linear(100, 10, weight=np.zeros((10, 100), dtype=np.float32))
    with pytest.raises(ValueError, match="rng="):
        Linear(3, 2)
    with pytest.raises(TypeError, match="floating-point"):
        Linear(1, 1, weight=np.zeros((1, 1), dtype=int))


def test_linear_with_bias_and_parameters_in_order() -> None:
    rng = np.random.default_rng(1)
    model = Sequential(Linear(3, 4, bias=True, rng=rng), ReLU(), Linear(4, 2, rng=rng))
    assert [p.shape for p in model.parameters()] == [(3, 4), (4,), (4, 2)]
    assert all(p.dtype == np.float32 for p in model.parameters())
    with pytest.raises(TypeError, match=r"layers\[1\] must be a Module, got function"):
        Sequential(Linear(3, 4, rng=rng), relu)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "F", "strided"])
def test_sgd_update_is_in_place_and_matches_numpy(dtype, layout) -> None:
    rng = np.random.default_rng(0)
    W = rng.standard_normal((30, 20)).astype(dtype)
    g = rng.standard_normal((30, 20)).astype(dtype)
    if layout == "F":
        W, g = np.asfortranarray(W), np.asfortranarray(g)
    elif layout == "strided":
        W, g = W[:, ::2], g[:, ::2]
    expected = W - dtype(0.1) * g
    g_before = g.copy()
    data = W
    sgd_update(W, g, 0.1)
    assert W is data
    np.testing.assert_allclose(W, expected, rtol=4 * np.finfo(dtype).eps)
    np.testing.assert_array_equal(g, g_before)


def test_sgd_updates_in_place_and_checks_its_arguments() -> None:
    w = Variable(np.array([1.0, 2.0]))
    data = w.data
    w.grad = np.array([1.0, 1.0])
    SGD([w], lr=0.5).step()
    assert w.data is data
    np.testing.assert_array_equal(data, [0.5, 1.5])
    with pytest.raises(ValueError, match=r"lr must be a finite number > 0, got 0.0"):
        SGD([w], lr=0.0)
    with pytest.raises(ValueError, match=r"params\[0\] must be a Variable that requires a gradient"):
        SGD([Variable(1.0, requires_grad=False)])


def test_mini_batches_cover_every_row_once_per_epoch() -> None:
    X = np.arange(14.0).reshape(7, 2)
    Y = np.arange(7.0).reshape(7, 1)
    seen = np.concatenate([yb for _, yb in batches(X, Y, 3, rng=np.random.default_rng(0))])
    assert sorted(seen.ravel().tolist()) == list(range(7))
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1, got 0"):
        list(batches(X, Y, 0))


def test_trainer_log_and_silent_progress(capsys) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 3))
    Y = X @ np.array([[1.0], [2.0], [3.0]])
    model = Linear(3, 1, rng=rng, dtype=np.float64)
    log = Trainer(model, mean_squared_error, SGD(model.parameters(), lr=0.05), batch_size=5, rng=rng).fit(X, Y, 5)
    assert [r.epoch for r in log] == [1, 2, 3, 4, 5]
    assert all(b.elapsed >= a.elapsed for a, b in zip(log.records, log.records[1:]))
    assert log.losses[-1] < log.losses[0]
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""  # no bar off a terminal, no table unless asked


def test_trainer_progress_bar_when_asked(capsys) -> None:
    model = Linear(1, 1, weight=np.zeros((1, 1)))
    Trainer(model, mean_squared_error, SGD(model.parameters(), lr=0.1)).fit(
        np.ones((2, 1)), np.ones((2, 1)), 3, progress=True, print_every=1
    )
    captured = capsys.readouterr()
    assert "epoch" in captured.err and "loss" in captured.out.splitlines()[0]
    assert len(captured.out.splitlines()) == 4  # header and three rows


# --- training that notices ------------------------------------------------------


@pytest.mark.parametrize("lr", [0.02, 0.5])
def test_train_by_hand_stops_when_the_loss_diverges_and_keeps_the_log(lr) -> None:
    """The log and the weights at the stop are those of a run that ends one epoch earlier."""
    X, Y, W1, W2 = reference_problem()
    with pytest.raises(FloatingPointError) as info:
        train_by_hand(X, Y, W1, W2, lr=lr, epochs=50)
    error = info.value
    assert 1 < error.epoch < 50 and f"at epoch {error.epoch} of 50" in str(error) and f"lr = {lr:g}" in str(error)
    assert error.log.shape == (error.epoch - 1,) and np.isfinite(error.log).all()
    X0, Y0, V1, V2 = reference_problem()
    shorter = train_by_hand(X0, Y0, V1, V2, lr=lr, epochs=error.epoch - 1)
    np.testing.assert_array_equal(error.log, shorter)
    np.testing.assert_array_equal(W1, V1)  # that epoch's update was not made
    np.testing.assert_array_equal(W2, V2)
    with np.errstate(over="ignore"):  # what the stop was about: these weights overflow the loss
        assert not np.isfinite(mse_nq(forward(X, W1, W2).y_pred, Y))


def test_train_by_hand_stops_at_once_on_nan_data() -> None:
    X, Y, W1, W2 = reference_problem()
    X[3, 7] = np.nan
    before = W1.copy(), W2.copy()
    with pytest.raises(FloatingPointError, match="the loss is nan at epoch 1 of 300") as info:
        train_by_hand(X, Y, W1, W2)
    assert info.value.epoch == 1 and info.value.log.shape == (0,)
    np.testing.assert_array_equal(W1, before[0])
    np.testing.assert_array_equal(W2, before[1])


def _diverging(batch_size=None, lr=4.0):
    model = Linear(1, 1, weight=np.zeros((1, 1)))
    return model, Trainer(model, mean_squared_error, SGD(model.parameters(), lr=lr), batch_size=batch_size)


@pytest.mark.parametrize("lr", [1.5, 4.0, 100.0])
def test_trainer_fit_stops_when_the_loss_diverges_and_keeps_the_log(lr) -> None:
    X, Y = np.ones((4, 1)), np.full((4, 1), 2.0)
    model, fit = _diverging(lr=lr)
    with pytest.raises(FloatingPointError) as info:
        fit.fit(X, Y, epochs=5000)
    error = info.value
    assert str(error).startswith(f"the loss is inf in epoch {error.epoch} (batch 1)")
    assert len(error.log) == error.epoch - 1 and [r.epoch for r in error.log] == list(range(1, error.epoch))
    losses = error.log.losses
    assert np.isfinite(losses).all() and np.all(np.diff(losses) > 0)  # it grew every epoch
    twin, twin_fit = _diverging(lr=lr)
    np.testing.assert_array_equal(twin_fit.fit(X, Y, epochs=error.epoch - 1).losses, losses)
    np.testing.assert_array_equal(model.W.data, twin.W.data)  # the failing batch did not step


def test_trainer_fit_names_the_batch_and_stops_on_nan_data() -> None:
    X, Y = np.ones((6, 1)), np.full((6, 1), 2.0)
    Y[4] = np.nan
    model, fit = _diverging(batch_size=2, lr=0.1)
    with pytest.raises(FloatingPointError, match=r"the loss is nan in epoch 1 \(batch 3\)") as info:
        fit.fit(X, Y, epochs=3)
    assert info.value.epoch == 1 and len(info.value.log) == 0
    assert np.isfinite(model.W.data).all()  # two batches stepped, the third did not
