"""Hidden checks for lesson 02 (embedding lookup): random inputs compared with the reference."""

import numpy as np
import pytest

from autograder.expect import array, close

UNK = "[UNK]"
SEED_DOG_FIRST = [-0.0531470, 0.0141944, 0.0071457, 0.0686087]
SEED_DOG_LAST = [0.1114445, 0.0298569, 0.0239055, 0.1100931]


def random_tokens(rng, minilm, n=40, pool=15):
    """n tokens drawn with repeats from a random pool of real words, in random order."""
    pool_words = list(rng.choice(minilm.common_words, size=pool, replace=False))
    return [str(w) for w in rng.choice(pool_words, size=n)]


def ids_of(got, n, what="tokens_to_ids(tokens, vocab)"):
    """The student's ids as Python ints, after requiring exactly one id per token."""
    array(got, (n,), what)
    return [int(i) for i in got]


def shuffled_padded(rng, out, extra):
    """A text's token outputs, scaled, with `extra` padded positions of noise, in shuffled order.

    Pooling ignores the order of the positions and every padded one, and normalizing ignores
    the scale, so the sentence vector stays the model's.
    """
    noise = rng.normal(0.0, 1.0, size=(extra, out.hidden.shape[1]))
    hidden = np.concatenate([out.hidden.astype(float), noise]) * float(rng.uniform(0.5, 2.0))
    mask = np.concatenate([out.mask, np.zeros(extra, dtype=out.mask.dtype)])
    order = rng.permutation(len(mask))
    return hidden[order], mask[order]


def padded_batch(rng, b, n, d, shortest=1):
    """A batch of token vectors with random masks (at least `shortest` real tokens each)."""
    vectors = rng.normal(size=(b, n, d))
    lengths = rng.integers(shortest, n + 1, size=b)
    mask = (np.arange(n)[None, :] < lengths[:, None]).astype(np.int64)
    vectors[mask == 0] = rng.normal(50.0, 10.0, size=(int((mask == 0).sum()), d))
    return vectors, mask


# build_vocab


def test_build_vocab_matches_reference(student, reference, rng, minilm):
    """Vocabulary differs from the expected token -> id mapping on tokens with repeats."""
    tokens = random_tokens(rng, minilm)
    assert dict(student.build_vocab(tokens)) == reference.build_vocab(tokens)


def test_build_vocab_keeps_first_appearance_order(student, reference, rng, minilm):
    """Ids must follow the order of first appearance, not alphabetical order."""
    tokens = random_tokens(rng, minilm, n=12, pool=12)
    while tokens == sorted(tokens):
        tokens = random_tokens(rng, minilm, n=12, pool=12)
    got = dict(student.build_vocab(tokens))
    expected = reference.build_vocab(tokens)
    assert got == expected


def test_build_vocab_unk_is_zero(student, rng, minilm):
    """ "[UNK]" must have id 0, even when it appears among the tokens."""
    tokens = random_tokens(rng, minilm, n=10)
    tokens.insert(int(rng.integers(1, len(tokens))), UNK)
    vocab = dict(student.build_vocab(tokens))
    assert vocab.get(UNK) == 0
    assert set(vocab) == set(tokens), "the vocabulary holds exactly the distinct tokens"
    assert sorted(vocab.values()) == list(range(len(vocab))), "ids must be 0..len-1, no gaps"


def test_build_vocab_empty_tokens(student, reference, rng, minilm):
    """An empty token list must still give a vocabulary holding only "[UNK]"."""
    assert dict(student.build_vocab([])) == {UNK: 0}
    # Tokens are added after "[UNK]": a vocabulary of "[UNK]" alone is right for no tokens only.
    tokens = random_tokens(rng, minilm, n=6, pool=4)
    assert dict(student.build_vocab(tokens)) == reference.build_vocab(tokens)


# tokens_to_ids


def test_tokens_to_ids_matches_reference(student, reference, rng, minilm):
    """Ids differ from the expected ones, unknown tokens included."""
    vocab = reference.build_vocab(random_tokens(rng, minilm, n=30, pool=20))
    tokens = random_tokens(rng, minilm, n=25, pool=25)
    got = ids_of(student.tokens_to_ids(tokens, vocab), len(tokens))
    assert got == reference.tokens_to_ids(tokens, vocab)


