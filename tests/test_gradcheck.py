"""The gradient checker: differences, in-place restoration, block reports, directions."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import example, given, settings
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
    with pytest.raises(ValueError, match=r"x has shape \(2,\) but \(\) was expected \(0 dimensions, not 1\)"):
        central_difference(np.exp, np.ones(2), 1e-3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_differences_of_a_parabola_are_exact_with_a_power_of_two_step(dtype) -> None:
    """x**2 at 3 with h = 2**-10: (3 + h)**2 = 9 + 6h + h**2 needs 24 significant bits, so every
    value is exact in float32 and float64: forward gives 2x + h and central 2x, to the last bit."""
    x, h = dtype(3.0), 2.0**-10
    forward, central = forward_difference(np.square, x, h), central_difference(np.square, x, h)
    assert forward == 6.0 + h and central == 6.0
    assert forward.dtype == central.dtype == dtype


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
    with pytest.raises(ValueError, match=r"numeric has shape \(3,\) but \(2,\) was expected"):
        relative_error(np.ones(2), np.ones(3))


# --- in place, restored exactly ----------------------------------------------

special = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=64, min_value=-1e6, max_value=1e6),
    st.sampled_from([-0.0, 0.0, 5e-324, -5e-324, 1 / 3, 0.1]),
)


@settings(max_examples=50)
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

    with pytest.raises(TypeError, match=r"low must be float64, got float32 \(its eps 1\.2e-07"):
        numerical_gradient(loss, {"good": good, "low": low})
    read_only = np.ones(2)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read_only must be a writable array"):
        numerical_gradient(loss, {"read_only": read_only})
    with pytest.raises(TypeError, match="w must be a floating-point numpy array"):
        numerical_gradient(loss, {"w": [1.0, 2.0]})
    with pytest.raises(ValueError, match="method must be"):
        numerical_gradient(loss, {"good": good}, method="backward")
    with pytest.raises(ValueError, match=r"analytic\['good'\] has shape \(3,\) but \(2,\) was expected"):
        check_gradient(loss, {"good": good}, {"good": np.ones(3)})
    with pytest.raises(ValueError, match=r"analytic must be a mapping with the names of params, \['good'\], got \['other'\]"):
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


@given(size=st.integers(1, 3000), seed=st.integers(0, 2**32 - 1))
def test_a_random_direction_is_a_unit_vector_of_the_right_size(size: int, seed: int) -> None:
    from labcode.gradcheck import _random_direction

    v = _random_direction(np.random.default_rng(seed), size)
    assert v.shape == (size,) and v.dtype == np.float64
    assert abs(float(np.linalg.norm(v)) - 1.0) < 1e-12


@pytest.mark.parametrize("size", [1, 2, 7, 30, 101])
def test_no_entry_of_the_gradient_escapes_a_random_direction(size: int) -> None:
    """An error in any one entry (of a size that is not a square, so the last row of the
    outer product is cut, too) changes the derivative along every direction, and the check fails."""
    rng = np.random.default_rng(size)
    theta = np.linspace(-1.0, 1.0, size)
    for entry in range(size):
        def wrong(t, entry=entry):
            g = 2 * t
            g[entry] += 0.5
            return g

        report = directional_check(lambda t: float(t @ t), wrong, theta, rng, directions=3)
        assert not report.ok, (size, entry, report.errors)
        assert np.all(report.errors > 1e-6), (size, entry, report.errors)


def test_random_directions_spread_over_the_sphere() -> None:
    """Drawn many times, the direction's entries have mean 0 and mean square 1/P (as a Gaussian
    direction's do), and two directions are nearly orthogonal in a long vector."""
    from labcode.gradcheck import _random_direction

    rng = np.random.default_rng(0)
    size = 50
    draws = np.array([_random_direction(rng, size) for _ in range(4000)])
    assert np.allclose(draws.mean(axis=0), 0.0, atol=0.01)
    assert np.allclose((draws**2).mean(axis=0), 1 / size, rtol=0.2)
    long = [_random_direction(rng, 100_000) for _ in range(2)]
    assert abs(float(long[0] @ long[1])) < 0.02


def test_directional_check_refuses_bad_shapes() -> None:
    with pytest.raises(ValueError, match=r"theta has shape \(2, 2\) but \(P,\) was expected"):
        directional_check(lambda t: 0.0, lambda t: t, np.ones((2, 2)), np.random.default_rng(0))
    with pytest.raises(ValueError, match=r"grad\(theta\) has shape \(3,\) but \(P,\) was expected with P = 2 \(set by theta\)"):
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


# --- a checker that NaN cannot fool ------------------------------------------

nonfinite = st.sampled_from([np.nan, np.inf, -np.inf])


