"""Hidden checks for lesson 03 (cosine similarity). Docstrings are the feedback students see."""

import functools
import math

import numpy as np
import pytest

from autograder.expect import array, close, number

SEED_PAIRS = [
    ("北京", "上海", 0.378),
    ("北京", "东京", 0.836),
    ("北京", "苹果", 0.173),
    ("Python", "Java", 0.450),
    ("Python", "香蕉", 0.072),
]
# 100 queries against the 3,045 words of the data file are 300,000 pairs: a Python loop over
# pairs that calls cosine_similarity needs about 3 s; the whole call, one matrix product and
# sending the matrices, some 20-40 ms (a few times that on a loaded machine).
MATRIX_QUERIES = 100
MATRIX_TIME_LIMIT = 1.0  # seconds
REAL_WORDS = 1000  # words of the real vocabulary that most_similar ranks


def approx(x):
    """The pack's float tolerance."""
    return pytest.approx(x, rel=1e-6, abs=1e-9)


def random_vector(rng, d, as_list=False):
    """A random vector of length d, as a list or an array."""
    v = rng.normal(size=d) * rng.uniform(0.1, 10.0)
    return v.tolist() if as_list else v


def pick_word(rng, minilm) -> str:
    """One random word of the real model's common words."""
    return minilm.common_words[int(rng.integers(len(minilm.common_words)))]


def random_words(rng, n):
    """n distinct made-up words."""
    letters = list("abcdefghijklmnopqrstuvwxyz")
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(letters, size=int(rng.integers(3, 8)))))
    return [str(w) for w in rng.permutation(sorted(words))]


def unclipped_cosines(a, b) -> list[float]:
    """The cosine of a and b as common unclipped formulas give it, rounding and all."""
    native = np.asarray(a), np.asarray(b)
    wide = native[0].astype(float), native[1].astype(float)
    found = []
    for u, v in (native, wide):  # in the vectors' own dtype (float32 rounds more) and in float64
        nu, nv = np.linalg.norm(u), np.linalg.norm(v)
        dot = np.dot(u, v)
        found += [dot / (nu * nv), dot / nu / nv, np.dot(u / nu, v / nv)]
    la, lb = wide[0].tolist(), wide[1].tolist()
    dot = sum(x * y for x, y in zip(la, lb, strict=True))
    found.append(dot / (math.sqrt(sum(x * x for x in la)) * math.sqrt(sum(y * y for y in lb))))
    return [float(c) for c in found]


def rounds_past_one(a, b) -> bool:
    """Whether some common way of computing the cosine of a and b, unclipped, leaves [-1, 1]."""
    return any(abs(c) > 1.0 for c in unclipped_cosines(a, b))


def scaled_vector(rng, lo, hi):
    """A random vector of length lo..hi-1, its length spread over 0.03..30 (short and long)."""
    return rng.normal(size=int(rng.integers(lo, hi))) * 10 ** rng.uniform(-1.5, 1.5)


def rounding_pairs(rng, n, draw):
    """n pairs (a, b) = draw(rng) whose cosine some common unclipped formula rounds past +-1."""
    found = []
    for _ in range(100 * n):
        a, b = draw(rng)
        if rounds_past_one(a, b):
            found.append((a, b))
            if len(found) == n:
                return found
    pytest.fail("could not draw vectors whose cosine rounds past 1")


@functools.cache
def real_matrix(minilm) -> np.ndarray:
    """The real model's vectors of its common words, as float64 rows (built once)."""
    return minilm.vectors(minilm.common_words).astype(float)


def assert_same_ranking(got, want, scores):
    """Same length and scores as the reference; near-equal scores may swap their words."""
    got = [(str(w), number(s, "a score")) for w, s in got]
    assert len(got) == len(want), f"expected {len(want)} results, got {len(got)}"
    assert len({w for w, _ in got}) == len(got), "a word appears twice in the ranking"
    for rank, ((gw, gs), (ww, ws)) in enumerate(zip(got, want, strict=True)):
        assert gs == approx(ws), f"score at rank {rank} differs from the cosine expected there"
        if gw != ww:
            assert gw in scores and scores[gw] == approx(ws), f"wrong word at rank {rank}"


# cosine_similarity


