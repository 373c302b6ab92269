"""The real-model findings that lessons 02 (embedding) and 04 (analogy) teach, checked on the data file.

The instructions print these figures from code that the instruction tests run; the checks here
pin the facts behind them (and the data they need) so that a regenerated data file or an
edited question set cannot silently change what the lessons claim.
"""

from __future__ import annotations

import numpy as np
import pytest

from autograder.lessons import find_lesson
from autograder.modeldata import load_model_data
from autograder.student import import_path

SEED_DOG_FIRST = [-0.0531470, 0.0141944, 0.0071457, 0.0686087]
SEED_DOG_LAST = [0.1114445, 0.0298569, 0.0239055, 0.1100931]


@pytest.fixture(scope="module")
def data():
    return load_model_data()


@pytest.fixture(scope="module")
def embedding():
    return import_path(find_lesson("embedding").solution, "findings_embedding")


@pytest.fixture(scope="module")
def analogy():
    return import_path(find_lesson("analogy").solution, "findings_analogy")


def read_questions(path) -> dict[str, list[tuple[str, ...]]]:
    """The question file: ': relation' header lines, then lines of four words."""
    questions: dict[str, list[tuple[str, ...]]] = {}
    relation = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(":"):
            relation = line[1:].strip()
            assert relation and relation not in questions, f"line {number}: bad or repeated header"
            questions[relation] = []
            continue
        words = tuple(line.split())
        assert relation is not None, f"line {number}: a question before the first ': relation'"
        assert len(words) == 4, f"line {number}: a question has four words, got {line!r}"
        questions[relation].append(words)
    return questions


@pytest.fixture(scope="module")
def questions():
    return read_questions(find_lesson("analogy").folder / "questions.txt")


@pytest.fixture(scope="module")
def candidates(data, questions):
    """The lesson's candidate answers: the common English words plus every question word."""
    words = [w for qs in questions.values() for q in qs for w in q]
    return data.embeddings(list(dict.fromkeys(data.common_words + words)))


# lesson 02: the data the lesson needs


def test_embedding_sentences_are_in_the_data_file(data):
    """Every [model] sentence of lesson 02 has token outputs in the data file."""
    missing = [t for t in find_lesson("embedding").model_sentences if t not in data.texts]
    assert not missing, f"run `embedlab data`: no token outputs for {missing}"


def test_embedding_batch_has_real_padding(data):
    """The lesson's texts differ in length, so padded positions exist and hold non-zero outputs."""
    outs = [data.token_outputs(t) for t in ["dog", *find_lesson("embedding").model_sentences]]
    lengths = {int(o.mask.sum()) for o in outs}
    assert len(lengths) >= 4, f"the texts should have different lengths, got {sorted(lengths)}"
    padded = [o for o in outs if (o.mask == 0).any()]
    assert padded, "at least one text must carry padding"
    for o in padded:
        assert np.abs(o.hidden[o.mask == 0]).mean() > 0.05, f"{o.text!r}: pad outputs are ~0"


# lesson 02: findings


def test_dog_vector_rebuilt_from_token_outputs(data, embedding):
    """mean_pool + l2_normalize of the token outputs give the seed's encode('dog')."""
    out = data.token_outputs("dog")
    assert list(out.ids[: int(out.mask.sum())]) == [101, 3899, 102]
    vector = embedding.l2_normalize(embedding.mean_pool(out.hidden, out.mask))
    got = np.r_[vector[:4], vector[-4:]]
    np.testing.assert_allclose(got, SEED_DOG_FIRST + SEED_DOG_LAST, atol=1e-6, rtol=0)


def test_every_sentence_vector_is_masked_mean_of_token_outputs(data, embedding):
    """For every text of the data file, pooling over the mask reproduces model.encode."""
    for text in data.texts:
        out = data.token_outputs(text)
        vector = embedding.l2_normalize(embedding.mean_pool(out.hidden, out.mask))
        np.testing.assert_allclose(vector, out.sentence, atol=1e-6, rtol=0, err_msg=text)


def test_ignoring_the_mask_changes_padded_texts(data, embedding):
    """Averaging padded positions too moves every padded text's vector away from encode()."""
    for text in find_lesson("embedding").model_sentences:
        out = data.token_outputs(text)
        if not (out.mask == 0).any():
            continue
        unmasked = embedding.l2_normalize(out.hidden.mean(axis=0))
        assert float(unmasked @ out.sentence) < 0.99, text


def test_mean_of_lookup_rows_is_not_the_sentence_vector(data, embedding):
    """The normalized mean of the raw lookup rows points elsewhere than the sentence vector."""
    for text in ["dog", *find_lesson("embedding").model_sentences]:
        out = data.token_outputs(text)
        raw = embedding.l2_normalize(embedding.mean_pool(out.lookup, out.mask))
        assert float(raw @ out.sentence) < 0.5, text


def test_lookup_rows_know_more_than_ids(data):
    """dog's id is nearer to phone's, but its lookup row is nearer to cat's."""

    def row(text, token):
        out = data.token_outputs(text)
        i = list(out.tokens).index(token)
        return int(out.ids[i]), out.lookup[i] / np.linalg.norm(out.lookup[i])

    (dog_id, dog), (cat_id, cat), (phone_id, phone) = (
        row("I love my dog.", "dog"),
        row("The cat sat on the mat.", "cat"),
        row("My phone is ringing.", "phone"),
    )
    assert abs(dog_id - phone_id) < abs(dog_id - cat_id)
    assert float(dog @ cat) > float(dog @ phone) + 0.1


