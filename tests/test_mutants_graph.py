"""labcode.graph: what the mutation run showed untested.

Checked here: `AddUnit.backward` and `FanOut.backward` default to a gradient of 1;
a bad gradient's error names the unit it was given to; `format_trace` lays
out a left-aligned table with no trailing blanks, accepts ``digits=0`` and
refuses columns that are not all names.
"""

from __future__ import annotations

import numpy as np
import pytest

from labcode.graph import AddUnit, AddConst, Chain, FanOut, MultiplyUnit, Power, Scale, format_trace, trace


def test_add_and_fan_out_backward_start_from_a_gradient_of_one() -> None:
    add = AddUnit(name="the sum")
    add.forward(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    ga, gb = add.backward()
    np.testing.assert_array_equal(ga, [1.0, 1.0])
    np.testing.assert_array_equal(gb, [1.0, 1.0])
    fan = FanOut(name="the copy")
    fan.forward(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(fan.backward(), [2.0, 2.0])  # 1 + 1, one per path
    np.testing.assert_array_equal(fan.backward(np.array([0.5, 1.0])), [1.5, 2.0])
    np.testing.assert_array_equal(fan.backward(grad_2=np.array([0.25, 4.0])), [1.25, 5.0])


@pytest.mark.parametrize("which", ["add", "fan grad_1", "fan grad_2"])
def test_a_gradient_of_the_wrong_shape_is_refused_naming_the_unit(which) -> None:
    bad = np.ones(3)
    if which == "add":
        unit = AddUnit(name="the sum")
        unit.forward(np.ones(2), np.ones(2))
        call = lambda: unit.backward(bad)  # noqa: E731
    else:
        unit = FanOut(name="the copy")
        unit.forward(np.ones(2))
        call = (lambda: unit.backward(bad, np.ones(2))) if which.endswith("1") else (
            lambda: unit.backward(np.ones(2), bad))
    with pytest.raises(ValueError) as excinfo:
        call()
    assert unit.name in str(excinfo.value)


def _rows():
    return trace(Chain([Scale(2.0, name="b"), AddConst(0.5, name="longer name")]), 1.25)


def test_format_trace_is_a_left_aligned_table_without_trailing_blanks() -> None:
    rows = _rows()
    lines = format_trace(rows).splitlines()
    assert len(lines) == 1 + len(rows)
    assert lines[0].split() == ["node", "value", "local", "upstream", "downstream"]
    for line, row in zip(lines[1:], rows):
        assert line.startswith(row.name)  # left-aligned first column
    for line in lines:
        assert line == line.rstrip() and not line.startswith(" ")
    # every column starts where its header starts
    starts = [lines[0].index(word) for word in lines[0].split()]
    for line in lines[1:]:
        for start in starts[1:]:
            assert line[start - 1] == " " and line[start] != " "
    assert lines[1].split()[1:] == ["2.5", "2.0", "1.0", "2.0"]  # y = 2x = 2.5; dy/dx = 2


def test_format_trace_digits_zero_and_bad_columns() -> None:
    rows = _rows()
    assert format_trace(rows, columns=["value"], digits=0).splitlines()[2].split()[-1] == "3"  # 3.0 to 0 digits
    with pytest.raises(TypeError):
        format_trace(rows, columns=["value", 1])
    with pytest.raises(TypeError) as excinfo:
        format_trace(5)
    assert "int" in str(excinfo.value)
    with pytest.raises(TypeError) as excinfo:
        format_trace([rows[0], 3.0])
    assert "float" in str(excinfo.value)


def test_add_has_its_default_name_and_needs_a_forward_first() -> None:
    add = AddUnit()
    assert add.name == "add"
    with pytest.raises(RuntimeError) as excinfo:
        add.backward()
    assert "add" in str(excinfo.value)


def test_chain_and_trace_refuse_what_is_not_a_sequence_of_units() -> None:
    with pytest.raises(TypeError):
        Chain(iter([Scale(2.0)]))  # a generator is not a sequence
    with pytest.raises(TypeError) as excinfo:
        Chain([Scale(2.0), 3])
    assert "int" in str(excinfo.value)
    with pytest.raises(TypeError) as excinfo:
        trace([Scale(2.0)], 1.0)
    assert "list" in str(excinfo.value)


@pytest.mark.parametrize(("p", "x", "value", "slope"), [
    (0.0, [0.0, 2.0], [1.0, 1.0], [0.0, 0.0]),   # x**0 = 1 everywhere, slope 0 (not 0 * 0**-1)
    (1.0, [0.0, 2.0], [0.0, 2.0], [1.0, 1.0]),
    (1.5, [0.0, 4.0], [0.0, 8.0], [0.0, 3.0]),
    (0.5, [1.0, 4.0], [1.0, 2.0], [0.5, 0.25]),
    (2.0, [-3.0, 0.5], [9.0, 0.25], [-6.0, 1.0]),
    (-1.0, [2.0, -0.5], [0.5, -2.0], [-0.25, -4.0]),
])
def test_power_values_and_slopes_exact(p, x, value, slope) -> None:
    unit = Power(p)
    np.testing.assert_array_equal(unit.forward(np.array(x)), value)
    local = unit.local_derivative()
    assert local.shape == (2,)
    np.testing.assert_array_equal(local, slope)


def test_power_refuses_what_it_cannot_compute_with_a_value_error() -> None:
    assert float(Power(0.5).forward(0.0)) == 0.0  # the value at 0 is fine ...
    unit = Power(0.5, name="root")
    unit.forward(np.array([0.0, 4.0]))
    with pytest.raises(ValueError) as excinfo:  # ... the slope is vertical there
        unit.local_derivative()
    assert "root" in str(excinfo.value)
    with pytest.raises(ValueError):
        Power(0.5).forward(np.array([1.0, -1.0]))  # not real
    with pytest.raises(ValueError):
        Power(-1.0).forward(np.array([0.0, 1.0]))  # 1/0


def test_units_have_their_default_names_and_need_a_forward_first() -> None:
    assert MultiplyUnit().name == "multiply" and FanOut().name == "fan-out"
    for unit, call in ((MultiplyUnit(), lambda u: u.backward()), (FanOut(), lambda u: u.backward()),
                       (Scale(2.0), lambda u: u.local_derivative())):
        with pytest.raises(RuntimeError):
            call(unit)
    mul = MultiplyUnit(name="the product")
    mul.forward(np.ones(2), np.ones(2))
    with pytest.raises(ValueError) as excinfo:
        mul.backward(np.ones(3))
    assert "the product" in str(excinfo.value)


def test_chain_keeps_a_given_name() -> None:
    units = [Scale(2.0, name="a"), AddConst(1.0, name="b")]
    assert Chain(units, name="mine").name == "mine"
    assert Chain(units).name == "a -> b"
    with pytest.raises(TypeError) as excinfo:
        Chain(5)
    assert "int" in str(excinfo.value)
