"""The checks' comparisons: a value passes by being right, never by its shape or emptiness."""

from __future__ import annotations

import numpy as np
import pytest

from autograder.expect import array, close, indices, near, number

WANT = np.array([[0.5, 0.25], [1.0, -2.0]])


@pytest.mark.parametrize(
    "got",
    [
        np.zeros((0, 2, 2)),  # broadcasts to nothing: np.allclose says True
        np.zeros(0),
        [],
        np.array([[0.5, 0.25]]),  # one row, broadcast over both
        WANT.T,
        WANT.ravel(),
        "0.5",
        None,
        [[0.5, 0.25], [1.0]],  # ragged
    ],
)
def test_close_refuses_values_of_another_shape_or_kind(got):
    """Each of these passes np.allclose, approx or is no array at all; close() fails them all."""
    with pytest.raises(AssertionError):
        close(got, WANT)


def test_close_takes_lists_and_arrays_of_the_right_shape_and_says_how_far_off():
    """Right values pass as a list or an array; wrong ones fail naming the largest difference."""
    assert close(WANT.tolist(), WANT).shape == (2, 2)
    close(WANT + 1e-9, WANT, atol=1e-8)
    with pytest.raises(AssertionError, match="off by up to 0.1"):
        close(WANT + 0.1, WANT, what="cosine_matrix(A, B)")
    with pytest.raises(AssertionError, match="nan or inf"):
        close(WANT * np.nan, WANT)
    close([[np.nan]], [[np.nan]], equal_nan=True)


@pytest.mark.parametrize("got", [np.zeros(0), [0.5], np.array([0.5]), True, "0.5", None, []])
def test_number_refuses_what_is_not_one_real_number(got):
    """An empty or one-item array, a bool, a string: not one number (approx passes some)."""
    with pytest.raises(AssertionError, match="should be"):
        number(got)


def test_number_and_near_take_python_and_numpy_scalars():
    """Python and numpy ints and floats (0-d arrays too) are numbers."""
    for value in (0.5, np.float32(0.5), np.float64(0.5), np.array(0.5)):
        assert near(value, 0.5, rel=1e-6) == 0.5
    assert number(np.int64(3)) == 3.0
    with pytest.raises(AssertionError, match="should be 0.5, got 0.6"):
        near(0.6, 0.5)


def test_array_checks_the_shape_only_when_asked():
    """array() turns a list into floats; with a shape it refuses any other."""
    assert array([1, 2]).dtype == float
    with pytest.raises(AssertionError, match=r"shape \(3,\), got shape \(2,\)"):
        array([1, 2], (3,))


def test_indices_are_whole_numbers_in_range_checked_at_once():
    """Draws: exactly n, whole, in range; strings of digits are not numbers."""
    assert indices([0, 2, 1.0], 3, 3) == [0, 2, 1]
    for got, says in (
        ([0, 3], "indices 0..2, got 3"),
        ([0.5, 1], "got 0.5"),
        ([0], r"shape \(2,\)"),
    ):
        with pytest.raises(AssertionError, match=says):
            indices(got, 2, 3)
    with pytest.raises(AssertionError, match="should be numbers"):
        array(["0.5", "1"])
