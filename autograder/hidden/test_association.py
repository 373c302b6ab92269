"""Hidden checks for lesson 05 (association). Docstrings are the feedback students see."""

import math

import numpy as np
import pytest

from autograder.expect import array, chi_square_limit, close, indices, near, number, random_draws


def draws_of(got, n, size):
    """sample's draws as ints: exactly n values, each a whole number in range(size)."""
    return indices(got, n, size, what="sample's draws")


def certain_probs(rng, size):
    """A probability vector of length size with all its mass on one index other than 0."""
    probs = np.zeros(size)
    index = int(rng.integers(1, size))
    probs[index] = 1.0
    return probs, index


def spread_probs(rng, size, zeros=0):
    """Probabilities of `size` entries, `zeros` of them 0, the others proportional to 1..m shuffled.

    Far from uniform, and every nonzero entry at least 2 / (m (m + 1)), so that a few thousand
    draws expect dozens of each index and a chi-square test on them is sound.
    """
    m = size - zeros
    weights = np.zeros(size)
    weights[rng.permutation(size)[:m]] = rng.permutation(np.arange(1.0, m + 1))
    return weights / weights.sum()


RANDOM_DRAWS = 3000  # per frequency test: ample power, cheap


def assert_follows(got, probs):
    """The draws are random draws of probs: the counts, and the pairs of draws in a row."""
    random_draws(got, probs, "sample's draws")


def random_words(rng, n):
    """n distinct made-up words."""
    letters = list("abcdefghijklmnopqrstuvwxyz")
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(letters, size=int(rng.integers(3, 8)))))
    return [str(w) for w in rng.permutation(sorted(words))]


def random_vocab(rng, n, d, as_list=False):
    """A dict of n made-up words to random vectors of length d."""
    vectors = rng.normal(size=(n, d))
    return {
        w: (v.tolist() if as_list else v)
        for w, v in zip(random_words(rng, n), vectors, strict=True)
    }


def random_probs(rng, n, zeros=0):
    """A random probability vector of length n with `zeros` entries equal to 0."""
    p = rng.dirichlet(np.ones(n) * rng.uniform(0.3, 3.0))
    if zeros:
        p[rng.choice(n, size=zeros, replace=False)] = 0.0
        p /= p.sum()
    return p


def ordinary_p(rng, probs):
    """A p that keeps more than the top entry and fewer than all the nonzero ones (>= 3 of them)."""
    mass = np.cumsum(np.sort(probs[probs > 0])[::-1])
    return float(mass[0] + rng.uniform(0.1, 0.9) * (mass[-2] - mass[0]))


def probs_summing_below_one(rng, zeros=0):
    """A random probability vector whose running sum, most likely first, ends a hair below 1.

    Its nonzero entries are at least 1e-6: an entry far below the 1e-9 rounding tolerance
    may rightly be cut at p = 1 (about 1 draw in 300 had one).
    """
    for _ in range(1000):
        probs = random_probs(rng, int(rng.integers(zeros + 3, 40)), zeros=zeros)
        smallest = probs[probs > 0].min()
        if np.cumsum(probs[np.argsort(-probs, kind="stable")])[-1] < 1.0 and smallest >= 1e-6:
            return probs
    pytest.fail("could not draw a probability vector whose running sum ends below 1")


def assert_same_pairs(got, want):
    """Same words in the same order, same probabilities."""
    got = [(str(w), number(p, what="a probability")) for w, p in got]
    assert [w for w, _ in got] == [w for w, _ in want], "the ranking of words differs"
    for (_, gp), (_, wp) in zip(got, want, strict=True):
        near(gp, wp, rel=1e-6, abs=1e-9, what="a probability")


# softmax


def test_softmax_matches_reference_on_random_scores(student, reference, rng):
    """softmax gives exp(score / temperature) normalized, for lists and arrays, any temperature."""
    for i in range(20):
        scores = rng.normal(scale=rng.uniform(0.1, 20), size=int(rng.integers(1, 30)))
        t = float(10 ** rng.uniform(-1.5, 1.5))
        arg = scores.tolist() if i % 2 else scores
        got = array(student.softmax(arg, temperature=t), scores.shape, "softmax(scores)")
        close(got, reference.softmax(scores, t), rtol=1e-6, atol=1e-12, what="softmax(scores)")


