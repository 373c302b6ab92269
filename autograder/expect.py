"""Comparisons a student's value cannot pass by its shape: checks compare through these.

numpy broadcasts and pytest.approx compares element by element, so an empty array (or one
with an extra axis of length 0) passes np.allclose, approx and assert_allclose against
anything, and every `.all()` over it is True: a submission that computed nothing once scored
points that way. These helpers first require the kind and the exact shape of the value.
"""

from __future__ import annotations

import math
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


def chi_square_limit(df: int, z: float = 5.0) -> float:
    """Wilson-Hilferty: the chi-square value a fair sampler exceeds with probability ~3e-7."""
    c = 2 / (9 * df)
    return df * (1 - c + z * math.sqrt(c)) ** 3


def random_draws(got: object, probs: Sequence[float], what: str = "the draws") -> list[int]:
    """Assert that got holds random draws of probs; returns them as ints.

    Two chi-square tests, each failed by a fair sampler with probability ~3e-7: the count of
    each index against n * probs, and the pairs of draws in a row (draws 0-1, 2-3, ...) sorted
    by whether each draw is one of the 1st, 3rd, ... most likely indices, against the products
    of their probabilities. Draws in a fixed pattern (cycling through the indices, or each index
    a set number of times) fail them; an index of probability 0 must never come up.
    """
    p = np.asarray(probs, dtype=float)
    values = array(got, what=what)
    n = len(values) if values.ndim == 1 else -1
    draws = np.array(indices(got, n, len(p), what), dtype=int)
    counts = np.bincount(draws, minlength=len(p))
    nonzero = p > 0
    assert not counts[~nonzero].any(), f"{what} hold an index of probability 0"
    expected = n * p[nonzero]
    chi2 = float(((counts[nonzero] - expected) ** 2 / expected).sum())
    assert chi2 < chi_square_limit(int(nonzero.sum()) - 1), (
        f"over {n} draws {what} gave the counts {counts.tolist()}, too far from the expected "
        f"{(n * p).round().tolist()} (n * probs): each draw should be random, index i coming "
        f"up with probability probs[i]; a fixed pattern, such as cycling through the indices, "
        f"is not a sample: draw with rng.choice(len(probs), size=n, p=probs)"
    )
    top = np.argsort(-p, kind="stable")[: int(nonzero.sum())][::2]
    inside = np.isin(draws, top).astype(int)
    pairs = np.bincount(2 * inside[0 : n - 1 : 2] + inside[1:n:2], minlength=4)
    q = float(p[top].sum())
    expected = (n // 2) * np.array([(1 - q) ** 2, (1 - q) * q, q * (1 - q), q * q])
    chi2 = float(((pairs - expected) ** 2 / expected).sum())
    assert chi2 < chi_square_limit(3), (
        f"{what} come up about as often as probs says, but not independently: taking them in "
        f"pairs (draws 0-1, 2-3, ...), the pairs (other, other), (other, top), (top, other), "
        f"(top, top), with top = indices {sorted(top.tolist())}, occur {pairs.tolist()} times "
        f"instead of about {expected.round().tolist()}; every draw must be random on its own, "
        f"whatever came before (a fixed pattern, or each index a set number of times, is not a "
        f"sample): use rng.choice(len(probs), size=n, p=probs)"
    )
    return draws.tolist()