def test_cosine_matches_reference_on_random_vectors(student, reference, rng):
    """cosine_similarity gives the cosine for vectors of any length, as lists or arrays."""
    for i in range(12):
        d = int(rng.integers(1, 60))
        a, b = random_vector(rng, d, i % 2 == 0), random_vector(rng, d, i % 3 == 0)
        got = number(student.cosine_similarity(a, b), "cosine_similarity(a, b)")
        assert got == approx(reference.cosine_similarity(a, b))


def test_cosine_is_scale_invariant(student, rng):
    """The cosine ignores length: a plain dot product, or one divided by a single norm, fails."""
    for _ in range(8):
        d = int(rng.integers(2, 40))
        a, b = rng.normal(size=d), rng.normal(size=d)
        base = number(student.cosine_similarity(a, b), "cosine_similarity(a, b)")
        assert base == approx(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
        s, t = 10 ** rng.uniform(-3, 3), 10 ** rng.uniform(-3, 3)
        assert number(student.cosine_similarity(s * a, t * b), "scaled") == approx(base)
        assert number(student.cosine_similarity(-s * a, b), "negated") == approx(-base)


def test_cosine_zero_vector_is_zero(student, reference, rng):
    """A zero vector on either side (or both) gives 0.0, not nan and not an error."""
    for _ in range(5):
        d = int(rng.integers(1, 30))
        v, zero = rng.normal(size=d), np.zeros(d)
        for a, b in ((zero, v), (v, zero), (zero, zero), (zero.tolist(), v.tolist())):
            got = number(student.cosine_similarity(a, b), "cosine with a zero vector")
            assert not math.isnan(got), "cosine with a zero vector came back nan"
            assert got == 0.0
    # Two nonzero vectors still get their cosine: 0.0 is for a zero vector only.
    d = int(rng.integers(2, 30))
    a, b = rng.normal(size=d), rng.normal(size=d)
    got = number(student.cosine_similarity(a, b), "cosine_similarity(a, b)")
    assert got == approx(reference.cosine_similarity(a, b))


def test_cosine_different_lengths_raise_value_error(student, reference, rng):
    """Vectors of different lengths raise ValueError instead of a silent or truncated answer (and equal lengths work)."""
    for i in range(6):
        n = int(rng.integers(1, 20))
        m = n + int(rng.integers(1, 5))
        a, b = random_vector(rng, n, i % 2 == 0), random_vector(rng, m, i % 2 == 0)
        same = b[:n]
        got = number(student.cosine_similarity(a, same), "cosine_similarity(a, b[:n])")
        assert got == approx(reference.cosine_similarity(a, same))
        with pytest.raises(ValueError):
            student.cosine_similarity(a, b)
        with pytest.raises(ValueError):
            student.cosine_similarity(b, a)


def test_cosine_stays_within_unit_interval(student, reference, rng):
    """The cosine of a vector with itself or its negative never leaves [-1, 1] (clip it)."""
    # Only vectors whose cosine with themselves rounds past 1 when computed without clipping
    # (about 2 in 5 random vectors do); their negatives then round past -1. Their lengths
    # vary: a short one also shows a dot product that was not divided by the norms.
    pairs = rounding_pairs(rng, 12, lambda r: (scaled_vector(r, 2, 12),) * 2)
    for v, _ in pairs:
        same = number(student.cosine_similarity(v, v), "cosine_similarity(v, v)")
        opposite = number(student.cosine_similarity(v, -v), "cosine_similarity(v, -v)")
        assert -1.0 <= same <= 1.0 and same == approx(1.0)
        assert -1.0 <= opposite <= 1.0 and opposite == approx(-1.0)
    # Clipping leaves the cosine of two vectors that are not parallel as it is.
    v = pairs[0][0]
    w = rng.normal(size=len(v))
    got = number(student.cosine_similarity(v, w), "cosine_similarity(v, w)")
    assert got == approx(reference.cosine_similarity(v, w))


def test_cosine_reproduces_the_seed_pairs(student, minilm, rng):
    """With the real model's vectors, the seed article's five printed cosines come out."""
    for i in rng.permutation(len(SEED_PAIRS)):
        a, b, want = SEED_PAIRS[int(i)]
        if rng.random() < 0.5:
            a, b = b, a
        # The cosine ignores length, so each vector may come stretched, as a list or an array.
        va = minilm.vector(a).astype(float) * float(rng.uniform(0.2, 5.0))
        vb = minilm.vector(b).astype(float) * float(rng.uniform(0.2, 5.0))
        if rng.random() < 0.5:
            va, vb = va.tolist(), vb.tolist()
        got = number(student.cosine_similarity(va, vb), f"cosine of {a} and {b}")
        assert round(got, 3) == pytest.approx(want, abs=1e-9)


def test_cosine_on_real_model_vectors(student, reference, minilm, rng):
    """cosine_similarity agrees with the reference on the real model's word vectors."""
    words = minilm.common_words
    for _ in range(8):
        i, j = rng.choice(len(words), size=2, replace=False)
        a, b = minilm.vector(words[i]).astype(float), minilm.vector(words[j]).astype(float)
        got = number(student.cosine_similarity(a, b), "cosine_similarity(a, b)")
        assert got == approx(reference.cosine_similarity(a, b))


# cosine_matrix


def test_cosine_matrix_matches_reference_on_random_matrices(student, reference, rng):
    """cosine_matrix gives every row-by-row cosine, for lists and arrays alike."""
    for i in range(8):
        m, n, d = (int(x) for x in rng.integers(1, 25, size=3))
        A, B = rng.normal(size=(m, d)), rng.normal(size=(n, d)) * 3
        if i % 2:
            A, B = A.tolist(), B.tolist()
        got = array(student.cosine_matrix(A, B), what="cosine_matrix(A, B)")
        want = reference.cosine_matrix(A, B)
        assert got.shape == want.shape, "the result must have shape (rows of A, rows of B)"
        close(got, want, rtol=1e-6, atol=1e-9, what="cosine_matrix(A, B)")


def test_cosine_matrix_shape_is_rows_of_a_by_rows_of_b(student, rng):
    """Entry [i, j] belongs to row i of A and row j of B, not the transpose."""
    m, d = int(rng.integers(2, 8)), int(rng.integers(2, 10))
    n = m + int(rng.integers(1, 6))
    A, B = rng.normal(size=(m, d)), rng.normal(size=(n, d))
    got = array(student.cosine_matrix(A, B), what="cosine_matrix(A, B)")
    assert got.shape == (m, n)
    i, j = int(rng.integers(m)), int(rng.integers(n))
    assert float(got[i, j]) == approx(A[i] @ B[j] / (np.linalg.norm(A[i]) * np.linalg.norm(B[j])))


def test_cosine_matrix_zero_rows_give_zero(student, reference, rng):
    """A zero row in either matrix gives cosines of 0.0 in its row or column, never nan."""
    m, n, d = 6, 7, int(rng.integers(2, 10))
    A, B = rng.normal(size=(m, d)), rng.normal(size=(n, d))
    A[rng.choice(m, size=2, replace=False)] = 0.0
    B[rng.choice(n, size=3, replace=False)] = 0.0
    got = array(student.cosine_matrix(A, B), (m, n), "cosine_matrix(A, B)")
    assert not np.isnan(got).any(), "a zero row produced nan"
    close(got, reference.cosine_matrix(A, B), rtol=1e-6, atol=1e-9, what="cosine_matrix(A, B)")


def test_cosine_matrix_stays_within_unit_interval(student, reference, rng):
    """Cosines of rows with themselves or their negatives are clipped to [-1, 1]."""
    A = rng.normal(size=(300, int(rng.integers(3, 12))))
    for B, want in ((A, 1.0), (-A, -1.0)):
        matrix = array(student.cosine_matrix(A, B), (len(A), len(B)), "cosine_matrix")
        got = np.diag(matrix)
        assert np.all(got <= 1.0) and np.all(got >= -1.0), "a cosine fell outside [-1, 1]"
        close(got, np.full(len(A), want), rtol=1e-9, atol=1e-8, what="the diagonal")
        # Off the diagonal the rows are not parallel: clipping must leave those cosines as they are.
        close(matrix, reference.cosine_matrix(A, B), rtol=1e-6, atol=1e-9, what="cosine_matrix")


def test_cosine_matrix_mismatched_columns_raise_value_error(student, reference, rng):
    """Rows of A and B with different lengths raise ValueError (and rows of equal length work)."""
    d = int(rng.integers(2, 10))
    m, n = (int(x) for x in rng.integers(2, 7, size=2))
    A, B = rng.normal(size=(m, d)), rng.normal(size=(n, d + int(rng.integers(1, 4))))
    got = array(student.cosine_matrix(A, B[:, :d]), what="cosine_matrix(A, B[:, :d])")
    assert got.shape == (m, n)
    close(got, reference.cosine_matrix(A, B[:, :d]), rtol=1e-6, atol=1e-9, what="cosine_matrix")
    with pytest.raises(ValueError):
        student.cosine_matrix(A, B)
    with pytest.raises(ValueError):
        student.cosine_matrix(B.tolist(), A.tolist())


def test_cosine_matrix_is_vectorized(student, minilm, rng):
    """cosine_matrix on a whole vocabulary finishes within the time limit (no Python loops)."""
    B = minilm.matrix
    A = B[rng.choice(len(B), size=MATRIX_QUERIES, replace=False)]
    A = A + rng.normal(scale=0.01, size=A.shape).astype(np.float32)
    got = array(student.with_timeout(MATRIX_TIME_LIMIT).cosine_matrix(A, B), what="cosine_matrix")
    assert got.shape == (len(A), len(B))
    # Every entry is compared, against cosines built in one float32 buffer straight from the
    # float32 vectors (off by under 1e-6, far inside the tolerance): the reference's float64
    # copies of the whole vocabulary cost the grader more than the student's call itself.
    want = (A / np.linalg.norm(A, axis=1, keepdims=True)) @ B.T
    want *= 1 / np.sqrt(np.einsum("ij,ij->i", B, B))
    np.subtract(want, got, out=want, casting="unsafe")
    assert float(np.abs(want, out=want).max()) <= 1e-5  # nan is never <=: it fails too


def test_cosine_matrix_returns_a_float_array(student, reference, rng):
    """cosine_matrix returns a list (e.g. after .tolist()) or non-float values where a float numpy array is promised."""
    m, n, d = (int(x) for x in rng.integers(2, 8, size=3))
    A, B = rng.normal(size=(m, d)), rng.normal(size=(n, d))
    for args in ((A, B), (A.tolist(), B.tolist())):
        got = student.cosine_matrix(*args)
        assert isinstance(got, np.ndarray)
        assert got.dtype.kind == "f"
        close(got, reference.cosine_matrix(A, B), rtol=1e-5, atol=1e-6, what="cosine_matrix")


# most_similar


def test_most_similar_matches_reference_on_random_vocabulary(student, reference, rng):
    """most_similar ranks by cosine, highest first, and returns k (word, score) pairs."""
    for i in range(6):
        n, d = int(rng.integers(5, 40)), int(rng.integers(2, 20))
        words, matrix, query = random_words(rng, n), rng.normal(size=(n, d)), rng.normal(size=d)
        k = int(rng.integers(1, n + 1))
        if i % 2:
            matrix, query = matrix.tolist(), query.tolist()
        want = reference.most_similar(query, matrix, words, k=k)
        scores = dict(reference.most_similar(query, matrix, words, k=n))
        assert_same_ranking(student.most_similar(query, matrix, words, k=k), want, scores)


def test_most_similar_default_k_is_five(student, reference, rng):
    """Without k, most_similar returns five results."""
    n, d = 12, int(rng.integers(2, 10))
    words, matrix, query = random_words(rng, n), rng.normal(size=(n, d)), rng.normal(size=d)
    scores = dict(reference.most_similar(query, matrix, words, k=n))
    got = student.most_similar(query, matrix, words)
    assert_same_ranking(got, reference.most_similar(query, matrix, words), scores)


def test_most_similar_applies_exclude(student, reference, rng):
    """Excluded words never appear in the result, and the next best words take their place."""
    for _ in range(5):
        n, d = int(rng.integers(8, 30)), int(rng.integers(2, 12))
        words, matrix, query = random_words(rng, n), rng.normal(size=(n, d)), rng.normal(size=d)
        best = reference.most_similar(query, matrix, words, k=2)
        exclude = [best[0][0], best[1][0], *rng.choice(words, size=3).tolist(), "not-a-word"]
        k = int(rng.integers(1, 6))
        got = student.most_similar(query, matrix, words, k=k, exclude=exclude)
        assert not {w for w, _ in got} & set(exclude), "an excluded word is in the result"
        want = reference.most_similar(query, matrix, words, k=k, exclude=exclude)
        scores = dict(reference.most_similar(query, matrix, words, k=n, exclude=exclude))
        assert_same_ranking(got, want, scores)


def test_most_similar_returns_everything_when_k_is_large(student, reference, rng):
    """When k exceeds the number of candidate words, all of them come back, ranked."""
    n, d = int(rng.integers(3, 10)), 4
    words, matrix, query = random_words(rng, n), rng.normal(size=(n, d)), rng.normal(size=d)
    got = student.most_similar(query, matrix, words, k=n + 5, exclude=[words[0]])
    want = reference.most_similar(query, matrix, words, k=n + 5, exclude=[words[0]])
    assert_same_ranking(got, want, dict(want))


def test_most_similar_ties_keep_input_order(student, reference, rng):
    """Words with exactly equal scores come in the order of the word list (stable sort)."""
    for _ in range(5):
        n, d = int(rng.integers(10, 25)), int(rng.integers(3, 7))
        rows = rng.integers(0, 4, size=(n // 3, d)).astype(float)
        rows[:, 0] += 1.0  # no zero rows
        matrix = rows[rng.integers(0, len(rows), size=n)]  # many duplicated rows
        query = np.zeros(d)
        query[int(rng.integers(d))] = float(rng.integers(1, 5))
        words = random_words(rng, n)
        want = reference.most_similar(query, matrix, words, k=n)
        got = [
            (str(w), number(s, "a score"))
            for w, s in student.most_similar(query, matrix, words, k=n)
        ]
        assert [w for w, _ in got] == [w for w, _ in want], "tied words are out of input order"


def test_most_similar_on_real_vocabulary(student, reference, minilm, rng):
    """most_similar over the real model's vocabulary finds the reference's nearest words."""
    # A thousand of its words (each call sends them all, 384 float64 numbers a word).
    rows = np.sort(rng.choice(len(minilm.common_words), size=REAL_WORDS, replace=False))
    words = [minilm.common_words[int(i)] for i in rows]
    matrix = real_matrix(minilm)[rows]
    for w in rng.choice(words, size=2, replace=False).tolist():
        k = int(rng.integers(3, 11))
        query = minilm.vector(w).astype(float)
        got = student.most_similar(query, matrix, words, k=k, exclude=[w])
        want = reference.most_similar(query, matrix, words, k=k, exclude=[w])
        row = reference.cosine_matrix(query[None, :], matrix)[0]
        scores = {x: float(s) for x, s in zip(words, row, strict=True) if x != w}
        assert_same_ranking(got, want, scores)


def test_most_similar_rejects_invalid_input(student, reference, rng):
    """k < 1, a word list that does not match the rows, or a query of the wrong length: ValueError (valid input still works)."""
    n, d = int(rng.integers(4, 12)), int(rng.integers(2, 8))
    words, matrix, query = random_words(rng, n), rng.normal(size=(n, d)), rng.normal(size=d)
    k = int(rng.integers(1, n + 1))
    scores = dict(reference.most_similar(query, matrix, words, k=n))
    got = student.most_similar(query, matrix, words, k=k)
    assert_same_ranking(got, reference.most_similar(query, matrix, words, k=k), scores)
    with pytest.raises(ValueError):
        student.most_similar(query, matrix, words, k=-int(rng.integers(0, 3)))
    cut = int(rng.integers(1, n))
    with pytest.raises(ValueError):
        student.most_similar(query, matrix, words[:cut], k=2)
    with pytest.raises(ValueError):
        student.most_similar(np.append(query, 1.0), matrix, words, k=2)


def test_ranked_results_are_word_score_tuples(student, reference, rng):
    """most_similar returns something other than a list of (word, score) tuples with float scores."""
    n, d = int(rng.integers(3, 10)), int(rng.integers(2, 8))
    words, matrix = random_words(rng, n), rng.normal(size=(n, d))
    query, k = rng.normal(size=d), int(rng.integers(1, n + 1))
    got = student.most_similar(query, matrix, words, k=k)
    assert isinstance(got, list)
    for pair in got:
        assert type(pair) is tuple and len(pair) == 2
        assert isinstance(pair[0], str) and isinstance(pair[1], float)
    assert _same_ranking(got, reference.most_similar(query, matrix, words, k=k))


def _same_ranking(got, want) -> bool:
    """Same words in the same order, scores within tolerance."""
    return [w for w, _ in got] == [w for w, _ in want] and all(
        abs(float(g) - float(w)) <= 1e-6 + 1e-6 * abs(float(w))
        for (_, g), (_, w) in zip(got, want, strict=True)
    )


# angle_degrees


def assert_general_angle(student, reference, v, rng) -> None:
    """The angle of v with a random vector w of its length agrees with the reference.

    The special cases (a vector with itself, its negative, a zero vector) have answers that the
    sign of the dot product alone gives; one pair at a general angle rules that out.
    """
    v = np.asarray(v, dtype=float)
    w = rng.normal(size=v.size)
    got = number(student.angle_degrees(v, w), "angle_degrees(v, w)")
    assert got == pytest.approx(reference.angle_degrees(v, w), rel=1e-6, abs=1e-6)


def test_angle_matches_reference_on_random_vectors(student, reference, rng):
    """angle_degrees agrees with the reference on random vectors."""
    for i in range(12):
        d = int(rng.integers(1, 40))
        a, b = random_vector(rng, d, i % 2 == 0), random_vector(rng, d)
        got = number(student.angle_degrees(a, b), "angle_degrees(a, b)")
        assert got == pytest.approx(reference.angle_degrees(a, b), rel=1e-6, abs=1e-6)


def test_angle_is_in_degrees(student, rng):
    """The angle is in degrees, from 0 to 180, not in radians."""
    for _ in range(10):
        theta = float(rng.uniform(1.0, 179.0))
        r, s = float(rng.uniform(0.5, 5)), float(rng.uniform(0.5, 5))
        a = [r, 0.0]
        b = [s * math.cos(math.radians(theta)), s * math.sin(math.radians(theta))]
        got = number(student.angle_degrees(a, b), "angle_degrees(a, b)")
        assert got == pytest.approx(theta, abs=1e-6)


def test_angle_with_itself_is_never_nan(student, reference, minilm, rng):
    """The angle of a vector with itself is 0, never nan, though rounding may give cos > 1."""
    # Vectors whose cosine with themselves rounds past 1 when computed without clipping.
    pairs = rounding_pairs(rng, 12, lambda r: (scaled_vector(r, 2, 20),) * 2)
    pairs += rounding_pairs(rng, 4, lambda r: (minilm.vector(pick_word(r, minilm)),) * 2)
    for v, _ in pairs:
        got = number(student.angle_degrees(v, v), "angle_degrees(v, v)")
        assert not math.isnan(got), "the angle of a vector with itself came back nan"
        assert got == pytest.approx(0.0, abs=1e-4)
    assert_general_angle(student, reference, pairs[0][0], rng)


def test_angle_of_opposite_vectors_is_180(student, reference, rng):
    """A vector and its negative are 180 degrees apart, never nan (clip at -1 too)."""

    def draw(r):
        v = scaled_vector(r, 2, 20)
        return v, -v * r.uniform(0.1, 10)

    # Pairs whose cosine rounds past -1 when computed without clipping.
    pairs = rounding_pairs(rng, 12, draw)
    for v, w in pairs:
        got = number(student.angle_degrees(v, w), "angle_degrees(v, -v)")
        assert not math.isnan(got), "the angle of opposite vectors came back nan"
        assert got == pytest.approx(180.0, abs=1e-4)
    assert_general_angle(student, reference, pairs[0][0], rng)


def test_angle_with_zero_vector_is_90(student, reference, rng):
    """A zero vector has cosine 0.0 with anything, so the angle is 90 degrees, not nan."""
    d = int(rng.integers(2, 20))
    v = rng.normal(size=d)
    got = number(student.angle_degrees(np.zeros(d), v), "angle_degrees(0, v)")
    assert got == pytest.approx(90.0, abs=1e-9)
    assert_general_angle(student, reference, v, rng)


def test_angle_different_lengths_raise_value_error(student, reference, rng):
    """Vectors of different lengths raise ValueError in angle_degrees too (and equal lengths work)."""
    n = int(rng.integers(2, 10))
    a, b = rng.normal(size=n), rng.normal(size=n + int(rng.integers(1, 4)))
    got = number(student.angle_degrees(a, b[:n]), "angle_degrees(a, b[:n])")
    assert got == pytest.approx(reference.angle_degrees(a, b[:n]), rel=1e-6, abs=1e-6)
    with pytest.raises(ValueError):
        student.angle_degrees(a, b)
