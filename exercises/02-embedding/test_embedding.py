"""Public checks for lesson 02 (embedding lookup). Run: python -m pytest exercises/02-embedding -q"""

import numpy as np
import pytest

from autograder.expect import array

# What the seed article prints for model.encode('dog'): the first and the last four values.
SEED_DOG_FIRST = [-0.0531470, 0.0141944, 0.0071457, 0.0686087]
SEED_DOG_LAST = [0.1114445, 0.0298569, 0.0239055, 0.1100931]


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


def expect_result(call_text: str, expected, call, *args, why: str = "") -> None:
    """call(*args) on valid input must return the array `expected`: rejections count only then."""
    expected = np.asarray(expected, dtype=float)
    try:
        got = call(*args)
    except Exception as err:
        raise AssertionError(
            f"{call_text} is valid input and should give {expected.tolist()}{why}, but it raised "
            f"{type(err).__name__}: {err}. This check also makes sure that valid input still "
            "works: a function that rejects everything has not done the lesson's work"
        ) from err
    try:
        arr = array(got, expected.shape, call_text)
    except AssertionError as err:
        raise AssertionError(f"{err}: it should give {expected.tolist()}{why}") from None
    assert np.allclose(arr, expected, rtol=1e-6, atol=1e-9), (
        f"{call_text} should give {expected.tolist()}{why}, got {_short(got)}"
    )


def test_build_vocab_first_appearance(student):
    """build_vocab gives [UNK] id 0, then ids by first appearance, never sorted."""
    vocab = student.build_vocab(["the", "cat", "sat", "on", "the", "mat"])
    expected = {"[UNK]": 0, "the": 1, "cat": 2, "sat": 3, "on": 4, "mat": 5}
    assert dict(vocab) == expected, (
        f"expected {expected}: [UNK] is 0, then each token gets the next id the first time it "
        f"appears (a repeated 'the' keeps id 1); got {vocab}"
    )


def test_build_vocab_unk_in_input_keeps_id_zero(student):
    """A "[UNK]" inside the tokens keeps id 0 and takes no second id."""
    vocab = student.build_vocab(["b", "[UNK]", "a"])
    expected = {"[UNK]": 0, "b": 1, "a": 2}
    assert dict(vocab) == expected, (
        f"build_vocab(['b', '[UNK]', 'a']) should be {expected}: [UNK] already has id 0, so it "
        f"takes no second id and 'a' gets 2, not 3; got {vocab}"
    )


def test_tokens_to_ids_unknown_gets_unk(student):
    """Tokens missing from the vocabulary map to the [UNK] id."""
    vocab = {"[UNK]": 0, "the": 1, "cat": 2}
    ids = student.tokens_to_ids(["the", "dog", "cat", "人"], vocab)
    array(ids, (4,), "tokens_to_ids(['the', 'dog', 'cat', '人'], vocab) (one id per token)")
    assert list(ids) == [1, 0, 2, 0], (
        f"'dog' and '人' are not in the vocabulary, so they get vocab['[UNK]'] = 0; got {ids}"
    )


def test_tokens_to_ids_reads_unk_id_from_vocab(student):
    """The [UNK] id comes from the vocabulary (MiniLM's is 100), not a hard-coded 0."""
    vocab = {"[PAD]": 0, "[UNK]": 100, "dog": 3899}
    ids = student.tokens_to_ids(["dog", "狗"], vocab)
    array(ids, (2,), "tokens_to_ids(['dog', '狗'], vocab) (one id per token)")
    assert list(ids) == [3899, 100], (
        f"in this vocabulary [UNK] has id 100, so an unknown token must get 100; got {ids}"
    )


def test_one_hot_shape_and_ones(student):
    """one_hot gives shape (len(ids), V) with a single 1.0 per row at column id."""
    out = array(student.one_hot([2, 0, 2], 4), what="one_hot([2, 0, 2], 4)")
    expected = np.array([[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 1, 0]], dtype=float)
    assert out.shape == (3, 4), f"3 ids and V=4 give shape (3, 4), got {out.shape}"
    np.testing.assert_allclose(out, expected, err_msg="row i has a 1.0 at column ids[i]")


