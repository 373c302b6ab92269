"""Hidden checks for lesson 04 (analogy): random inputs compared with the reference."""

import re

import numpy as np
import pytest

from autograder.expect import near, number


def random_words(rng, n):
    """n distinct made-up words."""
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), size=6)))
    return sorted(words, key=lambda _: rng.random())


def random_embeddings(rng, n, dim, spread=True):
    """n made-up words with random vectors; with spread, lengths vary a lot."""
    vectors = rng.normal(size=(n, dim))
    if spread:
        vectors *= rng.uniform(0.2, 5.0, size=(n, 1))
    return dict(zip(random_words(rng, n), vectors, strict=True))


def same_ranking(got, expected):
    """Assert two ranked lists hold the same words in the same order and the same scores."""
    got = [(str(w), number(s, what=f"the score of {w!r}")) for w, s in got]
    assert [w for w, _ in got] == [w for w, _ in expected]
    for (word, score), (_, want) in zip(got, expected, strict=True):
        near(score, want, rel=1e-6, abs=1e-9, what=f"the score of {word!r}")


ACCURACY_KEYS = {"accuracy", "answered", "skipped"}


def same_accuracy(got, expected, rel=1e-6, abs=1e-12):
    """Assert got is a dict of exactly the three keys, each one number, equal to expected's.

    The accuracy within (rel, abs), the counts exactly (an empty array is no count).
    """
    assert isinstance(got, dict), f"analogy_accuracy returned {type(got).__name__}, not a dict"
    assert set(got) == ACCURACY_KEYS, f"analogy_accuracy's keys are {sorted(map(str, got))}"
    near(got["accuracy"], expected["accuracy"], rel=rel, abs=abs, what="the accuracy")
    for key in ("answered", "skipped"):
        assert number(got[key], what=f"{key!r}") == expected[key], f"{key!r} differs"


def raw_answer(a, b, c, embeddings):
    """3CosAdd on raw (unnormalized) vectors, inputs excluded: a tempting shortcut."""
    words = [w for w in embeddings if w not in (a, b, c)]
    target = np.asarray(embeddings[b]) - np.asarray(embeddings[a]) + np.asarray(embeddings[c])
    mat = np.array([embeddings[w] for w in words], dtype=float)
    cos = mat @ target / (np.linalg.norm(mat, axis=1) * np.linalg.norm(target))
    return words[int(np.argmax(cos))]


def questions_from(rng, words, n, unknown=()):
    """n random questions over `words`, some holding a word from `unknown`."""
    questions = []
    for _ in range(n):
        q = [str(w) for w in rng.choice(words, size=4, replace=False)]
        if unknown and rng.random() < 0.3:
            q[int(rng.integers(0, 4))] = str(rng.choice(unknown))
        questions.append(q)
    return questions


def answered_questions(rng, emb, reference, right, wrong):
    """right + wrong answerable questions in random order: 3CosAdd answers `right` of them right.

    A wrong question's d is another word than the top answer and the inputs.
    """
    words = list(emb)
    questions = []
    for i in range(right + wrong):
        a, b, c = (str(w) for w in rng.choice(words, size=3, replace=False))
        top = reference.analogy(a, b, c, emb)[0][0]
        if i >= right:
            top = str(rng.choice([w for w in words if w not in (a, b, c, top)]))
        questions.append([a, b, c, top])
    return [questions[int(i)] for i in rng.permutation(len(questions))]


def read_questions(path):
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ":")):
            questions.append(line.split())
    return questions


# nearest


def test_nearest_matches_reference(student, reference, rng):
    """Ranking by cosine differs from the expected one (scores, order or k)."""
    emb = random_embeddings(rng, int(rng.integers(10, 40)), int(rng.integers(3, 12)))
    query = rng.normal(size=len(next(iter(emb.values()))))
    k = int(rng.integers(1, 8))
    same_ranking(student.nearest(query, emb, k=k), reference.nearest(query, emb, k=k))


def test_nearest_is_scale_invariant(student, reference, rng):
    """The score must be a cosine: scaling the query or a word vector must not change it."""
    emb = random_embeddings(rng, 15, 5)
    query = rng.normal(size=5)
    scaled = {w: v * float(rng.uniform(0.01, 100.0)) for w, v in emb.items()}
    got = student.nearest(query * float(rng.uniform(0.01, 100.0)), scaled, k=15)
    same_ranking(got, reference.nearest(query, emb, k=15))