def test_chinese_words_become_unk(data):
    """MiniLM tokenizes 人工智能 as 人 [UNK] 智 [UNK]."""
    out = data.token_outputs("人工智能")
    n = int(out.mask.sum())
    assert list(out.tokens[:n]) == ["[CLS]", "人", "[UNK]", "智", "[UNK]", "[SEP]"]


# lesson 04: the question set and its data


def test_question_set_size_and_relations(questions):
    """At least 60 questions in at least five relation types, none repeated, none trivial."""
    every = [q for qs in questions.values() for q in qs]
    assert len(every) >= 60 and len(questions) >= 5
    assert len(set(every)) == len(every), "a question is repeated"
    assert all(len(set(q)) == 4 for q in every), "a question repeats a word"


def test_every_question_word_is_in_the_data_file(data, questions):
    """Every word of questions.txt has a vector in the data file."""
    missing = sorted({w for qs in questions.values() for q in qs for w in q if not data.has(w)})
    assert not missing, f"add to exercises/04-analogy/lesson.toml [model] words: {missing}"


def test_lesson_toml_lists_the_question_words(questions):
    """lesson.toml's [model] words are exactly the words of questions.txt."""
    words = {w for qs in questions.values() for q in qs for w in q}
    assert set(find_lesson("analogy").model_words) == words


# lesson 04: findings


def test_seed_toy_example(analogy):
    """The seed's toy king - man + woman is nearest to queen, 0.9947, through nearest."""
    toy = {
        "king": [0.9, 0.8, 1.0, 0.1],
        "man": [0.1, 0.9, 1.0, 0.0],
        "woman": [0.1, -0.9, 1.0, 0.0],
        "queen": [0.9, -0.8, 1.0, 0.1],
        "apple": [0.0, 0.0, 0.0, 0.9],
    }
    target = np.array(toy["king"]) - np.array(toy["man"]) + np.array(toy["woman"])
    word, score = analogy.nearest(target, toy)[0]
    assert word == "queen" and round(score, 4) == 0.9947


def test_minilm_king_minus_man_plus_woman_is_king(analogy, candidates):
    """On MiniLM's vectors the seed's arithmetic lands on king; queen is third, first once excluded."""
    target = candidates["king"] - candidates["man"] + candidates["woman"]
    ranked = [w for w, _ in analogy.nearest(target, candidates, k=3)]
    assert ranked == ["king", "woman", "queen"]
    assert analogy.analogy("man", "king", "woman", candidates)[0][0] == "queen"


def test_inputs_win_most_questions_unless_excluded(analogy, questions, candidates):
    """Without exclusion, an input word tops 229 of the 280 questions and only 51 are right."""
    words = list(candidates)
    index = {w: i for i, w in enumerate(words)}
    unit = np.array([candidates[w] for w in words], dtype=float)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    every = [q for qs in questions.values() for q in qs]
    rows = np.array([[index[w] for w in q[:3]] for q in every])
    targets = unit[rows[:, 1]] - unit[rows[:, 0]] + unit[rows[:, 2]]
    tops = [words[i] for i in np.argmax(targets @ unit.T, axis=1)]
    counts = {"input": 0, "right": 0, "other": 0}
    for (a, b, c, d), top in zip(every, tops, strict=True):
        counts["input" if top in (a, b, c) else "right" if top == d else "other"] += 1
    assert counts == {"input": 229, "right": 51, "other": 0}
    # The same through the reference, for the lesson's first example.
    assert analogy.analogy("man", "king", "woman", candidates, exclude_inputs=False)[0][0] == "king"


EXPECTED_ACCURACY = {
    # relation: (3CosAdd correct, 3CosMul correct), out of 56 questions each
    "capital": (51, 48),
    "gender": (35, 38),
    "plural": (55, 56),
    "past-tense": (31, 36),
    "comparative": (48, 50),
}


@pytest.mark.parametrize("relation", list(EXPECTED_ACCURACY))
def test_accuracy_per_relation(analogy, questions, candidates, relation):
    """The per-relation accuracies the lesson reports."""
    qs = questions[relation]
    for method, correct in zip(("add", "mul"), EXPECTED_ACCURACY[relation], strict=True):
        result = analogy.analogy_accuracy(qs, candidates, method)
        assert result["answered"] == len(qs) == 56 and result["skipped"] == 0
        assert round(result["accuracy"] * 56) == correct, (relation, method, result)


def test_overall_accuracy(analogy, questions, candidates):
    """Overall: 3CosAdd 220/280 (78.6 %), 3CosMul 228/280 (81.4 %)."""
    every = [q for qs in questions.values() for q in qs]
    add = analogy.analogy_accuracy(every, candidates, "add")
    mul = analogy.analogy_accuracy(every, candidates, "mul")
    assert add == pytest.approx({"accuracy": 220 / 280, "answered": 280, "skipped": 0})
    assert mul == pytest.approx({"accuracy": 228 / 280, "answered": 280, "skipped": 0})


def test_accuracy_depends_on_candidates(analogy, data, questions):
    """Restricted to the question words, the accuracy rises to 92.5 % and 93.2 %."""
    every = [q for qs in questions.values() for q in qs]
    small = data.embeddings(list(dict.fromkeys(w for q in every for w in q)))
    assert analogy.analogy_accuracy(every, small, "add")["accuracy"] == pytest.approx(259 / 280)
    assert analogy.analogy_accuracy(every, small, "mul")["accuracy"] == pytest.approx(261 / 280)