def test_one_hot_different_words_are_orthogonal(student):
    """Every two different one-hot rows have dot product 0: all words equally far apart."""
    ids = [4, 1, 6, 4, 0]  # ids 4 and 4 are the same word, the others all differ
    out = array(student.one_hot(ids, 8), (5, 8), "one_hot([4, 1, 6, 4, 0], 8)")
    gram = out @ out.T
    same = (np.array(ids)[:, None] == np.array(ids)[None, :]).astype(float)
    np.testing.assert_allclose(
        gram,
        same,
        err_msg="the dot product of one-hot vectors is 1 for the same word and 0 for any two "
        "different words: one-hot encoding says nothing about which words are alike "
        "(in one_hot([4, 1, 6, 4, 0], 8) rows 0 and 3 are both word 4, so their dot product "
        "is 1; row i has its 1.0 at column ids[i], not at column i)",
    )


@pytest.mark.parametrize("bad_id", [5, -1])
def test_one_hot_id_out_of_range_raises(student, bad_id):
    """An id outside 0..V-1 (negative ones too) raises ValueError; the ids 0 and V-1 work."""
    expect_result(
        "one_hot([0, 4], 5)",
        [[1, 0, 0, 0, 0], [0, 0, 0, 0, 1]],
        student.one_hot,
        [0, 4],
        5,
        why=" (with 5 columns, 0 and 4 are the first and the last valid id)",
    )
    expect_value_error(
        f"one_hot([0, {bad_id}], 5): with 5 columns the ids are 0..4, so {bad_id} is out of range "
        "(numpy would wrap -1 around or raise IndexError; check the ids yourself)",
        student.one_hot,
        [0, bad_id],
        5,
    )


def test_lookup_equals_one_hot_times_table(student, rng):
    """lookup(ids, table) equals one_hot(ids) @ table: a lookup is a matrix product."""
    table = rng.normal(size=(7, 3))
    ids = [3, 0, 6, 3]
    expected = np.eye(7)[ids] @ table
    got = array(student.lookup(ids, table), what="lookup([3, 0, 6, 3], table)")
    assert got.shape == (4, 3), f"4 ids and a (7, 3) table give shape (4, 3), got {got.shape}"
    np.testing.assert_allclose(
        got, expected, rtol=1e-6, err_msg="row i of the result is table[ids[i]]"
    )


def test_lookup_accepts_lists(student):
    """lookup works on a table given as a list of lists."""
    got = array(
        student.lookup([1, 1, 0], [[0.0, 1.0], [2.0, 3.0]]),
        (3, 2),
        "lookup([1, 1, 0], [[0.0, 1.0], [2.0, 3.0]]) (3 ids, rows of 2 numbers)",
    )
    np.testing.assert_allclose(
        got,
        [[2.0, 3.0], [2.0, 3.0], [0.0, 1.0]],
        err_msg="lookup([1, 1, 0], [[0.0, 1.0], [2.0, 3.0]]) takes rows 1, 1, 0 of the table; "
        "a list of lists must work like an array (np.asarray it first)",
    )


def test_lookup_negative_id_raises(student):
    """A negative id raises ValueError instead of wrapping to the last row."""
    table = np.arange(12.0).reshape(4, 3)
    expect_result(
        "lookup([0, 3], table of 4 rows)",
        [[0.0, 1.0, 2.0], [9.0, 10.0, 11.0]],
        student.lookup,
        [0, 3],
        table,
        why=" (rows 0 and 3 of np.arange(12.0).reshape(4, 3))",
    )
    expect_value_error(
        "lookup([0, -1], table of 4 rows): -1 is not a token id; table[-1] would silently give "
        "the last row",
        student.lookup,
        [0, -1],
        table,
    )


def test_lookup_id_past_end_raises(student):
    """An id >= the number of rows raises ValueError (not IndexError)."""
    table = np.arange(12.0).reshape(4, 3)
    expect_result(
        "lookup([3], table of 4 rows)",
        [[9.0, 10.0, 11.0]],
        student.lookup,
        [3],
        table,
        why=" (3 is the last valid id: the last row of np.arange(12.0).reshape(4, 3))",
    )
    expect_value_error(
        "lookup([4], table of 4 rows): the ids are 0..3, so 4 is out of range (a ValueError "
        "naming the id, not numpy's IndexError)",
        student.lookup,
        [4],
        table,
    )