def test_nearest_excludes_words(student, reference, rng):
    """Excluded words must not appear in the ranking."""
    emb = random_embeddings(rng, 20, 6)
    words = list(emb)
    exclude = [str(w) for w in rng.choice(words, size=5, replace=False)] + ["notaword"]
    query = np.asarray(emb[exclude[0]]) + rng.normal(scale=0.1, size=6)
    got = student.nearest(query, emb, k=5, exclude=exclude)
    same_ranking(got, reference.nearest(query, emb, k=5, exclude=exclude))


def test_nearest_ties_keep_input_order(student, reference, rng):
    """Equal scores must keep the dict's order (the earlier word first)."""
    dim = 4
    axis = int(rng.integers(0, dim))
    other = (axis + 1) % dim
    # Directions of cosine 1, 0, 0.707 (twice) and 0.949 with the query, each used twice and
    # scaled by powers of 2 (exact in floating point): ties at several levels, exact ones.
    directions = [(1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, -1.0), (3.0, 1.0)]
    picks = rng.permutation(np.repeat(np.arange(len(directions)), 2))
    words = random_words(rng, len(picks))
    emb = {}
    for w, pick in zip(words, picks, strict=True):
        v = np.zeros(dim)
        v[axis], v[other] = directions[int(pick)]
        emb[w] = v * 2.0 ** int(rng.integers(0, 4))
    query = np.zeros(dim)
    query[axis] = 2.0
    k = int(rng.integers(6, len(words) + 1))
    ranked = student.nearest(query, emb, k=k)
    got = [str(w) for w, _ in ranked]
    assert got[:2] == [w for w, pick in zip(words, picks, strict=True) if pick == 0]
    same_ranking(ranked, reference.nearest(query, emb, k=k))


def test_nearest_k_larger_than_vocabulary(student, reference, rng):
    """Asking for more words than there are must return every remaining word, once, ranked."""
    emb = random_embeddings(rng, 6, 3)
    query, exclude = rng.normal(size=3), [list(emb)[0]]
    got = student.nearest(query, emb, k=50, exclude=exclude)
    assert sorted(str(w) for w, _ in got) == sorted(list(emb)[1:])
    same_ranking(got, reference.nearest(query, emb, k=50, exclude=exclude))


def test_nearest_zero_vector_scores_zero(student, reference, rng):
    """A zero vector must get cosine 0.0, not nan (and the other words their cosines)."""
    emb = random_embeddings(rng, 5, 4)
    zero_word = list(emb)[int(rng.integers(0, 5))]
    emb[zero_word] = np.zeros(4)
    query = rng.normal(size=4)
    ranked = student.nearest(query, emb, k=5)
    scores = {str(w): number(s, what=f"the score of {w!r}") for w, s in ranked}
    assert len(ranked) == 5 and set(scores) == set(emb)
    assert scores[zero_word] == 0.0
    same_ranking(ranked, reference.nearest(query, emb, k=5))
    all_zero = student.nearest(np.zeros(4), emb, k=5)
    assert sorted(str(w) for w, _ in all_zero) == sorted(emb)
    assert all(number(s, what=f"the score of {w!r}") == 0.0 for w, s in all_zero)


def test_nearest_rejects_mismatched_lengths(student, reference, rng):
    """A query of another length than the word vectors must raise ValueError (a query of the right length works)."""
    dim = int(rng.integers(3, 8))
    emb = random_embeddings(rng, int(rng.integers(4, 10)), dim)
    query = rng.normal(size=dim)
    k = int(rng.integers(1, 4))
    same_ranking(student.nearest(query, emb, k=k), reference.nearest(query, emb, k=k))
    other = dim + int(rng.choice([-2, -1, 1, 2]))
    with pytest.raises(ValueError):
        student.nearest(rng.normal(size=other), emb)


def test_nearest_rejects_bad_k(student, reference, rng):
    """k must be a positive integer: 0 or a negative k must raise ValueError (k >= 1 works)."""
    dim = int(rng.integers(2, 6))
    emb = random_embeddings(rng, int(rng.integers(3, 10)), dim)
    query = rng.normal(size=dim)
    k = int(rng.integers(1, len(emb) + 1))
    same_ranking(student.nearest(query, emb, k=k), reference.nearest(query, emb, k=k))
    with pytest.raises(ValueError):
        student.nearest(query, emb, k=-int(rng.integers(0, 3)))


# analogy (3CosAdd)


def test_analogy_matches_reference(student, reference, rng):
    """3CosAdd ranking differs from the expected one (target direction or scores)."""
    emb = random_embeddings(rng, int(rng.integers(15, 40)), int(rng.integers(4, 12)))
    a, b, c = (str(w) for w in rng.choice(list(emb), size=3, replace=False))
    k = int(rng.integers(1, 6))
    same_ranking(student.analogy(a, b, c, emb, k=k), reference.analogy(a, b, c, emb, k=k))