def test_the_issue_case_fails() -> None:
    w = np.array([1.0, 2.0])
    report = check_gradient(lambda: float(w @ w), {"w": w}, {"w": [np.nan, np.nan]})
    assert not report.ok and report.failing == ["w"] and np.isnan(report.max_error)
    assert report.blocks["w"].hint == "the analytic gradient is NaN or infinite at [0], [1]"
    assert "DISAGREES" in str(report) and "analytic nan" in str(report)


@settings(max_examples=50)
@given(
    w=arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 3)), elements=st.floats(-3, 3)),
    where=st.data(),
    bad=nonfinite,
)
def test_a_nonfinite_analytic_entry_fails_and_is_named(w, where, bad) -> None:
    """Every other entry is right (2w); the one NaN or infinity must fail the block and be named first."""
    index = (where.draw(st.integers(0, w.shape[0] - 1)), where.draw(st.integers(0, w.shape[1] - 1)))
    analytic = 2 * w
    analytic[index] = bad
    other = np.array([0.5])
    report = check_gradient(lambda: float(np.sum(w**2) + other[0] ** 2), {"w": w, "other": other},
                            {"w": analytic, "other": 2 * other})
    assert report.failing == ["w"] and not report.ok
    block = report.blocks["w"]
    assert block.worst[0][0] == index and np.isnan(block.worst[0][3])
    assert block.hint == f"the analytic gradient is NaN or infinite at {list(index)}"


@settings(max_examples=30)
@given(size=st.integers(1, 6), where=st.data(), bad=nonfinite)
def test_a_loss_that_is_not_finite_near_one_entry_fails_there(size, where, bad) -> None:
    """The numeric gradient is NaN or infinite at one entry (the loss blows up when it moves)."""
    w = np.linspace(-1.0, 1.0, size)
    at = where.draw(st.integers(0, size - 1))
    start = w[at]

    def loss():
        return float(np.sum(w**2)) + (bad if w[at] != start else 0.0)

    report = check_gradient(loss, {"w": w}, {"w": 2 * w})
    block = report.blocks["w"]
    assert not report.ok and block.worst[0][0] == (at,) and np.isnan(block.worst[0][3])
    assert block.hint.startswith(f"the numeric gradient is NaN or infinite at [{at}]")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_loss_that_is_not_finite_fails_every_block(bad) -> None:
    a, b = np.ones(2), np.ones(3)
    report = check_gradient(lambda: bad, {"a": a, "b": b}, {"a": np.zeros(2), "b": np.zeros(3)})
    assert report.failing == ["a", "b"]
    assert report.blocks["a"].hint == f"the loss is {bad} at these parameters: no gradient can be checked"


def test_relative_error_keeps_nan_and_infinity_as_nan() -> None:
    got = relative_error([np.nan, np.inf, 1.0, np.inf, 0.0], [np.nan, np.inf, np.nan, 1.0, 0.0])
    assert np.isnan(got[:4]).all() and got[4] == 0.0
    assert np.isnan(relative_error(np.nan, 0.0, floor=1.0))
    np.testing.assert_allclose(relative_error([1e308], [-1e308]), [2.0])  # a - b overflows, the ratio does not


def test_report_max_error_is_nan_whatever_the_block_order() -> None:
    a, b = np.ones(1), np.ones(1)
    for order in (("a", "b"), ("b", "a")):
        analytic = {"a": [np.nan], "b": [2.0]}
        report = check_gradient(lambda: float(a[0] ** 2 + b[0] ** 2), {k: {"a": a, "b": b}[k] for k in order},
                                {k: analytic[k] for k in order})
        assert np.isnan(report.max_error) and report.failing == ["a"]


bad_steps = [
    (float("nan"), ValueError), (float("inf"), ValueError), (0.0, ValueError), (-1e-6, ValueError),
    ("1e-6", TypeError), (True, TypeError), (1j, TypeError),
]


@pytest.mark.parametrize("h,error", bad_steps)
def test_bad_steps_are_refused_everywhere(h, error) -> None:
    w = np.array([1.0, 2.0])
    calls = []

    def loss():
        calls.append(1)
        return float(w @ w)

    for call in (
        lambda: numerical_gradient(loss, {"w": w}, h=h),
        lambda: numerical_gradient(loss, {"w": w}, h=h, method="forward"),
        lambda: check_gradient(loss, {"w": w}, {"w": 2 * w}, h=h),
        lambda: central_difference(np.exp, 1.0, h),
        lambda: forward_difference(np.exp, 1.0, h),
        lambda: directional_check(lambda t: float(t @ t), lambda t: 2 * t, w, np.random.default_rng(0), h=h),
    ):
        with pytest.raises(error, match=r"^h must be a"):
            call()
    assert calls == [] and w.tolist() == [1.0, 2.0]


