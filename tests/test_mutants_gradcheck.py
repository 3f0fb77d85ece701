"""labcode.gradcheck: what the mutation run showed untested.

Checked here: `directional_check` steps along *unit* directions (on a smooth
loss that is not quadratic, a step 30 times longer would fail a correct
gradient) and evaluates in float64 whatever ``theta``'s dtype; non-finite
entries are named with a count of those not shown; a bad step in
`difference_errors` is named by its value; arguments of the wrong kind are
refused naming their type.
"""

from __future__ import annotations

import numpy as np
import pytest

from labcode.gradcheck import check_gradient, difference_errors, directional_check


def test_directional_check_steps_along_unit_vectors() -> None:
    # sum(sin(20 t)) has large third derivatives: with h = cbrt(eps) along a
    # unit vector the central difference is good to ~1e-9, but along a vector
    # of length ~1000 (a normal draw not divided but multiplied by its norm)
    # the truncation error (~ (1000 h)^2) is ~5e-5 and fails the tolerance.
    theta = np.linspace(-1.0, 1.0, 1000)
    report = directional_check(lambda t: float(np.sum(np.sin(20 * t))), lambda t: 20 * np.cos(20 * t), theta,
                               np.random.default_rng(0), directions=4)
    assert report.ok, report.errors
    assert report.loss_calls == 8


def test_directional_check_evaluates_in_float64() -> None:
    seen = []

    def loss(t):
        seen.append(t.dtype)
        return float(np.sum(t * t))

    def grad(t):
        seen.append(t.dtype)
        return (2 * t).astype(np.float32)

    theta = np.arange(1, 6, dtype=np.float32) / 8
    report = directional_check(loss, grad, theta, np.random.default_rng(1), directions=2)
    assert report.ok
    assert set(seen) == {np.dtype(np.float64)}


def test_directional_check_refuses_args_that_are_not_a_tuple() -> None:
    with pytest.raises(TypeError) as excinfo:
        directional_check(lambda t, a: float(t @ t), lambda t, a: 2 * t, np.ones(3), np.random.default_rng(0),
                          args=[1.0])
    assert "list" in str(excinfo.value)


@pytest.mark.parametrize(("nans", "more"), [(2, None), (3, None), (5, 2)])
def test_non_finite_entries_are_named_with_a_count_of_the_rest(nans, more) -> None:
    w = np.arange(1.0, 6.0)
    analytic = 2 * w
    analytic[:nans] = np.nan
    report = check_gradient(lambda: float(w @ w), {"w": w}, {"w": analytic}, worst=3)
    assert not report.ok
    hint = report.blocks["w"].hint
    for i in range(min(nans, 3)):
        assert f"[{i}]" in hint
    if more is None:
        assert "more" not in hint
    else:
        assert f"and {more} more" in hint


def test_difference_errors_names_the_first_bad_step() -> None:
    with pytest.raises(ValueError) as excinfo:
        difference_errors(np.exp, np.exp, 0.0, [0.5, 2.0, -4.0, 0.0])
    assert "-4.0" in str(excinfo.value)