def test_softmax_default_temperature_is_one(student, reference, rng):
    """Without a temperature, softmax uses 1.0."""
    scores = rng.normal(size=8)
    close(student.softmax(scores), reference.softmax(scores), rtol=1e-6, atol=1e-8)


def test_softmax_sums_to_one(student, rng):
    """The probabilities are all in [0, 1] and sum to 1."""
    for _ in range(20):
        n = int(rng.integers(2, 50))
        scores = rng.normal(scale=5, size=n)
        got = array(student.softmax(scores), (n,), "softmax(scores)")
        assert np.all(got >= 0) and np.all(got <= 1)
        near(got.sum(), 1.0, rel=0.0, abs=1e-9, what="the sum of softmax(scores)")
    e = np.exp(scores - scores.max())  # and the last one is the softmax, not any distribution
    close(got, e / e.sum(), rtol=1e-6, atol=1e-12, what="softmax(scores)")


def test_softmax_is_stable_for_large_scores(student, reference, rng):
    """Scores in the thousands (positive or negative) give exact probabilities, never nan or inf."""
    for sign in (1, -1, 1, -1):
        scores = sign * rng.uniform(1000, 5000) + rng.normal(scale=3, size=int(rng.integers(2, 12)))
        t = float(rng.uniform(0.5, 2.0))
        got = array(student.softmax(scores, temperature=t), scores.shape, "softmax(scores)")
        assert np.all(np.isfinite(got)), "large scores overflowed to nan or inf"
        close(got, reference.softmax(scores, t), rtol=1e-6, atol=1e-12)


def test_softmax_temperature_divides_scores(student, rng):
    """The temperature divides the scores (a low temperature sharpens the distribution)."""
    for _ in range(5):
        scores = rng.normal(size=6)
        t = float(rng.uniform(0.2, 5.0))
        got = array(student.softmax(scores, temperature=t), (6,), "softmax(scores, t)")
        close(student.softmax(scores / t), got, rtol=1e-6, atol=1e-12)
        e = np.exp(scores / t - np.max(scores / t))
        close(got, e / e.sum(), rtol=1e-6, atol=1e-12, what="softmax(scores, t)")


def test_softmax_rejects_nonpositive_temperature(student, reference, rng):
    """A temperature of zero or below raises ValueError (a positive one works)."""
    scores = rng.normal(size=int(rng.integers(2, 10))).tolist()
    t = float(rng.uniform(0.05, 5.0))
    close(student.softmax(scores, temperature=t), reference.softmax(scores, t), 1e-6, 1e-12)
    for t in (0.0, -float(rng.uniform(0.1, 10))):
        with pytest.raises(ValueError):
            student.softmax(scores, temperature=t)


def test_softmax_rejects_empty_scores(student, reference, rng):
    """An empty list of scores has no distribution: ValueError, not nan or an empty array (one score or more works)."""
    scores = rng.normal(scale=3, size=int(rng.integers(1, 6))).tolist()
    close(student.softmax(scores), reference.softmax(scores), rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError):
        student.softmax([])


# associate


def test_associate_matches_reference_on_random_vocabulary(student, reference, rng):
    """associate ranks the other words by softmax(scale * cosine), highest first."""
    for i in range(8):
        vocab = random_vocab(rng, int(rng.integers(2, 15)), int(rng.integers(2, 10)), i % 2 == 0)
        word = str(rng.choice(list(vocab)))
        scale = float(rng.uniform(0.5, 30))
        assert_same_pairs(
            student.associate(word, vocab, scale=scale), reference.associate(word, vocab, scale)
        )


def test_associate_default_scale_is_ten(student, reference, rng):
    """Without a scale, associate multiplies the cosines by 10, as the seed does."""
    vocab = random_vocab(rng, 7, 4)
    word = str(rng.choice(list(vocab)))
    assert_same_pairs(student.associate(word, vocab), reference.associate(word, vocab))