def test_mean_pool_ignores_padding(student):
    """mean_pool averages only the positions whose mask is 1."""
    vectors = [[1.0, 2.0], [3.0, 4.0], [100.0, -100.0]]
    got = array(
        student.mean_pool(vectors, [1, 1, 0]),
        (2,),
        "mean_pool(3 token vectors of 2 numbers, [1, 1, 0]) (one vector of d = 2 numbers)",
    )
    np.testing.assert_allclose(
        got,
        [2.0, 3.0],
        err_msg="the third position is padding (mask 0): average the first two rows only, "
        "dividing by 2 real tokens, not by 3",
    )


def test_mean_pool_batch(student):
    """A (b, n, d) batch with a (b, n) mask gives one pooled vector per text."""
    vectors = [[[1.0, 1.0], [3.0, 3.0], [9.0, 9.0]], [[2.0, 0.0], [7.0, 7.0], [7.0, 7.0]]]
    mask = [[1, 1, 1], [1, 0, 0]]
    got = array(student.mean_pool(vectors, mask), what="mean_pool(a batch of 2 texts, mask)")
    assert got.shape == (2, 2), f"2 texts of dimension 2 give shape (2, 2), got {got.shape}"
    np.testing.assert_allclose(
        got,
        [[13 / 3, 13 / 3], [2.0, 0.0]],
        err_msg="each text is pooled on its own, over its own mask: the first text averages "
        "all three rows, the second only its first row (mask [1, 0, 0])",
    )


def test_mean_pool_all_zero_mask_gives_zeros(student):
    """A text with no real token pools to zeros, not nan."""
    got = array(
        student.mean_pool([[1.0, 2.0], [3.0, 4.0]], [0, 0]),
        (2,),
        "mean_pool([[1.0, 2.0], [3.0, 4.0]], [0, 0]) (one vector of d = 2 numbers)",
    )
    assert not np.isnan(got).any(), (
        f"mean_pool(..., [0, 0]) has no real token: 0 / 0 gives nan, but it must give zeros; "
        f"got {got}"
    )
    np.testing.assert_allclose(
        got, [0.0, 0.0], err_msg="an all-zero mask gives a vector of zeros of length d"
    )
    expect_result(
        "mean_pool([[1.0, 2.0], [3.0, 4.0]], [1, 0])",
        [1.0, 2.0],
        student.mean_pool,
        [[1.0, 2.0], [3.0, 4.0]],
        [1, 0],
        why=" (one real token: its own vector; only a mask of zeros gives zeros)",
    )


def test_mean_pool_shape_mismatch_raises(student):
    """A mask whose length differs from the number of tokens raises ValueError."""
    expect_result(
        "mean_pool([[1.0, 2.0], [3.0, 4.0]], [1, 1])",
        [2.0, 3.0],
        student.mean_pool,
        [[1.0, 2.0], [3.0, 4.0]],
        [1, 1],
        why=" (a mask with one entry per token: the average of both rows)",
    )
    expect_value_error(
        "mean_pool(2 token vectors, a mask of 3 entries): the mask needs one entry per token",
        student.mean_pool,
        [[1.0, 2.0], [3.0, 4.0]],
        [1, 1, 1],
    )


def test_l2_normalize_rows(student):
    """Each row gets length 1, a zero row stays zero, a 1-d input stays 1-d."""
    got = array(
        student.l2_normalize([[3.0, 4.0], [0.0, 0.0], [0.0, -2.0]]),
        (3, 2),
        "l2_normalize([[3.0, 4.0], [0.0, 0.0], [0.0, -2.0]]) (rows keep their shape)",
    )
    np.testing.assert_allclose(
        got,
        [[0.6, 0.8], [0.0, 0.0], [0.0, -1.0]],
        err_msg="divide each row by its own length; a zero row has no direction and stays 0",
    )
    one = array(student.l2_normalize([3.0, 4.0]), what="l2_normalize([3.0, 4.0])")
    assert one.shape == (2,), f"a 1-d vector gives a 1-d vector, got shape {one.shape}"
    np.testing.assert_allclose(
        one, [0.6, 0.8], err_msg="l2_normalize([3.0, 4.0]) is [3, 4] / 5 = [0.6, 0.8]"
    )