def test_a_nan_step_no_longer_passes_a_wrong_gradient() -> None:
    """The issue: h = nan passed a gradient wrong by 2x; now it is refused, and h = 1e-6 catches it."""
    w = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="h must be a finite number > 0, got nan"):
        check_gradient(lambda: float(w @ w), {"w": w}, {"w": 4 * w}, h=float("nan"))
    assert not check_gradient(lambda: float(w @ w), {"w": w}, {"w": 4 * w}, h=1e-6).ok


def test_a_step_that_rounds_to_zero_in_float32_is_refused() -> None:
    with pytest.raises(ValueError, match=r"h must be a finite number > 0 in float32, got 1e-50"):
        central_difference(np.exp, np.float32(1.0), 1e-50)
    assert central_difference(np.exp, 1.0, 1e-50) == 0.0  # representable in float64: round-off, not an error


@pytest.mark.parametrize("directions,error", [(0, ValueError), (-2, ValueError), (2.0, TypeError), (True, TypeError)])
def test_directions_must_be_a_positive_int(directions, error) -> None:
    with pytest.raises(error, match=r"^directions must be an integer"):
        directional_check(lambda t: 0.0, lambda t: t, np.ones(2), np.random.default_rng(0), directions=directions)


@settings(max_examples=30)
@given(size=st.integers(1, 50), where=st.data(), bad=nonfinite)
def test_directional_check_fails_on_a_nonfinite_gradient_entry(size, where, bad) -> None:
    at = where.draw(st.integers(0, size - 1))

    def grad(t):
        g = 2 * t
        g[at] = bad
        return g

    report = directional_check(lambda t: float(t @ t), grad, np.ones(size), np.random.default_rng(0))
    assert not report.ok and np.isnan(report.errors).all()
    assert report.hint == f"grad(theta) is NaN or infinite at [{at}]"


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_directional_check_fails_on_a_loss_that_is_not_finite(bad) -> None:
    report = directional_check(lambda t: bad, lambda t: 2 * t, np.ones(4), np.random.default_rng(0))
    assert not report.ok and report.hint == "the loss is not finite within h of theta along direction 0"


def test_empty_or_missing_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="params must be a mapping with at least one array"):
        numerical_gradient(lambda: 0.0, {})
    with pytest.raises(ValueError, match=r"w has shape \(0,\) but an array with at least one entry"):
        check_gradient(lambda: 0.0, {"w": np.ones(0)}, {"w": np.ones(0)})
    with pytest.raises(ValueError, match=r"theta has shape \(0,\) but \(P,\) was expected with P >= 1"):
        directional_check(lambda t: 0.0, lambda t: t, np.ones(0), np.random.default_rng(0))