def test_associate_excludes_the_query_word(student, reference, rng):
    """The query word is never among its own associations; every other word is, exactly once, with its probability."""
    for _ in range(5):
        vocab = random_vocab(rng, int(rng.integers(3, 12)), 5)
        word = str(rng.choice(list(vocab)))
        pairs = student.associate(word, vocab)
        got = [str(w) for w, _ in pairs]
        assert word not in got, "the query word is in its own association list"
        assert sorted(got) == sorted(w for w in vocab if w != word)
        assert_same_pairs(pairs, reference.associate(word, vocab))


def test_associate_probabilities_sum_to_one(student, reference, rng):
    """The probabilities over the other words sum to 1, highest first (each its softmax value)."""
    vocab = random_vocab(rng, int(rng.integers(3, 20)), 6)
    word = str(rng.choice(list(vocab)))
    got = student.associate(word, vocab)
    assert len(got) == len(vocab) - 1, "associate must list every other word once"
    probs = [number(p, what="a probability") for _, p in got]
    near(sum(probs), 1.0, rel=0.0, abs=1e-9, what="the sum of the probabilities")
    assert probs == sorted(probs, reverse=True), "probabilities are not in descending order"
    assert_same_pairs(got, reference.associate(word, vocab))


def test_associate_ties_keep_vocabulary_order(student, reference, rng):
    """Words with equal probabilities keep their order in the vocabulary."""
    for _ in range(4):
        d = int(rng.integers(2, 6))
        base = rng.integers(-3, 4, size=(4, d)).astype(float)
        base[:, 0] = np.abs(base[:, 0]) + 1.0
        rows = base[rng.integers(0, 4, size=int(rng.integers(6, 12)))]
        vocab = {w: r for w, r in zip(random_words(rng, len(rows)), rows, strict=True)}
        word = str(rng.choice(list(vocab)))
        got = [str(w) for w, _ in student.associate(word, vocab)]
        assert got == [w for w, _ in reference.associate(word, vocab)], (
            "tied words are out of vocabulary order"
        )


def test_associate_unknown_word_raises_naming_it(student, reference, rng):
    """An unknown word raises ValueError whose message names it (no error string returned); known words work."""
    vocab = random_vocab(rng, int(rng.integers(3, 8)), 3)
    word = str(rng.choice(list(vocab)))
    assert_same_pairs(student.associate(word, vocab), reference.associate(word, vocab))
    unknown = "unknown" + "".join(rng.choice(list("xyz"), size=4))
    with pytest.raises(ValueError, match=unknown):
        student.associate(unknown, vocab)


def test_associate_handles_zero_vectors(student, reference, rng):
    """A zero vector in the vocabulary has cosine 0.0 with the query, not nan."""
    vocab = random_vocab(rng, 6, 4)
    words = list(vocab)
    vocab[words[int(rng.integers(1, 6))]] = np.zeros(4)
    got = student.associate(words[0], vocab)
    assert not any(math.isnan(number(p, what="a probability")) for _, p in got), (
        "a zero vector gave nan"
    )
    assert_same_pairs(got, reference.associate(words[0], vocab))


def test_associate_rejects_nonpositive_scale(student, reference, rng):
    """A scale of zero or below raises ValueError (a positive one works)."""
    vocab = random_vocab(rng, int(rng.integers(3, 8)), 3)
    word, scale = str(rng.choice(list(vocab))), float(rng.uniform(0.1, 20))
    assert_same_pairs(
        student.associate(word, vocab, scale=scale), reference.associate(word, vocab, scale)
    )
    with pytest.raises(ValueError):
        student.associate(next(iter(vocab)), vocab, scale=-float(rng.uniform(0.1, 5)))
    with pytest.raises(ValueError):
        student.associate(next(iter(vocab)), vocab, scale=0.0)


def test_associate_on_real_model_vectors(student, reference, minilm, rng):
    """associate agrees with the reference on the real model's word vectors."""
    words = rng.choice(minilm.common_words, size=12, replace=False).tolist()
    vocab = {w: minilm.vector(w).astype(float) for w in words}
    for w in words[:3]:
        assert_same_pairs(student.associate(w, vocab), reference.associate(w, vocab))


