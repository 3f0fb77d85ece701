"""The gradient checker: differences, in-place restoration, block reports, directions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from labcode.activations import sigmoid, sigmoid_prime
from labcode.gradcheck import (
    DEFAULT_STEP,
    central_difference,
    check_gradient,
    difference_errors,
    directional_check,
    forward_difference,
    numerical_gradient,
    relative_error,
)
from labcode.gradients import net_gradient, net_gradient_flat, net_loss, net_loss_flat, pack


def source_problem(seed: int = 0):
    """The source's case: n = 100, p = 3, d = 2, one output."""
    rng = np.random.default_rng(seed)
    return (
        rng.standard_normal((100, 3)),
        rng.standard_normal((100, 1)),
        rng.standard_normal((3, 2)),
        rng.standard_normal((2, 1)),
    )


# --- differences of one number -----------------------------------------------


def test_difference_orders() -> None:
    """Halving h halves the forward error (O(h)) and quarters the central one (O(h^2))."""
    e1 = difference_errors(np.exp, np.exp, 0.5, [1e-3, 5e-4])
    assert e1["forward"][0] / e1["forward"][1] == pytest.approx(2.0, rel=1e-2)
    assert e1["central"][0] / e1["central"][1] == pytest.approx(4.0, rel=1e-2)


def test_differences_compute_in_the_type_of_x() -> None:
    assert forward_difference(np.exp, np.float32(1.0), 1e-3).dtype == np.float32
    assert central_difference(np.exp, 1.0, 1e-3).dtype == np.float64
    with pytest.raises(ValueError, match="single number"):
        central_difference(np.exp, np.ones(2), 1e-3)


def test_best_steps_are_near_the_roots_of_eps() -> None:
    steps = np.logspace(-16, -1, 61)
    for dtype in (np.float64, np.float32):
        eps = float(np.finfo(dtype).eps)
        errors = difference_errors(sigmoid, sigmoid_prime, 1.0, steps, dtype)
        for name, root in (("forward", eps**0.5), ("central", eps ** (1 / 3))):
            best = steps[np.argmin(errors[name])]
            assert abs(np.log10(best / root)) <= 1.0, (dtype, name, best)


def test_float32_cannot_reach_a_float64_bound() -> None:
    steps = np.logspace(-8, -1, 29)
    errors = difference_errors(sigmoid, sigmoid_prime, 1.0, steps, np.float32)
    assert min(errors["central"].min(), errors["forward"].min()) > 1e-9


def test_relative_error() -> None:
    np.testing.assert_array_equal(relative_error([0.0, 1.0, -1.0], [0.0, 1.0, 1.0]), [0.0, 0.0, 2.0])
    np.testing.assert_allclose(relative_error([1e-12], [0.0], floor=1e-6), [1e-6])
    with pytest.raises(ValueError, match=r"analytic has shape \(2,\) but numeric has shape \(3,\)"):
        relative_error(np.ones(2), np.ones(3))


# --- in place, restored exactly ----------------------------------------------

special = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64, min_value=-1e6, max_value=1e6),
    st.sampled_from([-0.0, 0.0, 5e-324, -5e-324, 1 / 3, 0.1]),
)


@settings(max_examples=50, deadline=None)
@given(
    a=arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 3)), elements=special),
    b=arrays(np.float64, st.integers(1, 5), elements=special),
    fail_at=st.integers(1, 12),
    method=st.sampled_from(["central", "forward"]),
)
def test_arrays_are_restored_bit_for_bit_even_when_the_loss_raises(a, b, fail_at, method) -> None:
    before = (a.tobytes(), b.tobytes())
    calls = []

    def loss():
        calls.append(1)
        if len(calls) == fail_at:
            raise RuntimeError("boom")
        return float(np.sum(np.sin(a)) + np.sum(b**2))

    try:
        numerical_gradient(loss, {"a": a, "b": b}, method=method)
    except RuntimeError:
        pass
    assert (a.tobytes(), b.tobytes()) == before