def test_tokens_to_ids_uses_vocab_unk_id(student, reference, rng, minilm):
    """Unknown tokens must get the vocabulary's own "[UNK]" id, which need not be 0."""
    words = [str(w) for w in rng.choice(minilm.common_words, size=12, replace=False)]
    known, unknown = words[:8], words[8:]
    ids = rng.permutation(1000)[: len(known) + 1] + 1
    vocab = {w: int(i) for w, i in zip(known, ids[:-1], strict=True)}
    vocab[UNK] = int(ids[-1])
    tokens = [str(t) for t in rng.permutation(known + unknown)]
    got = ids_of(student.tokens_to_ids(tokens, vocab), len(tokens))
    assert got == reference.tokens_to_ids(tokens, vocab)


def test_tokens_to_ids_without_unk_entry_raises(student, reference, rng, minilm):
    """An unknown token with no "[UNK]" in the vocabulary must raise ValueError; known tokens still get their ids."""
    words = [str(w) for w in rng.choice(minilm.common_words, size=10, replace=False)]
    known, unknown = words[:8], words[8]
    ids = rng.permutation(100)[: len(known)] + int(rng.integers(0, 50))
    vocab = {w: int(i) for w, i in zip(known, ids, strict=True)}
    tokens = [str(t) for t in rng.choice(known, size=int(rng.integers(2, 8)))]
    got = ids_of(student.tokens_to_ids(tokens, vocab), len(tokens))
    assert got == reference.tokens_to_ids(tokens, vocab)
    tokens.insert(int(rng.integers(0, len(tokens) + 1)), unknown)
    with pytest.raises(ValueError):
        student.tokens_to_ids(tokens, vocab)


# one_hot


def test_one_hot_matches_reference(student, reference, rng):
    """One-hot matrix differs from the expected one on random ids."""
    size = int(rng.integers(5, 40))
    ids = [int(i) for i in rng.integers(0, size, size=int(rng.integers(1, 20)))]
    close(student.one_hot(ids, size), reference.one_hot(ids, size), what="one_hot(ids, size)")


def test_one_hot_rejects_id_equal_to_vocab_size(student, reference, rng):
    """An id equal to the vocabulary size is out of range and must raise ValueError; ids up to size - 1 work."""
    size = int(rng.integers(3, 30))
    ids = [int(i) for i in rng.integers(0, size, size=int(rng.integers(1, 8)))] + [size - 1]
    ids = [int(i) for i in rng.permutation(ids)]
    close(student.one_hot(ids, size), reference.one_hot(ids, size), what="one_hot(ids, size)")
    with pytest.raises(ValueError):
        student.one_hot(ids[:1] + [size] + ids[1:], size)


def test_one_hot_rejects_negative_id(student, reference, rng):
    """A negative id must raise ValueError rather than wrap around to the last column; ids from 0 work."""
    size = int(rng.integers(3, 30))
    ids = [0] + [int(i) for i in rng.integers(0, size, size=int(rng.integers(1, 8)))]
    ids = [int(i) for i in rng.permutation(ids)]
    close(student.one_hot(ids, size), reference.one_hot(ids, size), what="one_hot(ids, size)")
    bad = list(ids)
    bad.insert(int(rng.integers(0, len(bad) + 1)), -int(rng.integers(1, size)))
    with pytest.raises(ValueError):
        student.one_hot(bad, size)


def test_one_hot_empty_ids(student, reference, rng):
    """No ids must give an empty matrix with V columns."""
    size = int(rng.integers(2, 30))
    array(student.one_hot([], size), (0, size), "one_hot([], size)")
    # Ids, when there are some, give their rows: an empty answer is right for no ids only.
    ids = [int(i) for i in rng.integers(0, size, size=int(rng.integers(1, 6)))]
    close(student.one_hot(ids, size), reference.one_hot(ids, size), what="one_hot(ids, size)")


def test_one_hot_rows_are_orthogonal(student, rng):
    """One-hot rows of different ids must have dot product 0, of equal ids 1."""
    size = int(rng.integers(5, 30))
    ids = [int(i) for i in rng.integers(0, size, size=12)]
    rows = array(student.one_hot(ids, size), (len(ids), size), "one_hot(ids, size)")
    expected = (np.array(ids)[:, None] == np.array(ids)[None, :]).astype(float)
    close(rows @ rows.T, expected, what="one_hot(ids) @ one_hot(ids).T")