def test_ranked_results_are_word_score_tuples(student, reference, rng):
    """associate returns something other than a list of (word, probability) tuples with float probabilities."""
    vocab = random_vocab(rng, int(rng.integers(3, 10)), 4, as_list=bool(rng.random() < 0.5))
    word = str(rng.choice(list(vocab)))
    got = student.associate(word, vocab)
    assert isinstance(got, list)
    for pair in got:
        assert type(pair) is tuple and len(pair) == 2
        assert isinstance(pair[0], str) and isinstance(pair[1], float)
    want = reference.associate(word, vocab)
    assert [w for w, _ in got] == [w for w, _ in want]
    close([p for _, p in got], [p for _, p in want], rtol=1e-6, atol=1e-12)


# top_k


def test_top_k_matches_reference_on_random_probs(student, reference, rng):
    """top_k keeps the k most likely entries and renormalizes them."""
    for i in range(15):
        n = int(rng.integers(1, 30))
        probs, k = random_probs(rng, n), int(rng.integers(1, n + 1))
        got = student.top_k(probs.tolist() if i % 2 else probs, k)
        close(got, reference.top_k(probs, k), rtol=1e-6, atol=1e-12, what="top_k(probs, k)")


def test_top_k_renormalizes(student, rng):
    """The kept probabilities (the k largest) are divided by their total, so they sum to 1 again."""
    for _ in range(5):
        probs = random_probs(rng, 10)
        k = int(rng.integers(1, 9))
        got = array(student.top_k(probs, k), probs.shape, "top_k(probs, k)")
        near(got.sum(), 1.0, rel=0.0, abs=1e-9, what="the sum of top_k(probs, k)")
        kept = got > 0
        assert int(kept.sum()) == k, "top_k must keep k entries"
        assert set(np.flatnonzero(kept)) == set(np.argsort(-probs, kind="stable")[:k])
        assert np.allclose(got[kept], probs[kept] / probs[kept].sum(), rtol=1e-6)


def test_top_k_keeps_exactly_k_most_likely(student, rng):
    """Exactly k entries survive, and they are the k largest."""
    for _ in range(5):
        probs = random_probs(rng, int(rng.integers(5, 20)))
        k = int(rng.integers(1, len(probs)))
        got = array(student.top_k(probs, k), probs.shape, "top_k(probs, k)")
        assert int((got > 0).sum()) == k
        assert set(np.flatnonzero(got)) == set(np.argsort(-probs, kind="stable")[:k])


def test_top_k_ties_keep_earlier_index(student, reference, rng):
    """Among equal probabilities at the cut, the earlier index is kept."""
    for _ in range(5):
        n = int(rng.integers(4, 12))
        probs = rng.integers(1, 4, size=n).astype(float)
        probs /= probs.sum()
        k = int(rng.integers(1, n))
        close(student.top_k(probs, k), reference.top_k(probs, k), rtol=1e-6, atol=1e-12)


def test_top_k_with_k_beyond_length_keeps_all(student, reference, rng):
    """A k at or above the number of entries keeps every entry unchanged (a smaller k cuts)."""
    probs = random_probs(rng, int(rng.integers(2, 10)))
    for k in (len(probs), len(probs) + int(rng.integers(1, 5))):
        close(student.top_k(probs, k), probs, rtol=1e-6, atol=1e-8)
    # An ordinary k below the length, the smallest entry first (so the first k are not the top k).
    probs = random_probs(rng, int(rng.integers(4, 10)))
    smallest = int(np.argmin(probs))
    probs[[0, smallest]] = probs[[smallest, 0]]
    k = int(rng.integers(1, len(probs)))
    close(student.top_k(probs, k), reference.top_k(probs, k), rtol=1e-6, atol=1e-12)


def test_top_k_rejects_invalid_input(student, reference, rng):
    """k below 1, negative probabilities or probabilities not summing to 1 raise ValueError (valid input works)."""
    n = int(rng.integers(3, 10))
    probs, k = random_probs(rng, n), int(rng.integers(1, n + 1))
    close(student.top_k(probs, k), reference.top_k(probs, k), rtol=1e-6, atol=1e-12)
    bad = probs.copy()
    i, j = rng.choice(n, size=2, replace=False)
    bad[i], bad[j] = bad[i] + 1.0, bad[j] - 1.0  # sums to 1, one entry negative
    scale = float(rng.choice([rng.uniform(0.2, 0.9), rng.uniform(1.1, 3.0)]))
    for args in ((probs, 0), (probs, -int(rng.integers(1, 5))), (probs * scale, k), (bad, k)):
        with pytest.raises(ValueError):
            student.top_k(*args)