def test_arrays_are_perturbed_in_place() -> None:
    w = np.zeros(3)
    seen = []

    def loss():
        seen.append(w.copy())
        return float(w.sum())

    numerical_gradient(loss, {"w": w}, h=0.5)
    assert seen[0].tolist() == [0.5, 0.0, 0.0] and seen[1].tolist() == [-0.5, 0.0, 0.0]
    assert w.tolist() == [0.0, 0.0, 0.0]


def test_bad_parameters_are_refused_before_anything_changes() -> None:
    good, low = np.ones(2), np.ones(2, dtype=np.float32)
    calls = []

    def loss():
        calls.append(1)
        return 0.0

    with pytest.raises(ValueError, match=r"low is float32; gradients are checked in float64 \(its eps 1\.2e-07"):
        numerical_gradient(loss, {"good": good, "low": low})
    read_only = np.ones(2)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read_only is read-only"):
        numerical_gradient(loss, {"read_only": read_only})
    with pytest.raises(TypeError, match="must be a numpy array"):
        numerical_gradient(loss, {"w": [1.0, 2.0]})
    with pytest.raises(ValueError, match="method must be"):
        numerical_gradient(loss, {"good": good}, method="backward")
    with pytest.raises(ValueError, match=r"the analytic gradient of good has shape \(3,\)"):
        check_gradient(loss, {"good": good}, {"good": np.ones(3)})
    with pytest.raises(ValueError, match="analytic has blocks"):
        check_gradient(loss, {"good": good}, {"other": np.ones(2)})
    assert calls == [] and good.tolist() == [1.0, 1.0]


def test_default_steps_are_the_roots_of_eps() -> None:
    eps = np.finfo(np.float64).eps
    assert DEFAULT_STEP["forward"] == pytest.approx(np.sqrt(eps))
    assert DEFAULT_STEP["central"] == pytest.approx(np.cbrt(eps))


# --- the block report --------------------------------------------------------


def _report(gradient, name="sigmoid", **kwargs):
    X, Y, beta1, beta2 = source_problem()
    g1, g2 = gradient(beta1, beta2, X, Y)
    return check_gradient(
        lambda: net_loss(beta1, beta2, X, Y, name),
        {"beta1": beta1, "beta2": beta2},
        {"beta1": g1, "beta2": g2},
        n=X.shape[0],
        **kwargs,
    )


def test_correct_gradient_passes_every_block() -> None:
    report = _report(net_gradient)
    assert report.ok and report.failing == [] and report.max_error < 1e-7
    assert all(block.hint is None for block in report.blocks.values())
    assert "DISAGREES" not in str(report)


def test_forgotten_one_over_n_is_named() -> None:
    def missing_n(beta1, beta2, X, Y):
        g1, g2 = net_gradient(beta1, beta2, X, Y)
        return g1 * X.shape[0], g2

    report = _report(missing_n)
    assert report.failing == ["beta1"]
    assert "forgot the 1/n" in report.blocks["beta1"].hint
    assert report.blocks["beta2"].hint is None
    assert "beta1 (3, 2): max relative error" in str(report) and "hint: numeric/analytic = 1/n" in str(report)


def test_phi_not_applied_is_located_in_its_block() -> None:
    def phi_forgotten(beta1, beta2, X, Y):
        g1, _ = net_gradient(beta1, beta2, X, Y)
        Z = X @ beta1
        return g1, -2.0 * Z.T @ (Y - sigmoid(Z) @ beta2) / X.shape[0]

    report = _report(phi_forgotten)
    assert report.failing == ["beta2"]
    worst = report.blocks["beta2"].worst
    assert worst[0][3] >= worst[-1][3] > 1e-2  # worst first


def test_other_constant_factors_get_a_hint() -> None:
    def doubled(beta1, beta2, X, Y):
        g1, g2 = net_gradient(beta1, beta2, X, Y)
        return g1, 2 * g2

    def flipped(beta1, beta2, X, Y):
        g1, g2 = net_gradient(beta1, beta2, X, Y)
        return -g1, g2

    assert "= 0.5 on every entry" in _report(doubled).blocks["beta2"].hint
    assert "wrong sign" in _report(flipped).blocks["beta1"].hint