def test_analogy_target_direction(student, reference, rng):
    """The target must be u(b) - u(a) + u(c): signs or argument order are off."""
    for _ in range(3):
        emb = random_embeddings(rng, 12, 3, spread=False)
        a, b, c = (str(w) for w in rng.choice(list(emb), size=3, replace=False))
        got = student.analogy(a, b, c, emb, k=9)
        same_ranking(got, reference.analogy(a, b, c, emb, k=9))


def test_analogy_never_returns_an_input_word(student, reference, rng):
    """An input word must never be the answer unless exclude_inputs=False."""
    for _ in range(1000):  # random draws until the case discriminates
        emb = random_embeddings(rng, 10, 3, spread=False)
        a, b, c = (str(w) for w in rng.choice(list(emb), size=3, replace=False))
        top = reference.analogy(a, b, c, emb, k=1, exclude_inputs=False)[0][0]
        if top in (a, b, c):
            break
    else:
        pytest.fail("could not draw a discriminating case")
    same_ranking(student.analogy(a, b, c, emb, k=3), reference.analogy(a, b, c, emb, k=3))


def test_analogy_can_keep_input_words(student, reference, rng):
    """exclude_inputs=False must let every word compete, inputs included."""
    emb = random_embeddings(rng, 10, 4)
    a, b, c = (str(w) for w in rng.choice(list(emb), size=3, replace=False))
    got = student.analogy(a, b, c, emb, k=10, exclude_inputs=False)
    same_ranking(got, reference.analogy(a, b, c, emb, k=10, exclude_inputs=False))


def test_analogy_normalizes_before_arithmetic(student, reference, rng):
    """Vectors must be scaled to unit length before the subtraction and addition."""
    for _ in range(1000):  # random draws until the case discriminates
        emb = random_embeddings(rng, 12, 3, spread=True)
        a, b, c = (str(w) for w in rng.choice(list(emb), size=3, replace=False))
        expected = reference.analogy(a, b, c, emb, k=1)
        if expected[0][0] != raw_answer(a, b, c, emb):
            break
    else:
        pytest.fail("could not draw a discriminating case")
    same_ranking(student.analogy(a, b, c, emb, k=1), expected)


def test_analogy_unknown_word_raises_valueerror(student, reference, rng):
    """An unknown input word must raise ValueError whose message names the word (known words still work)."""
    emb = random_embeddings(rng, 8, 3)
    words = list(emb)
    args = [str(w) for w in rng.choice(words, size=3, replace=False)]
    same_ranking(student.analogy(*args, emb, k=2), reference.analogy(*args, emb, k=2))
    unknown = random_words(rng, 1)[0] + "x"
    args[int(rng.integers(0, 3))] = unknown
    with pytest.raises(ValueError, match=re.escape(unknown)):
        student.analogy(*args, emb)


def test_analogy_real_minilm_vectors(student, reference, minilm, lesson, rng):
    """3CosAdd on the real model's vectors gives another ranking than expected."""
    questions = read_questions(lesson.folder / "questions.txt")
    picked = [questions[int(i)] for i in rng.choice(len(questions), size=2, replace=False)]
    triples = [["man", "king", "woman"], *(q[:3] for q in picked)]
    words = [str(w) for w in rng.choice(minilm.common_words, size=300, replace=False)]
    words += ["queen", *(w for q in picked for w in q), *(w for t in triples for w in t)]
    emb = minilm.embeddings([str(w) for w in rng.permutation(list(dict.fromkeys(words)))])
    for a, b, c in triples:
        got = student.analogy(a, b, c, emb, k=5)
        same_ranking(got, reference.analogy(a, b, c, emb, k=5))


# analogy_cosmul (3CosMul)


def test_cosmul_matches_reference(student, reference, rng):
    """3CosMul scores differ from s(x,b) s(x,c) / (s(x,a) + eps) with shifted cosines."""
    emb = random_embeddings(rng, int(rng.integers(15, 40)), int(rng.integers(3, 8)))
    a, b, c = (str(w) for w in rng.choice(list(emb), size=3, replace=False))
    k = int(rng.integers(3, 8))
    same_ranking(
        student.analogy_cosmul(a, b, c, emb, k=k), reference.analogy_cosmul(a, b, c, emb, k=k)
    )


