"""Public checks for lesson 03 (cosine similarity). Run: pytest exercises/03-similarity"""

import math

import numpy as np
import pytest

from autograder.expect import array, number

# The seed article's five pairs, printed with 3 decimals, and what the real model gives.
SEED_PAIRS = [
    ("北京", "上海", 0.378),
    ("北京", "东京", 0.836),
    ("北京", "苹果", 0.173),
    ("Python", "Java", 0.450),
    ("Python", "香蕉", 0.072),
]


def _short(value, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " ..."


def expect_value_error(why: str, call, *args) -> None:
    """call(*args) must raise ValueError; `why` says which input is invalid and why."""
    try:
        result = call(*args)
    except ValueError:
        return
    except Exception as err:
        raise AssertionError(
            f"{why}: it should raise ValueError, but raised {type(err).__name__}: {err}"
        ) from err
    raise AssertionError(f"{why}: it should raise ValueError, but returned {_short(result)}")


def expect_result(call_text: str, expected: float, call, *args, why: str = "") -> None:
    """call(*args) on valid input must return the number `expected`: rejections count only then."""
    try:
        got = call(*args)
    except Exception as err:
        raise AssertionError(
            f"{call_text} is valid input and should give {expected:.6f}{why}, but it raised "
            f"{type(err).__name__}: {err}. This check also makes sure that valid input still "
            "works: a function that rejects everything has not done the lesson's work"
        ) from err
    got = number(got, call_text)
    assert got == pytest.approx(expected, rel=1e-6, abs=1e-9), (
        f"{call_text} should give {expected:.6f}{why}, got {_short(got)}"
    )


def test_cosine_of_small_vectors(student):
    """cosine_similarity gives 1, 0 and -1 for same, perpendicular and opposite directions."""
    cases = [
        ([1, 2, 3], [2, 4, 6], 1.0, "same direction"),
        ([1, 0], [0, 1], 0.0, "perpendicular"),
        ([1, 2], [-1, -2], -1.0, "opposite directions"),
        ([3, 4], [4, 3], 0.96, "(3*4 + 4*3) / (5 * 5)"),
    ]
    for a, b, want, why in cases:
        got = number(student.cosine_similarity(a, b), f"cosine_similarity({a}, {b})")
        assert got == pytest.approx(want, rel=1e-6, abs=1e-9), (
            f"cosine_similarity({a}, {b}) should be {want} ({why}), got {got}"
        )


def test_cosine_is_scale_invariant(student):
    """The cosine divides by both lengths, so stretching a vector does not change it."""
    a, b = [1.0, 2.0, 2.0], [2.0, 0.0, 1.0]
    base = number(student.cosine_similarity(a, b), f"cosine_similarity({a}, {b})")
    stretched = number(
        student.cosine_similarity([10 * x for x in a], [0.5 * x for x in b]),
        "cosine_similarity(10 * a, 0.5 * b)",
    )
    assert base == pytest.approx(4 / 3 / math.sqrt(5), rel=1e-6), (
        f"cos({a}, {b}) = 4 / (3 * sqrt(5)) = 0.596285, got {base}: divide the dot product "
        "by both lengths"
    )
    assert stretched == pytest.approx(base, rel=1e-6), (
        f"multiplying a by 10 and b by 0.5 changed the cosine from {base} to {stretched}; "
        "the cosine depends only on directions (a plain dot product is not a cosine)"
    )


def test_cosine_zero_vector_is_zero(student):
    """A zero vector has no direction: the cosine is 0.0 by convention, never nan."""
    got = number(
        student.cosine_similarity([0, 0, 0], [1, 2, 3]), "cosine_similarity([0, 0, 0], [1, 2, 3])"
    )
    assert not math.isnan(got), "cosine with a zero vector came back nan; return 0.0 instead"
    assert got == 0.0, (
        f"cosine with a zero vector should be 0.0 (it has no direction, and 0.0 is the "
        f"convention), got {got}"
    )
    expect_result(
        "cosine_similarity([1, 2, 3], [3, 2, 1])",
        10 / 14,
        student.cosine_similarity,
        [1, 2, 3],
        [3, 2, 1],
        why=" ((3 + 4 + 3) / (sqrt(14) * sqrt(14)): 0.0 is only for a zero vector, two nonzero "
        "vectors still get their cosine)",
    )


def test_cosine_different_lengths_raise(student):
    """Vectors of different lengths have no cosine: ValueError, not a silent answer."""
    expect_result(
        "cosine_similarity([1, 2, 2], [2, 1, 2])",
        8 / 9,
        student.cosine_similarity,
        [1, 2, 2],
        [2, 1, 2],
        why=" ((2 + 2 + 4) / (3 * 3): two vectors of the same length do have a cosine)",
    )
    expect_value_error(
        "cosine_similarity([1, 2, 2], [2, 1]): vectors of lengths 3 and 2 have no cosine "
        "(zip() would silently drop the last 2)",
        student.cosine_similarity,
        [1, 2, 2],
        [2, 1],
    )


def test_cosine_reproduces_the_seed_pairs(student, minilm):
    """With MiniLM's real vectors, the five pairs of the seed article come out as printed there."""
    for a, b, want in SEED_PAIRS:
        got = number(
            student.cosine_similarity(minilm.vector(a), minilm.vector(b)),
            f"cosine_similarity of the vectors of {a} and {b}",
        )
        assert round(got, 3) == pytest.approx(want, abs=1e-9), (
            f"cosine of {a} and {b} with MiniLM should print as {want:.3f} (as in the seed "
            f"article), got {got:.6f}"
        )


def test_cosine_never_exceeds_one(student):
    """Rounding can push a vector's cosine with itself above 1: clip it to [-1, 1]."""
    v = [0.1, 0.7]  # np.dot(v, v) / (|v| * |v|) is 1.0000000000000002 in float64
    got = number(student.cosine_similarity(v, v), f"cosine_similarity({v}, {v})")
    assert -1.0 <= got <= 1.0, (
        f"cosine_similarity({v}, {v}) = {got!r} is outside [-1, 1]: clip the result with "
        "np.clip(cos, -1.0, 1.0)"
    )
    assert got == pytest.approx(1.0, rel=1e-9), (
        f"a vector has cosine 1.0 with itself (same direction), but cosine_similarity({v}, {v}) "
        f"gave {got!r}: divide the dot product by |a| * |b|, not by |a|**2 * |b|**2 or a sum"
    )
    w = [0.7, 0.1]
    other = number(student.cosine_similarity(v, w), f"cosine_similarity({v}, {w})")
    assert other == pytest.approx(0.28, rel=1e-6), (
        f"cosine_similarity({v}, {w}) should be 0.14 / (sqrt(0.5) * sqrt(0.5)) = 0.28, got "
        f"{other!r}: clipping only touches values outside [-1, 1], every other cosine keeps its "
        "value (the sign of the dot product alone is not a cosine)"
    )


def test_cosine_matrix_small(student):
    """cosine_matrix(A, B) has one row per row of A and one column per row of B."""
    A = [[1, 0], [0, 2]]
    B = [[3, 0], [1, 1], [0, 0]]
    got = array(student.cosine_matrix(A, B), what=f"cosine_matrix({A}, {B})")
    want = np.array([[1.0, 1 / math.sqrt(2), 0.0], [0.0, 1 / math.sqrt(2), 0.0]])
    assert got.shape == (2, 3), f"A has 2 rows and B has 3, so the shape is (2, 3), got {got.shape}"
    assert np.allclose(got, want, rtol=1e-6, atol=1e-9), (
        f"expected\n{want.round(6)}\ngot\n{got.round(6)}\n(a zero row gives 0.0, not nan)"
    )


def test_cosine_matrix_returns_a_float_array(student):
    """cosine_matrix returns a float numpy array, not a list of lists, for lists and arrays alike."""
    for A, B in (([[1, 0], [0, 2]], [[3, 0], [1, 1]]), (np.eye(2), np.ones((3, 2)))):
        got = student.cosine_matrix(A, B)
        assert isinstance(got, np.ndarray), (
            f"cosine_matrix returned a value of type {type(got).__name__}, {_short(got)}; the "
            "docstring promises a numpy array of shape (m, n), so that callers can write "
            "got[i, j], got.shape or got.argmax() (drop the .tolist())"
        )
        assert got.dtype.kind == "f", f"cosines are floats, but the array's dtype is {got.dtype}"
    want = np.array([[1.0, 1 / np.sqrt(2)], [0.0, 1 / np.sqrt(2)]])
    got = array(
        student.cosine_matrix([[1, 0], [0, 2]], [[3, 0], [1, 1]]),
        (2, 2),
        "cosine_matrix([[1, 0], [0, 2]], [[3, 0], [1, 1]]) (2 rows of A by 2 rows of B)",
    )
    assert np.allclose(got, want, atol=1e-6), (
        f"cosine_matrix([[1, 0], [0, 2]], [[3, 0], [1, 1]]) should be {want.round(4).tolist()}, "
        f"got {_short(got)}"
    )


def test_cosine_matrix_is_vectorized(student, minilm, rng):
    """cosine_matrix handles a whole vocabulary against a hundred queries within a second."""
    B = minilm.matrix  # about 3000 words x 384 numbers
    A = B[rng.choice(len(B), size=100, replace=False)]  # 300,000 pairs: a loop needs seconds
    got = array(student.with_timeout(1.0).cosine_matrix(A, B), what="cosine_matrix(A, B)")
    assert got.shape == (len(A), len(B)), f"expected shape {(len(A), len(B))}, got {got.shape}"
    for _ in range(20):
        i, j = int(rng.integers(len(A))), int(rng.integers(len(B)))
        a, b = A[i].astype(float), B[j].astype(float)
        want = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
        assert got[i, j] == pytest.approx(want, abs=1e-5), (
            f"entry [{i}, {j}] should be the cosine of A[{i}] and B[{j}], {want:.6f}; got {got[i, j]}"
        )


def test_most_similar_ranks_and_excludes(student):
    """most_similar returns (word, cosine) pairs, highest first, without excluded words."""
    words = ["cat", "kitten", "car", "dog"]
    matrix = [[1.0, 0.1], [0.9, 0.2], [0.0, 1.0], [0.8, 0.5]]
    got = student.most_similar([1.0, 0.1], matrix, words, k=2, exclude=["cat"])
    names = [w for w, _ in got]
    assert names == ["kitten", "dog"], (
        f"ranking [1.0, 0.1] against {words} without 'cat', k=2, should give "
        f"['kitten', 'dog'], got {names}"
    )
    want = (0.9 * 1.0 + 0.2 * 0.1) / (math.hypot(0.9, 0.2) * math.hypot(1.0, 0.1))
    score = number(got[0][1], "the score of 'kitten'")
    assert score == pytest.approx(want, rel=1e-6), (
        f"the score of 'kitten' should be its cosine with the query, {want:.6f}; got {score}"
    )


def test_most_similar_ties_keep_input_order(student):
    """Words with equal scores keep the order of the word list (use a stable sort)."""
    words = ["a", "b", "c", "d", "e", "f"]
    matrix = [[0, 1], [3, 3], [1, 0], [0, 2], [2, 0], [1, 0]]
    got = [w for w, _ in student.most_similar([1, 0], matrix, words, k=6)]
    assert got == ["c", "e", "f", "b", "a", "d"], (
        f"c, e, f all have cosine 1 with [1, 0], b (45 degrees away) has 0.7071 and a, d have "
        f"cosine 0; ties keep the order of words, so the ranking is "
        f"['c', 'e', 'f', 'b', 'a', 'd'], got {got}"
    )


def test_ranked_results_are_word_score_tuples(student):
    """most_similar returns a list of (word, score) tuples whose scores are floats."""
    got = student.most_similar([1.0, 0.0], [[1.0, 1.0], [1.0, 0.0]], ["a", "b"], k=2)
    assert isinstance(got, list), (
        f"most_similar returned a value of type {type(got).__name__}, {_short(got)}; the "
        "docstring promises a list of (word, score) tuples"
    )
    for pair in got:
        assert type(pair) is tuple and len(pair) == 2, (
            f"most_similar should give (word, score) tuples such as ('b', 1.0), got {_short(pair)}"
        )
        word, score = pair
        assert isinstance(word, str) and isinstance(score, float), (
            f"in {pair!r} the word should be a str and the score a float (float(x) turns a numpy "
            f"number into one), got {type(word).__name__} and {type(score).__name__}"
        )
    assert [w for w, _ in got] == ["b", "a"] and abs(got[0][1] - 1.0) < 1e-6, (
        f"most_similar([1, 0], [[1, 1], [1, 0]], ['a', 'b'], k=2) should rank b (cosine 1.0) "
        f"before a (0.7071), got {_short(got)}"
    )


def test_angle_degrees_basic(student):
    """angle_degrees is in degrees: 0, 45, 90 and 180 for these pairs."""
    cases = [
        ([1, 0], [2, 0], 0.0),
        ([1, 0], [1, 1], 45.0),
        ([1, 0], [0, 3], 90.0),
        ([1, 0], [-1, 0], 180.0),
    ]
    for a, b, want in cases:
        got = number(student.angle_degrees(a, b), f"angle_degrees({a}, {b})")
        assert got == pytest.approx(want, abs=1e-6), (
            f"angle_degrees({a}, {b}) should be {want} degrees, got {got} "
            "(np.degrees converts from radians)"
        )


def test_angle_with_itself_is_zero_not_nan(student, minilm):
    """The angle of a vector with itself is 0, never nan, even when rounding makes cos > 1."""
    for v in ([0.1, 0.7], minilm.vector("北京"), minilm.vector("dog")):
        got = number(student.angle_degrees(v, v), "angle_degrees(v, v)")
        assert not math.isnan(got), (
            "angle_degrees(v, v) came back nan: rounding made the cosine slightly larger "
            "than 1 and np.arccos is undefined there; clip the cosine to [-1, 1]"
        )
        assert got == pytest.approx(0.0, abs=1e-4), f"angle_degrees(v, v) should be 0, got {got}"
    a, b = [0.1, 0.7], [0.7, 0.1]
    got = number(student.angle_degrees(a, b), f"angle_degrees({a}, {b})")
    assert got == pytest.approx(73.739795, abs=1e-4), (
        f"angle_degrees({a}, {b}) should be arccos(0.28) = 73.7398 degrees, got {got}: clipping "
        "keeps every cosine inside [-1, 1] as it is, so other angles come out unchanged"
    )
