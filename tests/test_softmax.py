"""labcode.softmax against independent witnesses: scipy.special, HIPS autograd and
central differences, on random logits and labels drawn by hypothesis."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
import scipy.special
from autograd import grad, jacobian
from hypothesis import given, settings
from hypothesis import strategies as st

from labcode.gradcheck import check_gradient
from labcode.softmax import (
    accuracy,
    classifier_gradient,
    classifier_logits,
    cross_entropy,
    cross_entropy_gradient,
    init_classifier,
    log_softmax,
    make_spirals,
    one_hot,
    predict,
    softmax,
    softmax_jacobian,
    softmax_naive,
    train_classifier,
)

examples = settings(max_examples=50)
sizes = st.fixed_dictionaries({"n": st.integers(1, 9), "q": st.integers(1, 6)})
seeds = st.integers(0, 2**32 - 1)
# Logits of order one around an offset that can be huge: the stable forms must not care.
offsets = st.sampled_from([0.0, -30.0, 50.0, 700.0, 1000.0, -1e4])


def logits_and_labels(size: dict, seed: int, offset: float = 0.0):
    rng = np.random.default_rng(seed)
    n, q = size["n"], size["q"]
    Z = rng.standard_normal((n, q)) * 3 + offset
    labels = rng.integers(0, q, size=n)
    return Z, labels


# Written again with autograd.numpy, from the definitions, independently of labcode.
def autograd_softmax(z):
    e = anp.exp(z - anp.max(z, axis=-1, keepdims=True))
    return e / anp.sum(e, axis=-1, keepdims=True)


def autograd_cross_entropy(Z, Y):
    return -anp.sum(Y * anp.log(autograd_softmax(Z))) / Z.shape[0]


def autograd_classifier_loss(W1, b1, W2, b2, X, Y):
    H = anp.maximum(anp.dot(X, W1) + b1, 0.0)
    return autograd_cross_entropy(anp.dot(H, W2) + b2, Y)


# --- softmax and log-softmax -------------------------------------------------


@examples
@given(size=sizes, seed=seeds, offset=offsets)
def test_softmax_and_log_softmax_match_scipy(size, seed, offset) -> None:
    Z, _ = logits_and_labels(size, seed, offset)
    P = softmax(Z)
    np.testing.assert_allclose(P, scipy.special.softmax(Z, axis=1), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(log_softmax(Z), scipy.special.log_softmax(Z, axis=1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-14)
    assert np.all(np.isfinite(log_softmax(Z)))


@examples
@given(size=sizes, seed=seeds, shift=st.floats(-1e3, 1e3))
def test_softmax_ignores_a_constant_added_to_a_row(size, seed, shift) -> None:
    Z, _ = logits_and_labels(size, seed)
    np.testing.assert_allclose(softmax(Z + shift), softmax(Z), rtol=1e-9, atol=1e-15)


def test_one_row_is_the_same_as_a_matrix_of_one_row() -> None:
    z = np.array([0.5, -1.0, 2.0])
    np.testing.assert_array_equal(softmax(z), softmax(z[None])[0])
    np.testing.assert_array_equal(log_softmax(z), log_softmax(z[None])[0])


def test_naive_softmax_overflows_where_the_stable_one_is_exact() -> None:
    Z = np.array([[1000.0, 1000.0, 1000.0, 1000.0]])
    with np.errstate(over="ignore", invalid="ignore"):
        assert np.all(np.isnan(softmax_naive(Z)))
    with np.errstate(all="raise"):
        np.testing.assert_array_equal(softmax(Z), np.full((1, 4), 0.25))
        with pytest.raises(FloatingPointError):
            softmax_naive(Z)


# --- cross-entropy and its gradient --------------------------------------------


@examples
@given(size=sizes, seed=seeds, offset=st.sampled_from([0.0, 20.0, -50.0]))
def test_cross_entropy_and_gradient_match_autograd(size, seed, offset) -> None:
    Z, labels = logits_and_labels(size, seed, offset)
    Y = one_hot(labels, size["q"])
    assert cross_entropy(Z, labels) == pytest.approx(autograd_cross_entropy(Z, Y), rel=1e-12, abs=1e-14)
    G = cross_entropy_gradient(Z, labels)
    np.testing.assert_allclose(G, grad(autograd_cross_entropy)(Z, Y), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(G.sum(axis=1), 0.0, atol=1e-15)
    np.testing.assert_array_equal(G, cross_entropy_gradient(Z, Y))  # integer and one-hot labels agree


@examples
@given(size=sizes, seed=seeds)
def test_cross_entropy_gradient_matches_central_differences(size, seed) -> None:
    Z, labels = logits_and_labels(size, seed)
    G = cross_entropy_gradient(Z, labels)
    # Small entries are compared absolutely, to 1e-7 of the gradient's scale (as in
    # test_gradients.py): a central difference's truncation error is absolute.
    scale = max(1.0, float(np.abs(G).max()))
    report = check_gradient(lambda: cross_entropy(Z, labels), {"Z": Z}, {"Z": G}, floor=0.1 * scale)
    assert report.ok, str(report)


@examples
@given(q=st.integers(1, 7), seed=seeds, offset=offsets)
def test_softmax_jacobian_matches_autograd(q, seed, offset) -> None:
    z = np.random.default_rng(seed).standard_normal(q) * 3 + offset
    J = softmax_jacobian(z)
    np.testing.assert_allclose(J, jacobian(autograd_softmax)(z), rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(J, J.T, rtol=0, atol=0)
    np.testing.assert_allclose(J.sum(axis=0), 0.0, atol=1e-15)


@examples
@given(q=st.integers(1, 7), seed=seeds)
def test_jacobian_times_cross_entropy_gradient_collapses_to_p_minus_y(q, seed) -> None:
    rng = np.random.default_rng(seed)
    z = rng.standard_normal(q)
    y = one_hot([int(rng.integers(q))], q)[0]
    p = softmax(z)
    np.testing.assert_allclose(softmax_jacobian(z) @ (-y / p), p - y, rtol=1e-10, atol=1e-15)


def test_soft_labels_are_allowed_and_the_gradient_still_holds() -> None:
    rng = np.random.default_rng(5)
    Z = rng.standard_normal((4, 3))
    Y = scipy.special.softmax(rng.standard_normal((4, 3)), axis=1)
    np.testing.assert_allclose(cross_entropy_gradient(Z, Y), grad(autograd_cross_entropy)(Z, Y), rtol=1e-10)


# --- the classifier ------------------------------------------------------------


@examples
@given(size=st.fixed_dictionaries({"n": st.integers(1, 8), "p": st.integers(1, 4),
                                   "d": st.integers(1, 5), "q": st.integers(1, 4)}), seed=seeds)
def test_classifier_gradient_matches_autograd(size, seed) -> None:
    rng = np.random.default_rng(seed)
    n, p, d, q = size["n"], size["p"], size["d"], size["q"]
    X = rng.standard_normal((n, p))
    labels = rng.integers(0, q, size=n)
    params = init_classifier(p, d, q, rng)
    params["b1"] = rng.standard_normal(d)  # non-zero biases, so that their gradient is exercised
    params["b2"] = rng.standard_normal(q)
    before = {k: v.copy() for k, v in params.items()}
    loss, grads = classifier_gradient(params, X, labels)
    args = (params["W1"], params["b1"], params["W2"], params["b2"], X, one_hot(labels, q))
    assert loss == pytest.approx(autograd_classifier_loss(*args), rel=1e-12, abs=1e-14)
    for i, name in enumerate(("W1", "b1", "W2", "b2")):
        np.testing.assert_allclose(grads[name], grad(autograd_classifier_loss, i)(*args), rtol=1e-9, atol=1e-14)
        np.testing.assert_array_equal(params[name], before[name])  # nothing modified
    np.testing.assert_allclose(cross_entropy(classifier_logits(params, X), labels), loss, rtol=1e-14)


def test_training_is_seeded_and_learns_the_spirals() -> None:
    X, labels = make_spirals(30, 3, np.random.default_rng(0))
    one = train_classifier(X, labels, 16, np.random.default_rng(1), epochs=300)
    two = train_classifier(X, labels, 16, np.random.default_rng(1), epochs=300)
    np.testing.assert_array_equal(one.losses, two.losses)
    assert one.losses[-1] < one.losses[0] / 3
    assert one.accuracy == accuracy(predict(one.params, X), labels) > 0.8
    # The first loss is the loss of the initial parameters.
    initial = init_classifier(2, 16, 3, np.random.default_rng(1))
    assert one.losses[0] == classifier_gradient(initial, X, labels)[0]


def test_spirals_are_seeded_and_balanced() -> None:
    X1, l1 = make_spirals(40, 4, np.random.default_rng(7))
    X2, l2 = make_spirals(40, 4, np.random.default_rng(7))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(l1, l2)
    assert X1.shape == (160, 2) and np.bincount(l1).tolist() == [40] * 4
    assert np.max(np.linalg.norm(X1, axis=1)) <= 1.0 + 1e-12
    assert not np.array_equal(X1, make_spirals(40, 4, np.random.default_rng(8))[0])


# --- bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: softmax([["a", "b"]]), TypeError, "Z must be an array of real numbers"),
        (lambda: softmax(np.array([[True, False]])), TypeError, "Z must be an array of real numbers, got dtype bool"),
        (lambda: softmax(np.ones((2, 2, 2))), ValueError, r"Z has shape \(2, 2, 2\) but \(n, q\) or \(q,\)"),
        (lambda: softmax(np.ones((3, 0))), ValueError, r"Z has shape \(3, 0\)"),
        (lambda: softmax([[0.0, np.inf]]), ValueError, r"Z has a non-finite entry at \[0, 1\]: inf"),
        (lambda: log_softmax([[0.0, np.nan]]), ValueError, "Z has a non-finite entry"),
        (lambda: cross_entropy(np.zeros((2, 3)), [0, 1, 2]), ValueError, r"Y has shape \(3,\) but \(n,\)"),
        (lambda: cross_entropy(np.zeros((2, 3)), [0.0, 1.0]), TypeError, "Y must hold integer class labels"),
        (lambda: cross_entropy(np.zeros((2, 3)), [0, 3]), ValueError, r"labels\[1\] = 3 is not a class"),
        (lambda: cross_entropy(np.zeros((2, 3)), np.ones((2, 3))), ValueError, "Y row 0 is not a probability vector"),
        (lambda: cross_entropy(np.zeros((2, 3)), np.eye(2)), ValueError, r"Y has shape \(2, 2\) but \(n, q\)"),
        (lambda: cross_entropy_gradient(np.zeros(3), [0]), ValueError, r"Z has shape \(3,\) but \(n, q\)"),
        (lambda: softmax_jacobian(np.zeros((2, 2))), ValueError, r"z has shape \(2, 2\) but \(q,\)"),
        (lambda: one_hot([0, 1], 0), ValueError, "q must be a positive integer"),
        (lambda: make_spirals(10, 3, 0), TypeError, "rng must be a numpy.random.Generator, got int"),
        (lambda: make_spirals(1, 3, np.random.default_rng()), ValueError, "n_per_class must be an integer of at least 2"),
        (lambda: make_spirals(5, 3, np.random.default_rng(), noise=-1.0), ValueError, "noise must be >= 0"),
        (lambda: classifier_logits({"W1": np.ones((2, 3))}, np.ones((1, 2))), ValueError, r"params lacks \['W2', 'b1', 'b2'\]"),
        (lambda: train_classifier(np.ones((4, 2)), [0, 1, 0], 3, np.random.default_rng()), ValueError,
         r"labels has shape \(3,\) but \(n,\) was expected with n = 4"),
        (lambda: train_classifier(np.ones((2, 2)), [0, 1], 3, np.random.default_rng(), lr=0.0), ValueError,
         "lr must be positive"),
        (lambda: train_classifier(np.ones((2, 2)), [0, 1], 3, np.random.default_rng(), epochs=0), ValueError,
         "epochs must be a positive integer"),
        (lambda: accuracy([0, 1], [0, 1, 1]), ValueError, r"labels has shape \(3,\) but \(n,\)"),
    ],
)
def test_bad_input_is_named(call, error, message) -> None:
    with pytest.raises(error, match=message):
        call()


def test_shapes_that_do_not_chain_are_named_and_nothing_changes() -> None:
    params = init_classifier(2, 3, 4, np.random.default_rng(0))
    before = {k: v.copy() for k, v in params.items()}
    with pytest.raises(ValueError, match=r"W1 has shape \(2, 3\) but \(p, d\) was expected with p = 3 \(set by X\)"):
        classifier_gradient(params, np.ones((5, 3)), [0] * 5)
    params["b1"] = np.zeros(4)
    with pytest.raises(ValueError, match=r"b1 has shape \(4,\) but \(d,\) was expected with d = 3"):
        classifier_gradient(params, np.ones((5, 2)), [0] * 5)
    for name in ("W1", "W2", "b2"):
        np.testing.assert_array_equal(params[name], before[name])