def test_forward_differences_pass_a_looser_bound() -> None:
    assert _report(net_gradient, method="forward", tol=1e-4).ok


# --- the directional check ---------------------------------------------------


def test_directional_check_passes_and_fails_and_costs_2k_calls() -> None:
    X, Y, beta1, beta2 = source_problem()
    theta = pack(beta1, beta2)
    before = theta.tobytes()
    args = (X, Y, 2, "sigmoid")
    good = directional_check(net_loss_flat, net_gradient_flat, theta, np.random.default_rng(0), args=args)
    assert good.ok and good.loss_calls == 6 and theta.tobytes() == before

    def wrong(theta, *args):
        g = net_gradient_flat(theta, *args)
        g[0] *= 1.01
        return g

    bad = directional_check(net_loss_flat, wrong, theta, np.random.default_rng(0), args=args)
    assert not bad.ok


@pytest.mark.parametrize("size", [10, 10_000])
def test_directional_cost_does_not_grow_with_parameters(size) -> None:
    calls = []

    def loss(t):
        calls.append(1)
        return float(t @ t)

    report = directional_check(loss, lambda t: 2 * t, np.ones(size), np.random.default_rng(1), directions=4)
    assert report.ok and len(calls) == report.loss_calls == 8


def test_directional_check_refuses_bad_shapes() -> None:
    with pytest.raises(ValueError, match=r"theta must be a flat vector of shape \(P,\)"):
        directional_check(lambda t: 0.0, lambda t: t, np.ones((2, 2)), np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"grad returned shape \(3,\) but theta has shape \(2,\)"):
        directional_check(lambda t: 0.0, lambda t: np.ones(3), np.ones(2), np.random.default_rng(0))


def test_step_size_figure_is_registered() -> None:
    from labcode.figures import registry

    assert "step-size.svg" in registry()


def test_relu_at_the_kink_disagrees_and_away_from_it_agrees() -> None:
    X, Y, beta1, beta2 = source_problem()
    g1, g2 = net_gradient(beta1, beta2, X, Y, "relu")
    away = check_gradient(
        lambda: net_loss(beta1, beta2, X, Y, "relu"), {"beta1": beta1, "beta2": beta2}, {"beta1": g1, "beta2": g2}
    )
    x0 = X[0]
    beta1[2, 0] = -(x0[0] * beta1[0, 0] + x0[1] * beta1[1, 0]) / x0[2]  # sample 0 sits on the kink of unit 0
    assert abs((X @ beta1)[0, 0]) < 1e-12
    g1, g2 = net_gradient(beta1, beta2, X, Y, "relu")
    kink = check_gradient(
        lambda: net_loss(beta1, beta2, X, Y, "relu"), {"beta1": beta1, "beta2": beta2}, {"beta1": g1, "beta2": g2}
    )
    assert away.ok and kink.failing == ["beta1"]


def test_round_off_floor_passes_tiny_entries_and_still_catches_bugs_in_them() -> None:
    """Without the floor, a correct gradient with tiny entries fails on round-off alone."""
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((100, 20)), rng.standard_normal((100, 1))
    beta1, beta2 = 0.1 * rng.standard_normal((20, 50)), 0.1 * rng.standard_normal((50, 1))
    g1, g2 = net_gradient(beta1, beta2, X, Y)

    def run(analytic1, **kwargs):
        return check_gradient(lambda: net_loss(beta1, beta2, X, Y), {"beta1": beta1, "beta2": beta2},
                              {"beta1": analytic1, "beta2": g2}, **kwargs)

    assert not run(g1, floor=0.0).ok
    assert run(g1).ok
    tiny = np.unravel_index(np.argmin(np.abs(g1)), g1.shape)
    assert abs(g1[tiny]) < 1e-5
    wrong = g1.copy()
    wrong[tiny] += 1e-6
    report = run(wrong)
    assert report.failing == ["beta1"] and report.blocks["beta1"].worst[0][0] == tuple(map(int, tiny))
