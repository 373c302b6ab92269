"""Comparisons a student's value cannot pass by its shape: checks compare through these.

numpy broadcasts and pytest.approx compares element by element, so an empty array (or one
with an extra axis of length 0) passes np.allclose, approx and assert_allclose against
anything, and every `.all()` over it is True: a submission that computed nothing once scored
points that way. These helpers first require the kind and the exact shape of the value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def array(got: object, shape: Sequence[int] | None = None, what: str = "the result") -> np.ndarray:
    """The student's value as a float array, of exactly `shape` if given (else AssertionError)."""
    try:
        raw = np.asarray(got)
        if raw.dtype.kind not in "biuf":  # numpy would turn "0.5" into 0.5
            raise TypeError
        values = raw.astype(float)
    except (TypeError, ValueError):
        raise AssertionError(
            f"{what} should be numbers (a list or a numpy array), got {type(got).__name__}"
        ) from None
    if shape is not None and values.shape != tuple(shape):
        raise AssertionError(f"{what} should have shape {tuple(shape)}, got shape {values.shape}")
    return values


def close(
    got: object,
    want: object,
    rtol: float = 1e-7,
    atol: float = 0.0,
    what: str = "the result",
    equal_nan: bool = False,
) -> np.ndarray:
    """Assert that got has want's exact shape and every entry close to want's; returns got."""
    expected = np.asarray(want, dtype=float)
    values = array(got, expected.shape, what)
    if not np.allclose(values, expected, rtol=rtol, atol=atol, equal_nan=equal_nan):
        with np.errstate(invalid="ignore"):
            worst = float(np.max(np.abs(values - expected))) if values.size else 0.0
        raise AssertionError(
            f"{what} is not the expected one (entries off by up to {worst:.3g})"
            if np.isfinite(worst)
            else f"{what} is not the expected one (it holds nan or inf where numbers belong)"
        )
    return values


def indices(got: object, n: int, size: int, what: str = "the result") -> list[int]:
    """The student's value as n whole numbers in range(size) (e.g. draws), checked at once."""
    values = array(got, (n,), what)
    whole = values == np.floor(values)
    if not (whole.all() and (values >= 0).all() and (values < size).all()):
        bad = values[~(whole & (values >= 0) & (values < size))][0]
        raise AssertionError(f"{what} should hold indices 0..{size - 1}, got {bad:g}")
    return values.astype(int).tolist()


def number(got: object, what: str = "the result") -> float:
    """The student's value as a float: one real number (Python or numpy), not an array or bool."""
    try:
        scalar = np.ndim(got) == 0
    except ValueError:  # ragged nesting
        scalar = False
    if isinstance(got, bool | np.bool_) or not scalar:
        raise AssertionError(f"{what} should be one number, got {_kind(got)}")
    if np.asarray(got).dtype.kind not in "iuf":
        raise AssertionError(f"{what} should be a number, got {_kind(got)}")
    return float(got)


def near(got: object, want: float, rel: float = 1e-7, abs: float = 0.0, what: str = "the result"):
    """Assert that got is one number close to want (relative or absolute); returns it."""
    value = number(got, what)
    if not np.isclose(value, want, rtol=rel, atol=abs):
        raise AssertionError(f"{what} should be {want:.6g}, got {value:.6g}")
    return value


def _kind(got: object) -> str:
    if isinstance(got, np.ndarray):
        return f"an array of shape {got.shape}"
    if isinstance(got, list | tuple):
        return f"a {type(got).__name__} of {len(got)} items"
    return type(got).__name__