def test_cosmul_shifts_cosines(student, reference, rng):
    """Cosines must be shifted to (cos + 1) / 2 before multiplying and dividing."""
    emb = random_embeddings(rng, 25, 2, spread=False)
    a, b, c = (str(w) for w in rng.choice(list(emb), size=3, replace=False))
    same_ranking(
        student.analogy_cosmul(a, b, c, emb, k=22), reference.analogy_cosmul(a, b, c, emb, k=22)
    )


def test_cosmul_uses_eps(student, reference, rng):
    """The eps argument must be the constant added to the denominator."""
    emb = random_embeddings(rng, 20, 5)
    a, b, c = (str(w) for w in rng.choice(list(emb), size=3, replace=False))
    eps = float(rng.uniform(0.05, 0.5))
    got = student.analogy_cosmul(a, b, c, emb, k=5, eps=eps)
    same_ranking(got, reference.analogy_cosmul(a, b, c, emb, k=5, eps=eps))


def test_cosmul_excludes_input_words(student, reference, rng):
    """3CosMul must never return one of its three input words (the others ranked by their scores)."""
    emb = random_embeddings(rng, 8, 3)
    a, b, c = (str(w) for w in rng.choice(list(emb), size=3, replace=False))
    ranked = student.analogy_cosmul(a, b, c, emb, k=8)
    got = [str(w) for w, _ in ranked]
    assert len(got) == 5 and not {a, b, c} & set(got)
    same_ranking(ranked, reference.analogy_cosmul(a, b, c, emb, k=8))


def test_cosmul_unknown_word_raises_valueerror(student, reference, rng):
    """An unknown input word must raise ValueError whose message names the word (known words still work)."""
    emb = random_embeddings(rng, 8, 3)
    args = [str(w) for w in rng.choice(list(emb), size=3, replace=False)]
    same_ranking(student.analogy_cosmul(*args, emb, k=2), reference.analogy_cosmul(*args, emb, k=2))
    unknown = random_words(rng, 1)[0] + "q"
    args[int(rng.integers(0, 3))] = unknown
    with pytest.raises(ValueError, match=re.escape(unknown)):
        student.analogy_cosmul(*args, emb)


def test_ranked_results_are_word_score_tuples(student, reference, rng):
    """nearest, analogy or analogy_cosmul returns something other than a list of (word, score) tuples with float scores."""
    emb = random_embeddings(rng, 8, int(rng.integers(3, 7)))
    a, b, c = list(emb)[:3]
    k = int(rng.integers(1, 6))
    query = rng.normal(size=len(emb[a]))
    results = [
        student.nearest(query, emb, k=k),
        student.analogy(a, b, c, emb, k=k),
        student.analogy_cosmul(a, b, c, emb, k=k),
    ]
    wanted = [
        reference.nearest(query, emb, k=k),
        reference.analogy(a, b, c, emb, k=k),
        reference.analogy_cosmul(a, b, c, emb, k=k),
    ]
    for got, want in zip(results, wanted, strict=True):
        assert isinstance(got, list)
        for pair in got:
            assert type(pair) is tuple and len(pair) == 2
            assert isinstance(pair[0], str) and isinstance(pair[1], float)
        assert _same_ranking(got, want)


def _same_ranking(got, want) -> bool:
    """Same words in the same order, scores within tolerance."""
    return [w for w, _ in got] == [w for w, _ in want] and all(
        abs(number(g) - float(w)) <= 1e-6 + 1e-6 * abs(float(w))
        for (_, g), (_, w) in zip(got, want, strict=True)
    )


# analogy_accuracy


@pytest.mark.parametrize("method", ["add", "mul"])
def test_accuracy_matches_reference(student, reference, rng, method):
    """Accuracy, answered or skipped counts differ from the expected ones."""
    emb = random_embeddings(rng, 12, 3, spread=False)
    questions = questions_from(rng, list(emb), 40, unknown=random_words(rng, 3))
    got = student.analogy_accuracy(questions, emb, method=method)
    same_accuracy(got, reference.analogy_accuracy(questions, emb, method=method))


def test_accuracy_leaves_skipped_out_of_denominator(student, reference, rng):
    """Skipped questions must not count in the accuracy's denominator."""
    emb = random_embeddings(rng, 10, 3, spread=False)
    words = list(emb)
    right, wrong = int(rng.integers(3, 7)), int(rng.integers(1, 4))
    questions = answered_questions(rng, emb, reference, right, wrong)
    unknown = random_words(rng, 4)
    for i in range(int(rng.integers(2, 6))):
        q = [str(w) for w in rng.choice(words, size=4, replace=False)]
        q[i % 4] = unknown[i % 4]
        questions.insert(int(rng.integers(0, len(questions) + 1)), q)
    got = student.analogy_accuracy(questions, emb)
    same_accuracy(got, reference.analogy_accuracy(questions, emb))
    near(got["accuracy"], right / (right + wrong), rel=1e-6, abs=1e-12, what="the accuracy")


