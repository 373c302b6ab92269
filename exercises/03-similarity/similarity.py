"""Lesson 03: cosine similarity.

Two vectors point in similar directions when the angle between them is small. The
cosine of that angle is a number in [-1, 1]: 1 for the same direction, 0 for
perpendicular (unrelated), -1 for opposite. This module computes it for one pair,
for whole matrices at once, ranks a vocabulary by it, and turns it into an angle.

Conventions (the same in every lesson):
- vectors may come as lists or numpy arrays; returned vectors and matrices are numpy arrays;
- a ranked list is a list of (word, score) pairs, highest score first, ties broken by the
  earlier position in the input;
- invalid input raises ValueError with a message that names the problem.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np


def cosine_similarity(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Return the cosine of the angle between two vectors.

    cos(a, b) = (a . b) / (|a| * |b|)

    Args:
        a, b: 1-D vectors of the same length, as lists or numpy arrays (float32 or
            float64; compute in float64).

    Returns:
        A float in [-1.0, 1.0]. Clip the result with np.clip: rounding can make the
        cosine of a vector with itself come out as 1.0000000000000002, which is not a
        cosine (and np.arccos of it is nan). It does not change when either vector is
        multiplied by a positive number (so it is NOT the plain dot product, unless both
        vectors have length 1). If either vector is all zeros the angle is undefined;
        return 0.0 (never nan, and no division warning).

    Raises:
        ValueError: if a and b have different lengths (say both lengths in the message).

    Example:
        >>> cosine_similarity([3, 4], [4, 3])
        0.96
    """
    raise NotImplementedError("TODO: dot product divided by both norms, clipped to [-1, 1]")


def cosine_matrix(A: Sequence | np.ndarray, B: Sequence | np.ndarray) -> np.ndarray:
    """Return the cosines of every row of A with every row of B.

    Args:
        A: an (m, d) matrix (one vector per row), a nested list or a numpy array.
        B: an (n, d) matrix with the same number of columns d.

    Returns:
        A float numpy array (not a list: a check tests the type) of shape (m, n) whose
        entry [i, j] equals cosine_similarity(A[i], B[j]) (within 1e-6): clipped to
        [-1, 1], and 0.0 in every entry that involves a zero row.

        It must be vectorized: no Python loop over rows or pairs. The checks call it
        with a whole vocabulary (about 3000 x 384) against a hundred queries and a
        wall-clock limit of one second, which a loop over pairs misses by far. Scale
        each row to length 1 first, then one matrix product gives every cosine.

    Raises:
        ValueError: if A and B have different numbers of columns.

    Example:
        >>> cosine_matrix([[1, 0], [0, 2]], [[3, 0], [1, 1], [0, 0]]).round(3)
        array([[1.   , 0.707, 0.   ],
               [0.   , 0.707, 0.   ]])
    """
    raise NotImplementedError("TODO: normalize the rows, then one matrix product")


def most_similar(
    query: Sequence[float] | np.ndarray,
    matrix: Sequence | np.ndarray,
    words: Sequence[str],
    k: int = 5,
    exclude: Iterable[str] = (),
) -> list[tuple[str, float]]:
    """Return the k words whose vectors are closest in cosine to the query.

    Args:
        query: a 1-D vector of length d.
        matrix: an (n, d) matrix; row i is the vector of words[i].
        words: n words, one per row of the matrix.
        k: how many words to return, an int >= 1. If fewer than k words remain, return
            them all.
        exclude: words to leave out of the result (e.g. the query word itself). Words of
            exclude that are not in words are ignored.

    Returns:
        A list of at most k (word, score) tuples, score = cosine of the query with the
        word's row (a float), highest score first. Words with equal scores keep their
        order in words (the earlier row comes first): use a stable sort.

    Raises:
        ValueError: if k < 1, if len(words) differs from the number of rows, or if the
            query's length differs from the number of columns.

    Example:
        >>> most_similar([1, 0], [[1, 1], [1, 0], [0, 1]], ["a", "b", "c"], k=2)
        [('b', 1.0), ('a', 0.7071067811865475)]
    """
    raise NotImplementedError("TODO: score every row, drop excluded words, stable sort, take k")


def angle_degrees(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Return the angle between two vectors in degrees, from 0.0 to 180.0.

    The angle is arccos of the cosine, converted from radians to degrees. It is never
    nan: the angle of a vector with itself is 0.0 (within 1e-4 degrees) even when
    rounding pushes the raw cosine above 1, and a vector with its negative gives 180.0.
    If either vector is all zeros, the cosine is 0.0 (see cosine_similarity), so the
    angle is 90.0.

    Raises:
        ValueError: if a and b have different lengths.

    Example:
        >>> round(angle_degrees([1, 0], [1, 1]), 6)
        45.0
    """
    raise NotImplementedError("TODO: arccos of the clipped cosine, in degrees")
