"""Lesson 03, wrong solution: every function raises ValueError, whatever its input.

A module that never works but "rejects bad input" everywhere: it must score nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def cosine_similarity(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Cosine of the angle between a and b, clipped to [-1, 1]; 0.0 if either is zero."""
    raise ValueError("x")


def cosine_matrix(A: Sequence | np.ndarray, B: Sequence | np.ndarray) -> np.ndarray:
    """Cosines of every row of A with every row of B, shape (m, n), without Python loops."""
    raise ValueError("x")


def most_similar(
    query: Sequence[float] | np.ndarray,
    matrix: Sequence | np.ndarray,
    words: Sequence[str],
    k: int = 5,
    exclude: Iterable[str] = (),
) -> list[tuple[str, float]]:
    """The k words whose rows are closest in cosine to query, highest first, ties by row order."""
    raise ValueError("x")


def angle_degrees(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Angle between a and b in degrees, 0 to 180, never nan (90.0 if either is zero)."""
    raise ValueError("x")