def test_accuracy_nothing_answered_is_zero(student, reference, rng):
    """With no answerable question the accuracy must be 0.0 (no ZeroDivisionError, no nan)."""
    emb = random_embeddings(rng, 6, 3)
    unknown = [w + "z" for w in random_words(rng, 8)]
    questions = [list(unknown[i : i + 4]) for i in range(int(rng.integers(1, 5)))]
    got = student.analogy_accuracy(questions, emb)
    same_accuracy(got, {"accuracy": 0.0, "answered": 0, "skipped": len(questions)}, 0.0, 0.0)
    none = student.analogy_accuracy([], emb, method="mul")
    same_accuracy(none, {"accuracy": 0.0, "answered": 0, "skipped": 0}, 0.0, 0.0)
    answered = answered_questions(rng, emb, reference, 1, 1) + questions
    got = student.analogy_accuracy(answered, emb)
    same_accuracy(got, reference.analogy_accuracy(answered, emb))


def test_accuracy_rejects_unknown_method(student, reference, rng):
    """A method other than "add" or "mul" must raise ValueError ("add" and "mul" work)."""
    emb = random_embeddings(rng, 10, 3, spread=False)
    questions = questions_from(rng, list(emb), 6, unknown=random_words(rng, 2))
    for method in rng.permutation(["add", "mul"]):
        got = student.analogy_accuracy(questions, emb, method=str(method))
        same_accuracy(got, reference.analogy_accuracy(questions, emb, str(method)))
    bad = str(rng.choice(["3cosadd", "3cosmul", "cosine", "ADD", "Mul", "add ", "multiply"]))
    with pytest.raises(ValueError):
        student.analogy_accuracy(questions, emb, method=bad)


def test_accuracy_returns_plain_numbers(student, reference, rng):
    """analogy_accuracy's dict holds numpy numbers, or other keys, instead of a float accuracy and int counts."""
    emb = random_embeddings(rng, 10, 3, spread=False)
    questions = questions_from(rng, list(emb), 8, unknown=random_words(rng, 2))
    method = str(rng.choice(["add", "mul"]))
    got = student.analogy_accuracy(questions, emb, method=method)
    assert isinstance(got, dict) and set(got) == {"accuracy", "answered", "skipped"}
    assert isinstance(got["accuracy"], float)
    assert type(got["answered"]) is int and type(got["skipped"]) is int
    want = reference.analogy_accuracy(questions, emb, method=method)
    assert (got["answered"], got["skipped"]) == (want["answered"], want["skipped"])
    assert abs(got["accuracy"] - want["accuracy"]) <= 1e-9


def test_accuracy_uses_the_chosen_method(student, reference, rng):
    """method="mul" must answer with 3CosMul and method="add" with 3CosAdd."""
    for _ in range(1000):  # random draws until the case discriminates
        emb = random_embeddings(rng, 14, 3, spread=False)
        questions = []
        for _ in range(10):
            a, b, c = (str(w) for w in rng.choice(list(emb), size=3, replace=False))
            questions.append([a, b, c, reference.analogy_cosmul(a, b, c, emb)[0][0]])
        add = reference.analogy_accuracy(questions, emb, method="add")
        if add["accuracy"] < 1.0:
            break
    else:
        pytest.fail("could not draw a discriminating case")
    for method in ("add", "mul"):
        got = student.analogy_accuracy(questions, emb, method=method)
        same_accuracy(got, reference.analogy_accuracy(questions, emb, method))


@pytest.mark.parametrize("method", ["add", "mul"])
def test_accuracy_on_real_question_set(student, reference, minilm, lesson, rng, method):
    """Accuracy on the lesson's question set over the real model's vectors is off."""
    questions = read_questions(lesson.folder / "questions.txt")
    picked = [questions[i] for i in sorted(rng.choice(len(questions), size=40, replace=False))]
    # Every question word and a random thousand of the model's common words compete.
    words = [str(w) for w in rng.choice(minilm.common_words, size=1000, replace=False)]
    words += [w for q in questions for w in q]
    emb = minilm.embeddings(list(dict.fromkeys(words)))
    got = student.with_timeout(60).analogy_accuracy(picked, emb, method=method)
    same_accuracy(got, reference.analogy_accuracy(picked, emb, method))