# top_p


def test_top_p_matches_reference_on_random_probs(student, reference, rng):
    """top_p keeps the smallest most-likely set reaching p and renormalizes it."""
    for i in range(20):
        probs = random_probs(rng, int(rng.integers(1, 30)))
        p = float(rng.uniform(0.01, 1.0))
        got = student.top_p(probs.tolist() if i % 2 else probs, p)
        close(got, reference.top_p(probs, p), rtol=1e-6, atol=1e-12, what="top_p(probs, p)")


def test_top_p_mass_reaches_p(student, rng):
    """The kept entries hold at least mass p, and dropping the least likely kept one falls short."""
    for _ in range(15):
        probs = random_probs(rng, int(rng.integers(3, 20)))
        p = float(rng.uniform(0.05, 0.95))
        got = array(student.top_p(probs, p), probs.shape, "top_p(probs, p)")
        kept = got > 0
        assert kept.any(), "top_p kept nothing"
        mass = probs[kept].sum()
        assert mass >= p - 1e-9, "the kept entries do not reach mass p"
        assert mass - probs[kept].min() < p, "the kept set is larger than needed"
        near(got.sum(), 1.0, rel=0.0, abs=1e-9, what="the sum of top_p(probs, p)")


def test_top_p_with_p_one_keeps_every_nonzero_entry(student, reference, rng):
    """p = 1 cuts nothing, also when rounding leaves the running sum a hair below 1 (a p below 1 cuts)."""
    below = [n for n in range(3, 41) if np.cumsum(np.full(n, 1.0 / n))[-1] < 1.0]
    cases = [np.full(int(n), 1.0 / n) for n in rng.choice(below, size=2, replace=False)]
    cases += [probs_summing_below_one(rng) for _ in range(3)]
    cases += [probs_summing_below_one(rng, zeros=int(rng.integers(1, 4)))]
    for probs in cases:
        close(student.top_p(probs, 1.0), probs, rtol=1e-6, atol=1e-12, what="top_p(probs, 1.0)")
    probs = cases[-1]  # and a p below 1 cuts
    p = ordinary_p(rng, probs)
    close(student.top_p(probs, p), reference.top_p(probs, p), rtol=1e-6, atol=1e-12)


def test_top_p_tiny_p_keeps_only_the_top_entry(student, reference, rng):
    """A very small p keeps exactly the single most likely entry, with probability 1 (a larger p keeps more)."""
    probs = random_probs(rng, int(rng.integers(3, 15)))
    want = np.zeros_like(probs)
    want[np.argmax(probs)] = 1.0
    close(student.top_p(probs, 1e-6), want, rtol=1e-5, atol=1e-12)
    p = ordinary_p(rng, probs)  # and a larger p keeps more
    close(student.top_p(probs, p), reference.top_p(probs, p), rtol=1e-6, atol=1e-12)


def test_top_p_ties_keep_earlier_index(student, reference, rng):
    """Among equal probabilities, the earlier index is kept first."""
    for _ in range(5):
        n = int(rng.integers(4, 12))
        probs = rng.integers(1, 4, size=n).astype(float)
        probs /= probs.sum()
        p = float(rng.uniform(0.1, 0.9))
        close(student.top_p(probs, p), reference.top_p(probs, p), rtol=1e-6, atol=1e-12)


