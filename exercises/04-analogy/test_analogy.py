"""Public checks for lesson 04 (analogy). Run: python -m pytest exercises/04-analogy -q"""

import numpy as np

from autograder.expect import near, number

# The seed article's 4-dimensional toy vectors.
TOY = {
    "king": [0.9, 0.8, 1.0, 0.1],
    "man": [0.1, 0.9, 1.0, 0.0],
    "woman": [0.1, -0.9, 1.0, 0.0],
    "queen": [0.9, -0.8, 1.0, 0.1],
    "apple": [0.0, 0.0, 0.0, 0.9],
}


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


def expect_result(call_text: str, check, call, *args, **kwargs) -> None:
    """call(*args, **kwargs) on valid input must pass `check`: rejections count only then.

    `check(got)` returns None when the result is right, else what was expected.
    """
    try:
        got = call(*args, **kwargs)
    except Exception as err:
        raise AssertionError(
            f"{call_text} is valid input, but it raised {type(err).__name__}: {err}. This check "
            "also makes sure that valid input still works: a function that rejects everything "
            "has not done the lesson's work"
        ) from err
    expected = check(got)
    assert expected is None, f"{call_text} should give {expected}, got {_short(got)}"


def read_questions(path):
    """Questions of a file in the lesson's format: {relation: [(a, b, c, d), ...]}."""
    questions, relation = {}, None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(":"):
            relation = line[1:].strip()
            questions[relation] = []
        else:
            questions[relation].append(tuple(line.split()))
    return questions


def words_of(ranked):
    return [str(pair[0]) for pair in ranked]


ACCURACY_KEYS = ("accuracy", "answered", "skipped")


def accuracy_problem(got, want: dict, call: str) -> str | None:
    """None if got is a dict of exactly want's keys holding want's numbers, else what is wrong.

    The accuracy is compared with a tolerance of 1e-6 relative, the counts exactly; each must
    be one number (an array, even an empty one, is not a count).
    """
    if not isinstance(got, dict):
        return f"{call} should return a dict, got {type(got).__name__}: {_short(got)}"
    if set(got) != set(ACCURACY_KEYS):
        return (
            f"{call} should return a dict with exactly the keys 'accuracy', 'answered' and "
            f"'skipped', got the keys {sorted(map(str, got))}"
        )
    try:
        values = {key: number(got[key], what=f"{call}[{key!r}]") for key in ACCURACY_KEYS}
    except AssertionError as err:
        return str(err)
    right = bool(np.isclose(values["accuracy"], want["accuracy"], rtol=1e-6, atol=1e-12)) and all(
        values[key] == want[key] for key in ("answered", "skipped")
    )
    return None if right else f"{call} should give {want}, got {_short(got)}"


def test_nearest_seed_toy_example(student):
    """The seed's king - man + woman is nearest to queen, cosine 0.9947."""
    target = np.array(TOY["king"]) - np.array(TOY["man"]) + np.array(TOY["woman"])
    ranked = student.nearest(target, TOY, k=5)
    assert words_of(ranked) == ["queen", "woman", "king", "man", "apple"], (
        f"ranking all five words by cosine with king - man + woman gives queen, woman, king, "
        f"man, apple; got {words_of(ranked)}"
    )
    near(
        ranked[0][1],
        0.9947390876533071,
        rel=1e-6,
        abs=1e-12,
        what="the score of queen (the seed prints 0.9947: cosine = dot / (|target| |queen|))",
    )


def test_nearest_exclude_and_k(student):
    """Excluded words are skipped, and k larger than the vocabulary returns every word."""
    target = np.array(TOY["king"]) - np.array(TOY["man"]) + np.array(TOY["woman"])
    ranked = student.nearest(target, TOY, k=10, exclude=("queen", "woman", "banana"))
    assert words_of(ranked) == ["king", "man", "apple"], (
        f"without queen and woman, three words remain (banana is not in the dict and is just "
        f"ignored); got {words_of(ranked)}"
    )
    for word, score in ranked:
        vector = np.array(TOY[word])
        cosine = float(target @ vector / (np.linalg.norm(target) * np.linalg.norm(vector)))
        near(
            score,
            cosine,
            rel=1e-6,
            abs=1e-12,
            what=(
                f"the score of {word} (excluding words leaves the others' scores unchanged: "
                f"each is cosine(target, {word}) = dot / (|target| |{word}|) = {cosine:.4f})"
            ),
        )