# lookup


def test_lookup_equals_one_hot_product(student, rng):
    """Looked-up rows differ from one_hot(ids) @ table."""
    size, dim = int(rng.integers(5, 50)), int(rng.integers(2, 16))
    table = rng.normal(size=(size, dim))
    ids = [int(i) for i in rng.integers(0, size, size=int(rng.integers(1, 30)))]
    got = student.lookup(ids, table)
    close(got, np.eye(size)[ids] @ table, rtol=1e-6, atol=1e-12, what="lookup(ids, table)")


def test_lookup_accepts_list_table(student, reference, rng):
    """A table given as a list of lists must work like an array."""
    table = rng.integers(-9, 10, size=(6, 3)).astype(float)
    ids = [int(i) for i in rng.integers(0, 6, size=5)]
    got = student.lookup(ids, table.tolist())
    close(got, reference.lookup(ids, table), what="lookup(ids, table as lists)")


def test_lookup_rejects_negative_ids(student, reference, rng):
    """A negative id must raise ValueError, not silently return a row from the end; valid ids still give their rows."""
    size = int(rng.integers(4, 20))
    table = rng.normal(size=(size, int(rng.integers(2, 6))))
    ids = [int(i) for i in rng.integers(0, size, size=4)]
    got = student.lookup(ids, table)
    close(got, reference.lookup(ids, table), rtol=1e-6, atol=1e-12, what="lookup(ids, table)")
    ids.insert(int(rng.integers(0, len(ids) + 1)), -int(rng.integers(1, size)))
    with pytest.raises(ValueError):
        student.lookup(ids, table)


def test_lookup_rejects_id_past_end(student, reference, rng):
    """An id past the last row must raise ValueError, not IndexError; the last row itself works."""
    size = int(rng.integers(4, 20))
    table = rng.normal(size=(size, int(rng.integers(2, 6))))
    ids = [size - 1] + [int(i) for i in rng.integers(0, size, size=3)]
    got = student.lookup(ids, table)
    close(got, reference.lookup(ids, table), rtol=1e-6, atol=1e-12, what="lookup(ids, table)")
    ids.insert(int(rng.integers(0, len(ids) + 1)), size + int(rng.integers(0, 5)))
    with pytest.raises(ValueError):
        student.lookup(ids, table)


def test_lookup_real_embedding_rows(student, reference, minilm, rng):
    """Lookup in a table of real MiniLM embedding rows returns the wrong rows."""
    out = minilm.token_outputs(str(rng.choice(minilm.texts)))
    table = out.lookup
    ids = [int(i) for i in rng.integers(0, len(table), size=8)]
    got = student.lookup(ids, table)
    close(got, reference.lookup(ids, table), rtol=1e-6, atol=1e-9, what="lookup(ids, table)")


# mean_pool


def test_mean_pool_single_matches_reference(student, reference, rng):
    """Pooled vector of one masked text differs from the expected one."""
    # At least two real tokens: with one, returning the first row would be right too.
    n, d = int(rng.integers(3, 12)), int(rng.integers(2, 10))
    vectors, mask = padded_batch(rng, 1, n, d, shortest=2)
    got = student.mean_pool(vectors[0], mask[0])
    close(got, reference.mean_pool(vectors[0], mask[0]), rtol=1e-6, what="mean_pool(v, mask)")


def test_mean_pool_batch_matches_reference(student, reference, rng):
    """Pooled vectors of a padded batch differ from the expected ones."""
    vectors, mask = padded_batch(rng, int(rng.integers(2, 6)), 10, int(rng.integers(2, 10)))
    got = array(student.mean_pool(vectors, mask), what="mean_pool(batch, mask)")
    assert got.shape == (vectors.shape[0], vectors.shape[2])
    close(got, reference.mean_pool(vectors, mask), rtol=1e-6, what="mean_pool(batch, mask)")


