"""Public checks for lesson 05 (association). Run: pytest exercises/05-association"""

import numpy as np

from autograder.expect import array, chi_square_limit, close, indices, number, random_draws

# The seed article's toy vocabulary: dimensions [health, technology, daily life].
SEED_VOCAB = {
    "医院": [0.9, 0.1, 0.2],
    "医生": [0.85, 0.2, 0.3],
    "病人": [0.8, 0.0, 0.4],
    "手术": [0.95, 0.3, 0.1],
    "代码": [0.1, 0.9, 0.1],
    "咖啡": [0.2, 0.1, 0.8],
}
SEED_OUTPUT = [
    ("医生", 0.3717),
    ("手术", 0.3290),
    ("病人", 0.2972),
    ("咖啡", 0.0018),
    ("代码", 0.0002),
]


def _short(value, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " ..."


def expect_value_error(why: str, call, *args, naming: str | None = None, **kwargs) -> None:
    """call(*args, **kwargs) must raise ValueError (whose message names `naming`, if given)."""
    try:
        result = call(*args, **kwargs)
    except ValueError as err:
        if naming is not None and naming not in str(err):
            raise AssertionError(
                f"{why}: the ValueError is right, but its message should name {naming!r} so "
                f"that the caller knows what is wrong; it says: {err}"
            ) from err
        return
    except Exception as err:
        raise AssertionError(
            f"{why}: it should raise ValueError, but raised {type(err).__name__}: {err}"
        ) from err
    raise AssertionError(f"{why}: it should raise ValueError, but returned {_short(result)}")


def expect_result(call_text: str, expected: str, same, call, *args, **kwargs) -> None:
    """call(*args, **kwargs) on valid input must give a result `same` accepts: rejections count only then."""
    try:
        got = call(*args, **kwargs)
    except Exception as err:
        raise AssertionError(
            f"{call_text} is valid input and should give {expected}, but it raised "
            f"{type(err).__name__}: {err}. This check also makes sure that valid input still "
            "works: a function that rejects everything has not done the lesson's work"
        ) from err
    try:
        right = bool(same(got))
    except (AssertionError, TypeError, ValueError):
        right = False
    assert right, f"{call_text} should give {expected}, got {_short(got)}"


def is_close(got, want, **tolerances) -> bool:
    """True if got has want's exact shape and entries (see autograder.expect.close)."""
    try:
        close(got, want, **tolerances)
    except AssertionError:
        return False
    return True


def draws_of(got, n: int, size: int, call: str) -> list[int]:
    """The draws of sample(...) as ints: exactly n of them, each an index in range(size)."""
    try:
        count = len(got)
    except TypeError:
        raise AssertionError(
            f"{call} should return a list of {n} indices, got {type(got).__name__}: {_short(got)}"
        ) from None
    assert count == n, f"{call} should give {n} draws, got {count}: {_short(got)}"
    return indices(got, n, size, what=f"the draws of {call}")


RANDOM_DRAWS = 3000


def check_random_draws(got, probs: list[float], call: str) -> None:
    """`got`, RANDOM_DRAWS draws of `call`, must be random draws of probs (see random_draws)."""
    random_draws(draws_of(got, RANDOM_DRAWS, len(probs), call), probs, f"the draws of {call}")


def test_softmax_small_example(student):
    """softmax([1, 2, 3]) is exp of each score divided by the sum of the exps."""
    want = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    got = close(
        student.softmax([1.0, 2.0, 3.0]),
        want,
        rtol=1e-6,
        atol=1e-8,
        what=f"softmax([1, 2, 3]) (it should be exp(s) / sum(exp(s)) = {want.round(4)})",
    )
    assert np.isclose(got.sum(), 1.0, rtol=1e-9, atol=1e-12), (
        f"probabilities must sum to 1, these sum to {got.sum()!r}"
    )


def test_softmax_is_stable_for_large_scores(student):
    """Scores in the thousands must not overflow: subtract the largest score before exp."""
    got = array(student.softmax([1000.0, 1001.0, 1002.0]), (3,), "softmax([1000, 1001, 1002])")
    assert not np.isnan(got).any(), (
        "softmax([1000, 1001, 1002]) gave nan: np.exp(1000) is inf and inf / inf is nan; "
        "subtract the maximum score first (the shift cancels out)"
    )
    want = np.exp([0.0, 1.0, 2.0]) / np.exp([0.0, 1.0, 2.0]).sum()
    close(
        student.softmax([0.0, 1.0, 2.0]),
        want,
        rtol=1e-6,
        atol=1e-8,
        what=f"softmax([0, 1, 2]) (it should be exp(s) / sum(exp(s)) = {want.round(4)})",
    )
    close(
        got,
        want,
        rtol=1e-6,
        atol=1e-8,
        what=(
            f"softmax([1000, 1001, 1002]) (adding 1000 to every score must not change the "
            f"result: softmax([0, 1, 2]) = {want.round(4)})"
        ),
    )


def test_softmax_temperature_divides_scores(student):
    """Temperature divides the scores: T = 0.5 doubles them, T = 2 halves them."""
    scores = [1.0, 2.0, 3.0]
    for t, scaled in ((0.5, [2.0, 4.0, 6.0]), (2.0, [0.5, 1.0, 1.5])):
        want = np.exp(scaled) / np.exp(scaled).sum()
        close(
            student.softmax(scores, temperature=t),
            want,
            rtol=1e-6,
            atol=1e-8,
            what=(
                f"softmax({scores}, temperature={t}) (it should equal softmax({scaled}) = "
                f"{want.round(4)})"
            ),
        )


def test_softmax_rejects_nonpositive_temperature(student):
    """A temperature of 0 or below has no meaning: ValueError."""
    want = np.exp([2.0, 4.0]) / np.exp([2.0, 4.0]).sum()
    expect_result(
        "softmax([1.0, 2.0], temperature=0.5)",
        f"softmax([2.0, 4.0]) = {want.round(4)} (a small positive temperature is valid)",
        lambda got: is_close(got, want, rtol=1e-6, atol=1e-8),
        student.softmax,
        [1.0, 2.0],
        temperature=0.5,
    )
    for t in (0.0, -1.0):
        expect_value_error(
            f"softmax([1.0, 2.0], temperature={t}): the scores are divided by the temperature, "
            "so 0 divides by zero and a negative one turns the ranking upside down",
            student.softmax,
            [1.0, 2.0],
            temperature=t,
        )


def test_associate_reproduces_the_seed(student):
    """associate('医院', seed vocabulary) prints exactly the seed article's five probabilities."""
    got = [
        (w, round(number(p, what=f"the probability of {w}"), 4))
        for w, p in student.associate("医院", SEED_VOCAB)
    ]
    assert got == SEED_OUTPUT, f"expected the seed's output {SEED_OUTPUT}, got {got}"


def test_associate_excludes_the_query_word(student):
    """The input word is not one of its own associations; the others' sum to 1, highest first."""
    got = student.associate("手术", SEED_VOCAB, scale=5.0)
    want = [
        ("医院", 0.3632455690516775),
        ("医生", 0.356347030240131),
        ("病人", 0.24184335919375044),
        ("代码", 0.021698564021866804),
        ("咖啡", 0.016865477492574322),
    ]
    words = [w for w, _ in got]
    assert "手术" not in words, "the query word must be skipped (its cosine with itself is 1)"
    others = sorted(w for w in SEED_VOCAB if w != "手术")
    assert sorted(words) == others, (
        f"associate('手术', ...) should list each other word of the vocabulary once, {others}; "
        f"got {words}"
    )
    probs = [number(p, what=f"the probability of {w}") for w, p in got]
    total = sum(probs)
    assert np.isclose(total, 1.0, rtol=1e-9, atol=1e-12), (
        f"the probabilities over the other words should sum to 1 (softmax over them only, "
        f"after leaving the query out), but they sum to {total}"
    )
    assert probs == sorted(probs, reverse=True), (
        f"the pairs should come highest probability first, got {[round(p, 4) for p in probs]}"
    )
    rounded = [(w, round(p, 4)) for w, p in want]
    assert words == [w for w, _ in want], (
        f"associate('手术', seed vocabulary, scale=5.0) should rank {rounded} "
        f"(softmax of 5 * cosine over the five other words); got the order {words}"
    )
    close(
        probs,
        [p for _, p in want],
        rtol=1e-6,
        atol=1e-12,
        what=(
            f"the probabilities of associate('手术', seed vocabulary, scale=5.0) (they should be "
            f"{rounded}: softmax of scale * cosine(手术, w) over the other words w)"
        ),
    )


def test_associate_unknown_word_raises(student):
    """An unknown word raises ValueError whose message names the word (not an error string)."""
    expect_result(
        "associate('医院', seed vocabulary)",
        f"the seed's output {SEED_OUTPUT} (医院 is in the vocabulary)",
        lambda got: [(w, round(number(p), 4)) for w, p in got] == SEED_OUTPUT,
        student.associate,
        "医院",
        SEED_VOCAB,
    )
    expect_value_error(
        "associate('火车', seed vocabulary): 火车 is not in the vocabulary (returning the seed's "
        "string '词不在词表中' makes a caller that expects a list crash far from the cause)",
        student.associate,
        "火车",
        SEED_VOCAB,
        naming="火车",
    )


def test_ranked_results_are_word_score_tuples(student):
    """associate returns a list of (word, probability) tuples whose probabilities are floats."""
    got = student.associate("医院", SEED_VOCAB)
    assert isinstance(got, list), (
        f"associate returned a value of type {type(got).__name__}, {_short(got)}; the "
        "docstring promises a list of (word, probability) tuples"
    )
    for pair in got:
        assert type(pair) is tuple and len(pair) == 2, (
            f"associate should give (word, probability) tuples such as ('医生', 0.3717), got "
            f"{_short(pair)}"
        )
        word, prob = pair
        assert isinstance(word, str) and isinstance(prob, float), (
            f"in {pair!r} the word should be a str and the probability a float (float(x) turns "
            f"a numpy number into one), got {type(word).__name__} and {type(prob).__name__}"
        )
    assert [w for w, _ in got] == ["医生", "手术", "病人", "咖啡", "代码"], (
        f"associate('医院', seed vocab) should rank 医生, 手术, 病人, 咖啡, 代码, got {_short(got)}"
    )


def test_top_k_keeps_k_and_renormalizes(student):
    """top_k keeps the k largest probabilities and divides them by their sum."""
    want = np.array([0.0, 0.5, 0.0, 0.25]) / 0.75
    close(
        student.top_k([0.1, 0.5, 0.15, 0.25], 2),
        want,
        rtol=1e-6,
        atol=1e-12,
        what=(
            f"top_k([0.1, 0.5, 0.15, 0.25], 2) (keeping the 2 largest and renormalizing gives "
            f"{want.round(4)})"
        ),
    )


def test_top_k_ties_keep_earlier_index(student):
    """When equal probabilities straddle the cut, top_k keeps the earlier index."""
    want = np.array([1 / 3, 0.0, 2 / 3])
    close(
        student.top_k([0.25, 0.25, 0.5], 2),
        want,
        rtol=1e-6,
        atol=1e-12,
        what=f"top_k([0.25, 0.25, 0.5], 2) (it keeps 0.5 and the FIRST 0.25: {want.round(4)})",
    )


def test_top_p_keeps_smallest_set_reaching_p(student):
    """top_p keeps the most likely entries until their mass reaches p (ties: earlier first)."""
    probs = [0.25, 0.5, 0.25]
    for p, want in ((0.5, [0, 1, 0]), (0.6, [1 / 3, 2 / 3, 0]), (0.75, [1 / 3, 2 / 3, 0])):
        close(
            student.top_p(probs, p),
            want,
            rtol=1e-6,
            atol=1e-12,
            what=(
                f"top_p({probs}, {p}) (it should be {np.round(want, 4)}: sorted, 0.5 then the "
                f"first 0.25; stop as soon as the running sum is >= p)"
            ),
        )


def test_top_p_with_p_one_keeps_everything(student):
    """With p = 1 nothing is cut, even when rounding keeps the running sum just below 1."""
    probs = [0.1] * 10  # np.cumsum gives 0.9999999999999999 at the end, not 1.0
    close(
        student.top_p(probs, 1.0),
        probs,
        rtol=1e-6,
        atol=1e-8,
        what="top_p([0.1] * 10, 1.0) (it should keep all ten entries, each 0.1)",
    )
    want = np.array([0.0, 0.4, 0.2, 0.3]) / 0.9
    close(
        student.top_p([0.1, 0.4, 0.2, 0.3], 0.8),
        want,
        rtol=1e-6,
        atol=1e-12,
        what=(
            f"top_p([0.1, 0.4, 0.2, 0.3], 0.8) (a p below 1 cuts: the running sum 0.4, 0.7, 0.9 "
            f"reaches 0.8 at the third entry, so 0.4, 0.3 and 0.2 are kept and divided by 0.9: "
            f"{want.round(4)})"
        ),
    )


def test_probability_vectors_are_numpy_arrays(student):
    """softmax, top_k and top_p return float numpy arrays, also when given lists."""
    probs = [0.1, 0.5, 0.15, 0.25]
    results = {
        "softmax([1.0, 2.0, 3.0])": student.softmax([1.0, 2.0, 3.0]),
        f"top_k({probs}, 2)": student.top_k(probs, 2),
        f"top_p({probs}, 0.6)": student.top_p(probs, 0.6),
    }
    for call, got in results.items():
        assert isinstance(got, np.ndarray), (
            f"{call} returned a value of type {type(got).__name__}, {_short(got)}; returned "
            "vectors are numpy arrays in every lesson (inputs may be lists, results are not: "
            "drop the .tolist())"
        )
        assert got.dtype.kind == "f", f"{call} should hold floats, its dtype is {got.dtype}"
    wanted = {
        "softmax([1.0, 2.0, 3.0])": [0.09003057, 0.24472847, 0.66524096],
        f"top_k({probs}, 2)": [0.0, 0.5 / 0.75, 0.0, 0.25 / 0.75],
        f"top_p({probs}, 0.6)": [0.0, 0.5 / 0.75, 0.0, 0.25 / 0.75],
    }
    for call, want in wanted.items():
        close(
            results[call],
            want,
            rtol=1e-5,
            atol=1e-6,
            what=f"{call} (it should be {np.round(want, 4).tolist()})",
        )


def test_sample_is_reproducible(student):
    """The same seed gives the same random draws; another seed gives other draws."""
    probs = [0.1, 0.2, 0.3, 0.4]
    first = draws_of(student.sample(probs, 50, 7), 50, 4, f"sample({probs}, 50, 7)")
    assert draws_of(student.sample(probs, 50, 7), 50, 4, f"sample({probs}, 50, 7)") == first, (
        "two calls with seed=7 gave different draws: build np.random.default_rng(seed)"
    )
    assert draws_of(student.sample(probs, 50, 8), 50, 4, f"sample({probs}, 50, 8)") != first, (
        "seed=8 gave the same draws as seed=7: the seed must drive the generator"
    )
    certain = draws_of(student.sample([0.0, 0.0, 1.0, 0.0], 5, 7), 5, 4, "sample(..., 5, 7)")
    assert certain == [2] * 5, (
        f"sample([0.0, 0.0, 1.0, 0.0], 5, 7) should give [2, 2, 2, 2, 2] (index 2 has "
        f"probability 1), got {certain}: draw with rng.choice(len(probs), size=n, p=probs)"
    )
    call = f"sample({probs}, {RANDOM_DRAWS}, 7)"
    many = draws_of(student.sample(probs, RANDOM_DRAWS, 7), RANDOM_DRAWS, 4, call)
    check_random_draws(many, probs, call)
    assert draws_of(student.sample(probs, RANDOM_DRAWS, 7), RANDOM_DRAWS, 4, call) == many, (
        f"two calls of {call} gave different draws: build np.random.default_rng(seed)"
    )


def test_sample_returns_python_ints(student):
    """sample returns a list of Python ints drawn at random, not numpy integers or an array."""
    draws = student.sample([0.1, 0.2, 0.3, 0.4], 20, 3)
    assert isinstance(draws, list), (
        f"sample returned a value of type {type(draws).__name__}, {_short(draws)}; the "
        "docstring promises a list of Python ints (rng.choice gives an array: turn it into one)"
    )
    odd = [x for x in draws if type(x) is not int]
    assert not odd, (
        f"sample returned {type(odd[0]).__name__} values such as {odd[0]!r}; the docstring "
        "promises Python ints: list(rng.choice(...)) keeps numpy integers, "
        "[int(i) for i in rng.choice(...)] or .tolist() gives Python ints"
    )
    draws_of(draws, 20, 4, "sample([0.1, 0.2, 0.3, 0.4], 20, 3)")
    call = f"sample([0.1, 0.2, 0.3, 0.4], {RANDOM_DRAWS}, 3)"
    check_random_draws(
        student.sample([0.1, 0.2, 0.3, 0.4], RANDOM_DRAWS, 3), [0.1, 0.2, 0.3, 0.4], call
    )


def test_sample_frequencies_follow_probs(student):
    """Over many draws each index comes up about probs[i] of the time."""
    probs = np.array([0.05, 0.15, 0.3, 0.5, 0.0])
    n = 20000
    draws = draws_of(student.sample(probs.tolist(), n, 42), n, 5, f"sample(probs, {n}, 42)")
    counts = np.bincount(draws, minlength=5)
    assert counts[4] == 0, (
        f"index 4 has probability 0 and must never be drawn, but it came up {counts[4]} times"
    )
    expected = n * probs[:4]
    chi2 = float(((counts[:4] - expected) ** 2 / expected).sum())
    assert chi2 < chi_square_limit(3), (
        f"over {n} draws the counts {counts.tolist()} are too far from the expected "
        f"{expected.tolist()} (n * probs): draw with rng.choice(len(probs), size=n, p=probs)"
    )


def test_sample_rejects_invalid_probs(student):
    """Probabilities that are negative or do not sum to 1 raise ValueError."""
    expect_result(
        "sample([0.0, 1.0], 3, 0)",
        "[1, 1, 1] (index 1 has probability 1, whatever the seed)",
        lambda got: draws_of(got, 3, 2, "sample([0.0, 1.0], 3, 0)") == [1, 1, 1],
        student.sample,
        [0.0, 1.0],
        3,
        0,
    )
    probs = [0.1, 0.2, 0.3, 0.4]
    call = f"sample({probs}, {RANDOM_DRAWS}, 0)"
    expect_result(
        call,
        f"{RANDOM_DRAWS} random draws, about 10 % zeros, 20 % ones, 30 % twos and 40 % threes",
        lambda got: check_random_draws(got, probs, call) is None,
        student.sample,
        probs,
        RANDOM_DRAWS,
        0,
    )
    problems = {
        (0.5, 0.6): "sums to 1.1",
        (1.2, -0.2): "holds a negative entry",
        (0.2, 0.2): "sums to 0.4",
    }
    for bad, problem in problems.items():
        expect_value_error(
            f"sample({list(bad)}, 3, 0): the list {problem}, so it is not a probability vector",
            student.sample,
            list(bad),
            3,
            0,
        )