def test_tokens_to_ids_returns_python_ints(student):
    """tokens_to_ids returns a list of Python ints, not a numpy array or numpy integers."""
    got = student.tokens_to_ids(["the", "dog", "cat"], {"[UNK]": 0, "the": 1, "cat": 2})
    assert isinstance(got, list), (
        f"tokens_to_ids returned a value of type {type(got).__name__}, {_short(got)}; the "
        "docstring promises a list of Python ints (build a list, not a numpy array)"
    )
    odd = [x for x in got if type(x) is not int]
    assert not odd, (
        f"tokens_to_ids returned {type(odd[0]).__name__} values such as {odd[0]!r}; the "
        "docstring promises Python ints (int(x) turns a numpy integer into one)"
    )
    assert got == [1, 0, 2], (
        f"tokens_to_ids(['the', 'dog', 'cat'], vocab) should be [1, 0, 2] ('dog' is unknown, "
        f"so it gets the [UNK] id 0), got {_short(got)}"
    )


def test_vectors_are_float_numpy_arrays(student):
    """one_hot, lookup, mean_pool and l2_normalize return float numpy arrays, not lists."""
    table = [[0.0, 1.0], [2.0, 3.0]]
    results = {
        "one_hot([1, 0], 2)": student.one_hot([1, 0], 2),
        "lookup([1, 0], table)": student.lookup([1, 0], table),
        "mean_pool(table, [1, 1])": student.mean_pool(table, [1, 1]),
        "l2_normalize([3.0, 4.0])": student.l2_normalize([3.0, 4.0]),
        "l2_normalize(table)": student.l2_normalize(table),
    }
    for call, got in results.items():
        assert isinstance(got, np.ndarray), (
            f"{call} returned a value of type {type(got).__name__}, {_short(got)}; returned "
            "vectors are numpy arrays in every lesson (inputs may be lists, results are not: "
            "drop the .tolist())"
        )
        assert got.dtype.kind == "f", (
            f"{call} returned an array of dtype {got.dtype}; the docstring promises floats "
            "(e.g. one_hot holds 1.0 and 0.0: np.zeros((n, V)) is float, dtype=int is not)"
        )
    wanted = {
        "one_hot([1, 0], 2)": [[0.0, 1.0], [1.0, 0.0]],
        "lookup([1, 0], table)": [[2.0, 3.0], [0.0, 1.0]],
        "mean_pool(table, [1, 1])": [1.0, 2.0],
        "l2_normalize([3.0, 4.0])": [0.6, 0.8],
        "l2_normalize(table)": [[0.0, 1.0], [2 / 13**0.5, 3 / 13**0.5]],
    }
    for call, want in wanted.items():
        got = array(results[call], np.shape(want), call)
        assert np.allclose(got, want, atol=1e-6), (
            f"{call} should be {np.round(want, 4).tolist()}, got {_short(results[call])}"
        )


def test_dog_vector_matches_seed(student, minilm):
    """mean_pool + l2_normalize of MiniLM's transformer outputs give the seed's encode('dog')."""
    out = minilm.token_outputs("dog")
    vector = array(
        student.l2_normalize(student.mean_pool(out.hidden, out.mask)),
        what="l2_normalize(mean_pool(hidden, mask)) for 'dog'",
    )
    assert vector.shape == (384,), f"MiniLM's sentence vectors have 384 values, got {vector.shape}"
    np.testing.assert_allclose(
        np.r_[vector[:4], vector[-4:]],
        SEED_DOG_FIRST + SEED_DOG_LAST,
        atol=1e-6,
        rtol=0,
        err_msg="the data file pads 'dog' ([CLS] dog [SEP]) with [PAD] positions whose outputs "
        "are not zero: pool over the mask, then normalize, to get the seed's numbers",
    )