def test_nearest_ties_keep_dict_order(student):
    """Equal scores keep the order of the dict: the earlier word first."""
    emb = {
        "p": [1.0, 0.0],
        "t": [1.0, 1.0],
        "q": [0.0, 1.0],
        "u": [1.0, 3.0],
        "r": [0.0, 3.0],
        "v": [2.0, 6.0],
        "s": [0.0, 2.0],
    }
    ranked = student.nearest([0.0, 5.0], emb, k=6)
    want = [("q", 1.0), ("r", 1.0), ("s", 1.0), ("u", 3 / 10**0.5), ("v", 3 / 10**0.5)]
    want.append(("t", 1 / 2**0.5))
    assert words_of(ranked) == [w for w, _ in want], (
        f"with the query [0, 5], q, r and s have cosine 1.0, u and v (the same direction) "
        f"0.9487, t 0.7071 and p 0.0; ties keep dict order: q, r, s, u, v, t; "
        f"got {words_of(ranked)}"
    )
    for (word, score), (_, cosine) in zip(ranked, want, strict=True):
        near(
            score,
            cosine,
            rel=1e-6,
            abs=1e-12,
            what=f"the score of {word} (its cosine with the query, {cosine:.4f})",
        )


def test_analogy_seed_toy_example(student):
    """man : king :: woman : ? gives queen on the seed's toy vectors."""
    ranked = student.analogy("man", "king", "woman", TOY, k=2)
    assert words_of(ranked) == ["queen", "apple"], (
        f"analogy(a, b, c) means 'a is to b as c is to ?': man -> king, so woman -> queen; "
        f"the inputs man, king, woman are excluded, so apple comes next; got {words_of(ranked)}"
    )
    near(
        ranked[0][1],
        0.9739390297400673,
        rel=1e-6,
        abs=1e-12,
        what="the score of queen (on unit vectors its cosine with u(king) - u(man) + u(woman))",
    )


def test_analogy_excludes_input_words(student):
    """With inputs excluded the answer is a new word; with exclude_inputs=False c can win."""
    emb = {
        "cat": [1.0, 0.0, 0.0],
        "cats": [1.0, 0.0, 0.2],
        "dog": [0.0, 1.0, 0.0],
        "dogs": [0.0, 0.9, 0.5],
    }
    kept = student.analogy("cat", "cats", "dog", emb, k=1, exclude_inputs=False)
    assert words_of(kept) == ["dog"], (
        f"cats - cat is a small step, so the target stays next to dog itself; with "
        f"exclude_inputs=False the input 'dog' wins; got {words_of(kept)}"
    )
    ranked = student.analogy("cat", "cats", "dog", emb, k=1)
    assert words_of(ranked) == ["dogs"], (
        f"by default cat, cats and dog are excluded, so the answer is dogs; got {words_of(ranked)}"
    )


def test_analogy_uses_unit_vectors(student):
    """3CosAdd normalizes every vector before the arithmetic, so a long vector cannot dominate."""
    emb = {
        "man": [0.0, 4.0],
        "woman": [0.0, -1.0],
        "king": [1.0, 1.0],
        "queen": [1.0, -1.0],
        "girl": [0.1, -1.0],
    }
    ranked = student.analogy("man", "king", "woman", emb, k=1)
    assert words_of(ranked) == ["queen"], (
        f"man's vector is 4 times longer than the others; with raw vectors king - man + woman "
        f"points at girl, with unit vectors u(king) - u(man) + u(woman) points at queen; "
        f"got {words_of(ranked)}"
    )


