import numpy as np
import pytest

from labcode.shapes import check_shapes


def test_sizes_are_bound_in_order_and_shared() -> None:
    sizes = check_shapes(
        X=(np.zeros((4, 3)), "n p"), W1=(np.zeros((3, 5)), "p d"), b=(np.zeros(5), "d"), s=(2.0, "")
    )
    assert sizes == {"n": 4, "p": 3, "d": 5}


def test_known_sizes_and_literal_dimensions() -> None:
    assert check_shapes({"q": 1}, Y=(np.zeros((4, 1)), "n q"), c=(np.zeros((4, 1)), "n 1")) == {"q": 1, "n": 4}
    with pytest.raises(ValueError, match=r"Y has shape \(4, 2\) but \(n, q\) was expected with q = 1 \(set by the caller\)"):
        check_shapes({"q": 1}, Y=(np.zeros((4, 2)), "n q"))
    with pytest.raises(ValueError, match=r"c has shape \(4, 2\) but \(n, 1\) was expected"):
        check_shapes(c=(np.zeros((4, 2)), "n 1"))


def test_wrong_number_of_dimensions() -> None:
    with pytest.raises(ValueError, match=r"b has shape \(5, 1\) but \(d,\) was expected \(1 dimension, not 2\)"):
        check_shapes(b=(np.zeros((5, 1)), "d"))


@pytest.mark.parametrize("bad", [("n p",), "n p", (np.zeros(2), 3)])
def test_malformed_specs_are_rejected(bad) -> None:
    with pytest.raises((TypeError, ValueError)):
        check_shapes(X=bad)


def test_bad_dimension_token() -> None:
    with pytest.raises(ValueError, match="the shape spec of X must be names and numbers such as 'n p' or 'n 1', got 'n-1'"):
        check_shapes(X=(np.zeros(2), "n-1"))


def test_as_float_keeps_subclasses_but_not_matrix() -> None:
    from labcode.shapes import as_float

    class Tagged(np.ndarray):
        pass

    tagged = np.ones((2, 2)).view(Tagged)
    assert as_float(tagged, "X") is tagged
    assert type(as_float(np.arange(3).view(Tagged), "X")) is Tagged  # converted to float64, still tagged
    with pytest.warns(PendingDeprecationWarning):  # numpy's own warning when a matrix is made
        made = np.matrix([[1.0, 2.0]])
    matrix = as_float(made, "X")
    assert type(matrix) is np.ndarray and (matrix * matrix).tolist() == [[1.0, 4.0]]  # * is element-wise again