def test_top_p_tolerates_rounding_in_running_sum(student, reference, rng):
    """A running sum that equals p up to rounding counts as reaching p (no extra entry)."""
    # Tenths whose running sum, most likely first, ends below p by rounding (about 1 draw in 5),
    # equals p exactly, or ends above it.
    wanted = {"below": 6, "equal": 3, "above": 1}
    cases: dict[str, list] = {kind: [] for kind in wanted}
    for _ in range(1000):
        tenths = rng.multinomial(10, np.ones(5) / 5)
        tenths = np.sort(tenths[tenths > 0])[::-1]
        probs = rng.permutation(tenths / 10.0)
        cut = int(rng.integers(1, len(tenths) + 1))
        p = int(tenths[:cut].sum()) / 10.0
        reached = np.cumsum(probs[np.argsort(-probs, kind="stable")])[cut - 1]
        kind = "below" if reached < p else "equal" if reached == p else "above"
        if len(cases[kind]) < wanted[kind]:
            cases[kind].append((probs, p))
        if all(len(cases[k]) == n for k, n in wanted.items()):
            break
    if not cases["below"]:
        pytest.fail("could not draw a running sum that rounds below p")
    for probs, p in (case for kind in wanted for case in cases[kind]):
        close(student.top_p(probs, p), reference.top_p(probs, p), rtol=1e-6, atol=1e-12)


def test_top_p_rejects_invalid_input(student, reference, rng):
    """p outside (0, 1], negative probabilities or probabilities not summing to 1: ValueError (valid input works)."""
    probs, p = random_probs(rng, int(rng.integers(3, 10))), float(rng.uniform(0.05, 1.0))
    close(student.top_p(probs, p), reference.top_p(probs, p), rtol=1e-6, atol=1e-12)
    scale = float(rng.choice([rng.uniform(0.2, 0.9), rng.uniform(1.1, 3.0)]))
    outside = (0.0, -float(rng.uniform(0.01, 2.0)), 1.0 + float(rng.uniform(0.01, 2.0)))
    for args in (*((probs, q) for q in outside), (probs * scale, p)):
        with pytest.raises(ValueError):
            student.top_p(*args)


def test_probability_vectors_are_numpy_arrays(student, reference, rng):
    """softmax, top_k or top_p returns a list (e.g. after .tolist()) or non-float values where a float numpy array is promised."""
    n = int(rng.integers(3, 12))
    probs = random_probs(rng, n).tolist()
    scores, k, p = (
        rng.normal(size=n).tolist(),
        int(rng.integers(1, n + 1)),
        float(rng.uniform(0.1, 1.0)),
    )
    results = [student.softmax(scores), student.top_k(probs, k), student.top_p(probs, p)]
    wanted = [reference.softmax(scores), reference.top_k(probs, k), reference.top_p(probs, p)]
    for got, want in zip(results, wanted, strict=True):
        assert isinstance(got, np.ndarray)
        assert got.dtype.kind == "f"
        close(got, want, rtol=1e-6, atol=1e-12)


# sample


def test_sample_same_seed_same_draws(student, rng):
    """Two calls with the same probabilities, n and seed return the same random draws."""
    for _ in range(3):
        probs = random_probs(rng, int(rng.integers(2, 10))).tolist()
        n, seed = int(rng.integers(20, 200)), int(rng.integers(0, 2**31))
        first = draws_of(student.sample(probs, n, seed), n, len(probs))
        assert draws_of(student.sample(probs, n, seed), n, len(probs)) == first
    certain, index = certain_probs(rng, int(rng.integers(2, 10)))
    n, seed = int(rng.integers(5, 50)), int(rng.integers(0, 2**31))
    assert draws_of(student.sample(certain.tolist(), n, seed), n, len(certain)) == [index] * n
    probs = spread_probs(rng, int(rng.integers(2, 10))).tolist()
    first = draws_of(student.sample(probs, RANDOM_DRAWS, seed), RANDOM_DRAWS, len(probs))
    assert_follows(first, probs)
    assert draws_of(student.sample(probs, RANDOM_DRAWS, seed), RANDOM_DRAWS, len(probs)) == first


def test_sample_different_seeds_give_different_draws(student, rng):
    """Different seeds give different random draws: the seed actually drives the generator."""
    probs = np.maximum(random_probs(rng, int(rng.integers(4, 9))), 0.05)
    probs = (probs / probs.sum()).tolist()
    seed = int(rng.integers(0, 2**31 - 1))
    a = draws_of(student.sample(probs, 100, seed), 100, len(probs))
    b = draws_of(student.sample(probs, 100, seed + 1), 100, len(probs))
    assert a != b
    certain, index = certain_probs(rng, len(probs))
    assert draws_of(student.sample(certain.tolist(), 10, seed), 10, len(probs)) == [index] * 10
    spread = spread_probs(rng, len(probs))
    assert_follows(student.sample(spread.tolist(), RANDOM_DRAWS, seed + 1), spread)