def test_analogy_unknown_word_raises(student):
    """An input word missing from the embeddings raises ValueError naming it."""
    expect_result(
        "analogy('man', 'king', 'woman', toy vectors, k=1)",
        lambda got: None if words_of(got) == ["queen"] else "[('queen', 0.97394)]",
        student.analogy,
        "man",
        "king",
        "woman",
        TOY,
        k=1,
    )
    expect_value_error(
        "analogy('man', 'prince', 'woman', toy vectors): 'prince' has no vector (a bare "
        "KeyError from embeddings['prince'] does not say which argument is wrong)",
        student.analogy,
        "man",
        "prince",
        "woman",
        TOY,
        naming="prince",
    )


def test_cosmul_formula(student):
    """3CosMul scores s(x,b) s(x,c) / (s(x,a) + eps) with s = (cos + 1) / 2."""
    words = list(TOY)
    unit = (
        np.array([TOY[w] for w in words]) / np.linalg.norm([TOY[w] for w in words], axis=1)[:, None]
    )
    s = (unit @ unit.T + 1) / 2
    a, b, c = words.index("man"), words.index("king"), words.index("woman")
    expected = s[:, b] * s[:, c] / (s[:, a] + 1e-3)
    ranked = student.analogy_cosmul("man", "king", "woman", TOY, k=2)
    assert words_of(ranked) == ["queen", "apple"], (
        "analogy_cosmul('man', 'king', 'woman', toy vectors, k=2) should rank queen, then apple "
        f"(the inputs are always excluded); got {words_of(ranked)}"
    )
    for (word, score), rank in zip(ranked, ("first", "second"), strict=True):
        near(
            score,
            expected[words.index(word)],
            rel=1e-6,
            abs=1e-12,
            what=(
                f"the score of {word} ({rank}); score(x) = s(x, b) * s(x, c) / (s(x, a) + 0.001), "
                "with shifted cosines s = (cos + 1) / 2"
            ),
        )


def test_accuracy_skips_unknown_words(student):
    """Questions with an unknown word are skipped and do not count in the accuracy."""
    questions = [
        ("man", "king", "woman", "queen"),
        ("man", "king", "woman", "apple"),
        ("man", "prince", "woman", "princess"),
    ]
    result = student.analogy_accuracy(questions, TOY)
    expected = {"accuracy": 0.5, "answered": 2, "skipped": 1}
    problem = accuracy_problem(result, expected, "analogy_accuracy(three questions, toy vectors)")
    assert problem is None, (
        f"the third question has unknown words, so it is skipped; of the two answered, one is "
        f"right: accuracy 1/2. {problem}"
    )


def test_accuracy_bad_method_raises(student):
    """A method other than "add" or "mul" raises ValueError."""
    questions = [("man", "king", "woman", "queen"), ("woman", "queen", "man", "apple")]
    half = {"accuracy": 0.5, "answered": 2, "skipped": 0}
    for method in ("add", "mul"):
        expect_result(
            f"analogy_accuracy([('man', 'king', 'woman', 'queen'), ('woman', 'queen', 'man', "
            f"'apple')], toy vectors, method={method!r})",
            lambda got: (
                None
                if accuracy_problem(got, half, "analogy_accuracy") is None
                else f"{half} (the first answer, queen, is right; the second is king, not apple)"
            ),
            student.analogy_accuracy,
            questions,
            TOY,
            method=method,
        )
    expect_value_error(
        "analogy_accuracy(..., method='cosine'): the methods are 'add' and 'mul', and "
        "silently using one of them for anything else hides a typo",
        student.analogy_accuracy,
        [("man", "king", "woman", "queen")],
        TOY,
        method="cosine",
    )


def test_ranked_results_are_word_score_tuples(student):
    """nearest, analogy and analogy_cosmul return lists of (word, score) tuples with float scores."""
    target = np.array(TOY["king"]) - np.array(TOY["man"]) + np.array(TOY["woman"])
    results = {
        "nearest(target, toy, k=2)": student.nearest(target, TOY, k=2),
        "analogy('man', 'king', 'woman', toy, k=2)": student.analogy(
            "man", "king", "woman", TOY, k=2
        ),
        "analogy_cosmul('man', 'king', 'woman', toy, k=2)": student.analogy_cosmul(
            "man", "king", "woman", TOY, k=2
        ),
    }
    for call, got in results.items():
        assert isinstance(got, list), (
            f"{call} returned a value of type {type(got).__name__}, {_short(got)}; the "
            "docstring promises a list of (word, score) tuples"
        )
        for pair in got:
            assert type(pair) is tuple and len(pair) == 2, (
                f"{call} should give (word, score) tuples such as ('queen', 0.97), got "
                f"{_short(pair)}"
            )
            word, score = pair
            assert isinstance(word, str) and isinstance(score, float), (
                f"in {pair!r} from {call}, the word should be a str and the score a float "
                f"(float(x) turns a numpy number into one), got {type(word).__name__} and "
                f"{type(score).__name__}"
            )
        assert got and got[0][0] == "queen", (
            f"{call} should rank queen first with the seed's toy vectors, got {_short(got)}"
        )