def test_mean_pool_ignores_padding_values(student, rng):
    """Values at padded positions (mask 0) must not change the pooled vector."""
    vectors, mask = padded_batch(rng, 3, 8, 4)
    mask[:, -1] = 0
    # Every text keeps its first position, so each one has a real token to average.
    want = (vectors * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
    first = close(student.mean_pool(vectors, mask), want, rtol=1e-6, what="mean_pool")
    vectors[mask == 0] = rng.normal(-1000.0, 100.0, size=(int((mask == 0).sum()), 4))
    second = array(student.mean_pool(vectors, mask), want.shape, "mean_pool, new padding")
    np.testing.assert_allclose(first, second, rtol=1e-6)


def test_mean_pool_divides_by_real_token_count(student, rng):
    """The sum must be divided by the number of real tokens, not by the padded length."""
    n, d = int(rng.integers(4, 10)), 3
    vectors = np.zeros((n, d))
    real = int(rng.integers(2, n))  # distinct real rows: no single row is their mean
    vectors[:real] = rng.normal(size=(real, d))
    mask = (np.arange(n) < real).astype(int)
    got = student.mean_pool(vectors, mask)
    want = vectors[:real].sum(axis=0) / real
    close(got, want, rtol=1e-6, what="mean_pool(vectors, mask)")


def test_mean_pool_accepts_boolean_mask(student, reference, rng):
    """A mask of True/False must work like a mask of 1/0."""
    vectors, mask = padded_batch(rng, 2, 6, 3)
    got = student.mean_pool(vectors, mask.astype(bool))
    close(got, reference.mean_pool(vectors, mask), rtol=1e-6, what="mean_pool, boolean mask")


def test_mean_pool_empty_text_is_zero_vector(student, rng):
    """A text with no real token must pool to zeros, not nan, in single and batched form."""
    vectors, mask = padded_batch(rng, 3, 5, 4)
    row = int(rng.integers(0, 3))
    mask[row] = 0
    got = array(student.mean_pool(vectors, mask), (3, 4), "mean_pool(batch, mask)")
    assert not np.isnan(got).any()
    close(got[row], np.zeros(4), what="the pooled vector of the empty text")
    real = np.arange(3) != row  # the other texts still pool their real tokens
    counts = mask[real].sum(axis=1, keepdims=True)
    want = (vectors[real] * mask[real][..., None]).sum(axis=1) / counts
    close(got[real], want, rtol=1e-6, what="the pooled vectors of the other texts")
    single = student.mean_pool(vectors[row], mask[row])
    close(single, np.zeros(4), what="mean_pool(empty text, zero mask)")


def test_mean_pool_rejects_mismatched_mask(student, reference, rng):
    """A mask whose shape does not match the token vectors must raise ValueError; a matching one works."""
    b, n = int(rng.integers(2, 5)), int(rng.integers(3, 9))
    vectors, mask = padded_batch(rng, b, n, int(rng.integers(2, 6)))
    got = student.mean_pool(vectors, mask)
    close(got, reference.mean_pool(vectors, mask), rtol=1e-6, what="mean_pool(batch, mask)")
    cut = int(rng.integers(1, n))
    with pytest.raises(ValueError):
        student.mean_pool(vectors, mask[:, :cut])


def test_mean_pool_real_padded_batch(student, reference, minilm, rng):
    """Mean pooling of the real model's padded batch differs from the expected vectors."""
    texts = rng.permutation(minilm.texts)[: int(rng.integers(3, len(minilm.texts) + 1))]
    extra = int(rng.integers(1, 6))
    rows = [shuffled_padded(rng, minilm.token_outputs(str(t)), extra) for t in texts]
    hidden = np.stack([h for h, _ in rows])
    mask = np.stack([m for _, m in rows])
    assert (mask == 0).any(), "the batch should hold padding"
    got = student.mean_pool(hidden, mask)
    close(got, reference.mean_pool(hidden, mask), rtol=1e-5, atol=1e-7, what="mean_pool")


# l2_normalize


def test_l2_normalize_rows_have_unit_length(student, rng):
    """Every non-zero row must get length 1 on its own (not the matrix as a whole)."""
    x = rng.normal(size=(int(rng.integers(3, 10)), int(rng.integers(2, 8)))) * rng.uniform(
        0.1, 10.0, size=(1, 1)
    )
    got = array(student.l2_normalize(x), x.shape, "l2_normalize(x)")
    close(np.linalg.norm(got, axis=1), np.ones(len(x)), rtol=1e-6, what="the rows' lengths")
    row = int(rng.integers(len(x)))  # and each keeps its direction: not any unit rows
    close(got[row], x[row] / np.linalg.norm(x[row]), rtol=1e-6, what="a normalized row")


def test_l2_normalize_matches_reference(student, reference, rng):
    """Normalized rows differ from the expected ones (direction not kept?)."""
    x = rng.normal(size=(6, 5)) * 3.0
    close(student.l2_normalize(x), reference.l2_normalize(x), what="l2_normalize(x)")


def test_l2_normalize_zero_rows_stay_zero(student, rng):
    """Zero rows must stay zero: no nan, no inf."""
    x = rng.normal(size=(5, 4))
    zero = rng.choice(5, size=2, replace=False)
    x[zero] = 0.0
    got = array(student.l2_normalize(x), x.shape, "l2_normalize(x)")
    assert np.isfinite(got).all()
    close(got[zero], np.zeros((2, 4)), what="the zero rows")
    norms = np.linalg.norm(x, axis=1, keepdims=True)  # the other rows are still normalized
    keep = norms[:, 0] > 0
    close(got[keep], x[keep] / norms[keep], rtol=1e-6, what="the non-zero rows")
    d = int(rng.integers(2, 10))
    single = array(student.l2_normalize(np.zeros(d)), (d,), "l2_normalize(zero vector)")
    assert np.isfinite(single).all() and not single.any()


def test_l2_normalize_one_dimensional_input(student, rng):
    """A 1-d vector must come back as a 1-d unit vector of the same direction."""
    v = rng.normal(size=int(rng.integers(2, 10)))
    got = array(student.l2_normalize(v), what="l2_normalize(v)")
    assert got.shape == v.shape
    close(got, v / np.linalg.norm(v), rtol=1e-6, what="l2_normalize(v)")


# returned types


def test_tokens_to_ids_returns_python_ints(student, reference, rng, minilm):
    """tokens_to_ids returns a numpy array or numpy integers where a list of Python ints is promised."""
    vocab = reference.build_vocab(random_tokens(rng, minilm, n=20, pool=10))
    tokens = random_tokens(rng, minilm, n=15, pool=15)
    got = student.tokens_to_ids(tokens, vocab)
    assert isinstance(got, list)
    assert all(type(i) is int for i in got)
    assert got == reference.tokens_to_ids(tokens, vocab)


def test_vectors_are_float_numpy_arrays(student, reference, rng):
    """one_hot, lookup, mean_pool or l2_normalize returns a list (or non-float values) where a float numpy array is promised."""
    size, dim = int(rng.integers(3, 10)), int(rng.integers(2, 6))
    table = rng.normal(size=(size, dim))
    ids = [int(i) for i in rng.integers(0, size, size=4)]
    vectors, mask = padded_batch(rng, 2, 5, dim)
    calls = [
        ("one_hot", (ids, size)),
        ("lookup", (ids, table.tolist())),
        ("mean_pool", (vectors[0], mask[0])),
        ("mean_pool", (vectors, mask)),
        ("l2_normalize", (table,)),
        ("l2_normalize", (table[0].tolist(),)),
    ]
    for name, args in calls:
        got = getattr(student, name)(*args)
        assert isinstance(got, np.ndarray)
        assert got.dtype.kind == "f"
        close(got, getattr(reference, name)(*args), rtol=1e-5, atol=1e-6, what=name)


# the real model


def test_seed_dog_vector_rebuilt(student, minilm, rng):
    """Pooling then normalizing MiniLM's token outputs must reproduce the seed's 'dog' vector."""
    hidden, mask = shuffled_padded(rng, minilm.token_outputs("dog"), int(rng.integers(1, 9)))
    vector = array(student.l2_normalize(student.mean_pool(hidden, mask)), (384,), "dog")
    np.testing.assert_allclose(
        np.r_[vector[:4], vector[-4:]], SEED_DOG_FIRST + SEED_DOG_LAST, atol=1e-6, rtol=0
    )


def test_sentence_vectors_rebuilt_from_token_outputs(student, minilm, rng):
    """Pooling then normalizing must reproduce the model's sentence vector of every text."""
    for text in rng.permutation(minilm.texts):
        out = minilm.token_outputs(str(text))
        hidden, mask = shuffled_padded(rng, out, int(rng.integers(1, 9)))
        vector = student.l2_normalize(student.mean_pool(hidden, mask))
        close(vector, out.sentence, atol=1e-6, rtol=0, what=f"the sentence vector of {text}")