def test_sample_frequencies_follow_probs(student, rng):
    """Over many draws the frequency of each index matches its probability."""
    for _ in range(2):
        probs = random_probs(rng, int(rng.integers(3, 9)))
        probs = np.maximum(probs, 0.02)
        probs /= probs.sum()
        n = 20000
        draws = student.sample(probs.tolist(), n, int(rng.integers(0, 2**31)))
        counts = np.bincount(draws_of(draws, n, len(probs)), minlength=len(probs))
        expected = n * probs
        chi2 = float(((counts - expected) ** 2 / expected).sum())
        assert chi2 < chi_square_limit(len(probs) - 1), "the frequencies do not follow probs"


def test_sample_never_draws_zero_probability(student, rng):
    """An index of probability 0 is never drawn; the others come up as often as probs says."""
    probs = spread_probs(rng, 8, zeros=3)
    draws = student.sample(probs.tolist(), RANDOM_DRAWS, int(rng.integers(0, 2**31)))
    draws = draws_of(draws, RANDOM_DRAWS, len(probs))
    assert not set(draws) & set(np.flatnonzero(probs == 0).tolist())
    assert_follows(draws, probs)


def test_sample_returns_n_indices_in_range(student, rng):
    """sample returns a list of exactly n random ints in range(len(probs)); n = 0 gives []."""
    probs = random_probs(rng, int(rng.integers(2, 10)))
    n = int(rng.integers(1, 300))
    draws_of(student.sample(probs, n, int(rng.integers(0, 2**31))), n, len(probs))
    assert list(student.sample(probs, 0, 1)) == []
    spread = spread_probs(rng, len(probs), zeros=int(rng.integers(0, len(probs) - 1)))
    assert_follows(student.sample(spread, RANDOM_DRAWS, int(rng.integers(0, 2**31))), spread)


def test_sample_returns_python_ints(student, reference, rng):
    """sample returns numpy integers or an array where a list of Python ints, drawn at random, is promised."""
    probs = random_probs(rng, int(rng.integers(2, 8)))
    n, seed = int(rng.integers(5, 50)), int(rng.integers(0, 2**31))
    draws = student.sample(probs.tolist(), n, seed)
    assert isinstance(draws, list)
    assert all(type(i) is int for i in draws)
    assert len(draws) == n and all(0 <= i < len(probs) and probs[i] > 0 for i in draws)
    again = student.sample(probs.tolist(), n, seed)
    assert again == draws
    spread = spread_probs(rng, len(probs))
    many = student.sample(spread.tolist(), RANDOM_DRAWS, seed)
    assert isinstance(many, list) and all(type(i) is int for i in many)
    assert_follows(many, spread)


def test_sample_rejects_invalid_input(student, reference, rng):
    """Negative probabilities, probabilities not summing to 1, or n < 0 raise ValueError (valid input gives random draws)."""
    size = int(rng.integers(3, 10))
    certain = np.zeros(size)
    certain[int(rng.integers(size))] = 1.0  # every draw is this index, whatever the generator
    n, seed = int(rng.integers(1, 50)), int(rng.integers(0, 2**31))
    got = draws_of(student.sample(certain.tolist(), n, seed), n, size)
    assert got == reference.sample(certain, n, seed)
    spread = spread_probs(rng, size, zeros=int(rng.integers(0, size - 1)))
    assert_follows(student.sample(spread, RANDOM_DRAWS, seed), spread)
    probs = random_probs(rng, size)
    bad = probs.copy()
    i, j = rng.choice(size, size=2, replace=False)
    bad[i], bad[j] = bad[i] + 1.0, bad[j] - 1.0  # sums to 1, one entry negative
    low, high = float(rng.uniform(0.2, 0.9)), float(rng.uniform(1.1, 3.0))
    cases = [(probs * high, n, seed), (probs * low, n, seed), (bad, n, seed)]
    cases.append((probs, -int(rng.integers(1, 10)), seed))
    for args in cases:
        with pytest.raises(ValueError):
            student.sample(*args)