def test_accuracy_returns_plain_numbers(student):
    """analogy_accuracy returns a dict with a float accuracy and int counts."""
    questions = [
        ("man", "king", "woman", "queen"),
        ("x", "y", "z", "w"),
        ("woman", "queen", "man", "apple"),
    ]
    call = (
        "analogy_accuracy([('man', 'king', 'woman', 'queen'), ('x', 'y', 'z', 'w'), "
        "('woman', 'queen', 'man', 'apple')], toy)"
    )
    got = student.analogy_accuracy(questions, TOY)
    assert isinstance(got, dict) and set(got) == {"accuracy", "answered", "skipped"}, (
        "analogy_accuracy should return a dict with the keys 'accuracy', 'answered' and "
        f"'skipped'; got {_short(got)}"
    )
    kinds = {key: type(value).__name__ for key, value in got.items()}
    assert isinstance(got["accuracy"], float), (
        f"'accuracy' should be a float (correct / answered), got {kinds['accuracy']}"
    )
    assert type(got["answered"]) is int and type(got["skipped"]) is int, (
        f"'answered' and 'skipped' are counts and should be Python ints, got {kinds['answered']} "
        f"and {kinds['skipped']} (int(x) turns a numpy integer into one)"
    )
    problem = accuracy_problem(got, {"accuracy": 0.5, "answered": 2, "skipped": 1}, call)
    assert problem is None, (
        f"the first question is answered right (queen), the second has unknown words and is "
        f"skipped, the third is answered wrong (woman : queen :: man : king, not apple): "
        f"1 right of 2 answered. {problem}"
    )


def test_minilm_king_wins_unless_excluded(student, minilm):
    """On the real MiniLM vectors, king - man + woman is nearest to king itself."""
    emb = minilm.embeddings(["king", "man", "woman", "queen", "prince", "girl", "apple"])
    kept = student.analogy("man", "king", "woman", emb, k=1, exclude_inputs=False)
    assert words_of(kept) == ["king"], (
        f"without excluding the inputs, the nearest word to the target is king; got {kept}"
    )
    ranked = student.analogy("man", "king", "woman", emb, k=1)
    assert words_of(ranked) == ["queen"], (
        "with the inputs excluded (the default), queen comes first on MiniLM's vectors; "
        f"got {ranked}"
    )


def test_minilm_question_set_accuracy(student, minilm, lesson):
    """The question set over the real vectors of its own 80 words: 92.5 % and 93.2 %."""
    questions = [q for qs in read_questions(lesson.folder / "questions.txt").values() for q in qs]
    emb = minilm.embeddings(list(dict.fromkeys(w for q in questions for w in q)))
    slow = student.with_timeout(30)
    add = slow.analogy_accuracy(questions, emb, method="add")
    mul = slow.analogy_accuracy(questions, emb, method="mul")
    for method, got, right in (("add", add, 259), ("mul", mul, 261)):
        call = f"analogy_accuracy(the 280 questions, MiniLM vectors, method={method!r})"
        problem = accuracy_problem(
            got, {"accuracy": right / 280, "answered": 280, "skipped": 0}, call
        )
        assert problem is None, (
            f"every word of the 280 questions has a vector here, so all 280 are answered and none "
            f"is skipped; choosing among the 80 question words (inputs excluded), "
            f"{'3CosAdd' if method == 'add' else '3CosMul'} answers {right} of 280 right. {problem}"
        )