@given(size=st.integers(1, 2000), seed=st.integers(0, 2**32 - 1), wrong=st.floats(0.0, 0.5))
@example(size=1960, seed=57950, wrong=0.0)  # a correct gradient: the errors are round-off near 4e-7
def test_directional_check_matches_a_check_that_writes_each_direction_out(size: int, seed: int, wrong: float) -> None:
    """An independent computation: draw the same unit vectors v (same generator state), form
    theta +- h v and g . v explicitly, and compare the relative errors the check reports."""
    from labcode.gradcheck import _random_direction

    theta = np.random.default_rng(seed).standard_normal(size)
    scale = np.linspace(1.0, 3.0, size)

    def loss(t):
        return float(np.sum(scale * np.sin(t)))

    def grad(t):
        g = scale * np.cos(t)
        g[size // 2] += wrong  # a wrong entry, or none
        return g

    h = DEFAULT_STEP["central"]
    report = directional_check(loss, grad, theta, np.random.default_rng(seed + 1), directions=3)
    rng = np.random.default_rng(seed + 1)
    expected = []
    for _ in range(3):
        v = _random_direction(rng, size)
        numeric = (loss(theta + h * v) - loss(theta - h * v)) / (2 * h)
        expected.append(float(relative_error(grad(theta) @ v, numeric)))
    # Below the tolerance (1e-6) the errors are round-off, which the two ways of moving theta round differently.
    np.testing.assert_allclose(report.errors, expected, rtol=1e-3, atol=1e-6)


def test_directional_check_hands_out_read_only_vectors_and_leaves_theta_alone() -> None:
    theta = np.linspace(-1.0, 1.0, 50)
    before = theta.copy()
    seen = []

    def loss(t):
        seen.append(t.flags.writeable)
        return float(t @ t)

    def grad(t):
        seen.append(t.flags.writeable)
        with pytest.raises(ValueError, match="read-only"):
            t[0] = 5.0
        return 2 * t

    report = directional_check(loss, grad, theta, np.random.default_rng(0))
    assert report.ok and seen == [False] * 7
    assert np.array_equal(theta, before) and theta.flags.writeable


def test_directional_check_runs_on_numpys_blas_alone() -> None:
    """scipy's BLAS is a second OpenBLAS with threads of its own: a rank-1 update by it between the loss's
    matrix products made the whole check about 4 times slower with BLAS threads as installed. In a process of
    its own, a check leaves scipy.linalg unimported."""
    code = """
import sys
import numpy as np
from labcode.gradcheck import directional_check
A = np.random.default_rng(1).standard_normal((300, 400))
report = directional_check(lambda t: float(np.sum((A @ t) ** 2)), lambda t: 2 * A.T @ (A @ t),
                           np.ones(400), np.random.default_rng(0))
print(report.ok, "scipy.linalg" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "True False"


def test_directional_check_names_at_most_three_bad_entries_and_none_of_a_huge_finite_gradient() -> None:
    """Five NaN entries: three are named, with a count of the rest. A gradient whose entries are all
    finite but whose sum overflows is not called NaN or infinite (the check still fails on it)."""
    def nan_grad(t):
        g = 2 * t
        g[[1, 3, 5, 7, 9]] = np.nan
        return g

    report = directional_check(lambda t: float(t @ t), nan_grad, np.ones(12), np.random.default_rng(0))
    assert report.hint == "grad(theta) is NaN or infinite at [1], [3], [5] and 2 more" and not report.ok

    huge = directional_check(lambda t: float(t @ t), lambda t: np.full(t.shape, 1e308), np.ones(4),
                             np.random.default_rng(0))
    assert huge.hint is None and not huge.ok


@pytest.mark.parametrize(("numeric", "analytic", "n", "hint"), [
    ([1.0, 2.0, 3.0], [10.0, 20.0, 30.0], 10,
     "numeric/analytic = 1/n (n = 10) on every entry: the analytic gradient forgot the 1/n"),
    ([10.0, 20.0, 30.0], [1.0, 2.0, 3.0], 10,
     "numeric/analytic = n (n = 10) on every entry: the analytic gradient divides by n twice"),
    ([-1.0, 2.0, -3.0], [1.0, -2.0, 3.0], None,
     "numeric/analytic = -1 on every entry: the analytic gradient has the wrong sign"),
    ([-1.5, 3.0], [1.0, -2.0], None, "numeric/analytic = -1.5 on every entry: a constant factor is wrong"),
    ([1.5, 3.0], [10.0, 20.0], 10, "numeric/analytic = 0.15 on every entry: a constant factor is wrong"),
    ([5.0, 2.0, 4.0], [1e-15, 1.0, 2.0], None, "numeric/analytic = 2 on every entry: a constant factor is wrong"),
    ([1.0, 1.5], [1.0, 1.0], None, None),              # not one constant
    ([1e-3, 1.0005e-3], [1.0, 1.0], None, None),       # a small ratio that is not one constant either
    ([1e-13, 1.0], [1.0, 1e-13], None, None),          # nothing above the noise in both
])
def test_the_ratio_hint_names_each_constant_factor(numeric, analytic, n, hint) -> None:
    """Entries where either gradient is noise (below 1e-12) are left out of the ratio."""
    from labcode.gradcheck import _ratio_hint

    assert _ratio_hint(np.array(analytic), np.array(numeric), n) == hint


def test_check_gradient_uses_its_step_and_lists_the_three_worst_entries_worst_first() -> None:
    """sum(sin w) at w: the central difference with step h is off by a relative h^2/6 (its Taylor
    series), so the step the caller gives is the one used; the worst entries are listed in order."""
    w = np.ones(6)
    exact = {"w": np.cos(w)}
    coarse = check_gradient(lambda: float(np.sum(np.sin(w))), {"w": w}, exact, h=1e-2)
    assert coarse.max_error == pytest.approx(1e-4 / 6, rel=1e-2)
    assert check_gradient(lambda: float(np.sum(np.sin(w))), {"w": w}, exact).max_error < 1e-9

    wrong = {"w": np.cos(w) * np.array([1.0, 1.5, 1.1, 3.0, 1.2, 2.0])}
    block = check_gradient(lambda: float(np.sum(np.sin(w))), {"w": w}, wrong).blocks["w"]
    assert [index for index, *_ in block.worst] == [(3,), (5,), (1,)]
    one = check_gradient(lambda: float(np.sum(np.sin(w))), {"w": w}, wrong, worst=1, n=1).blocks["w"]
    assert [index for index, *_ in one.worst] == [(3,)]


def test_check_gradient_names_the_entries_where_the_loss_is_not_finite() -> None:
    w = np.array([1.0, 0.0, 4.0])  # the loss is defined at w, but not a step below its entry 1

    def loss() -> float:
        return float(np.sum(np.sqrt(w))) if np.all(w >= 0) else float("nan")

    report = check_gradient(loss, {"w": w}, {"w": np.array([0.5, 1.0, 0.25])})
    assert report.blocks["w"].hint == ("the numeric gradient is NaN or infinite at [1]: "
                                       "the loss is not finite within h of these parameters")
