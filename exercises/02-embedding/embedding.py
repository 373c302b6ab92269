"""Lesson 02, embedding lookup: from tokens to ids to vectors, and how a sentence vector is made.

Fill in every function below; each body now raises NotImplementedError. The docstrings say
exactly what the checks expect. Conventions of the whole course:

- vectors and matrices may come as Python lists or numpy arrays; return float numpy arrays
  (not lists: a check tests the type);
- invalid input raises ValueError with a message that names the problem (an id out of
  range, mismatched shapes), never a bare IndexError, KeyError or a nan;
- floats are compared with a relative tolerance of 1e-6, never with ==.

Run the public checks with:  python -m pytest exercises/02-embedding -q
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

UNK = "[UNK]"


def build_vocab(tokens: Sequence[str]) -> dict[str, int]:
    """Build a vocabulary: a dict from token to id.

    "[UNK]" (the unknown token) always gets id 0. Every other token gets the next free id
    (1, 2, 3, ...) in the order of its FIRST appearance in `tokens`: a repeated token keeps
    the id it got the first time, and the ids are never sorted alphabetically. If "[UNK]"
    itself occurs in `tokens`, it keeps id 0 and takes no second id. The dict's insertion
    order is the id order.

    >>> build_vocab(["the", "cat", "the", "mat"])
    {'[UNK]': 0, 'the': 1, 'cat': 2, 'mat': 3}
    >>> build_vocab([])
    {'[UNK]': 0}
    """
    raise NotImplementedError("TODO: build the vocabulary, [UNK] first, then by first appearance")


def tokens_to_ids(tokens: Sequence[str], vocab: dict[str, int]) -> list[int]:
    """Replace each token by its id in `vocab`, returning a list of Python ints.

    A token that is not in `vocab` gets the id of "[UNK]", read from the vocabulary
    (vocab["[UNK]"]): it is 0 in vocabularies made by build_vocab, but not in every
    vocabulary (MiniLM's [UNK] is 100). If a token is unknown and `vocab` has no "[UNK]"
    entry, raise ValueError naming the token.

    >>> tokens_to_ids(["the", "dog"], {"[UNK]": 0, "the": 1, "cat": 2})
    [1, 0]
    """
    raise NotImplementedError("TODO: look each token up, unknown tokens get vocab['[UNK]']")


def one_hot(ids: Sequence[int], vocab_size: int) -> np.ndarray:
    """One-hot encode token ids: a float array of shape (len(ids), vocab_size).

    Row i is all 0.0 except a 1.0 in column ids[i]. An empty `ids` gives shape
    (0, vocab_size). Raise ValueError (naming the id) for an id outside 0..vocab_size-1,
    negative ids included, and ValueError for a vocab_size that is not a positive integer.

    >>> one_hot([2, 0], 3)
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    raise NotImplementedError("TODO: one row per id, a single 1.0 at column id")


def lookup(ids: Sequence[int], table) -> np.ndarray:
    """Look token ids up in an embedding table: the rows table[ids[i]], shape (len(ids), d).

    `table` is a (vocab_size, d) matrix (list of lists or array), one row per token id.
    The result, a float array, equals one_hot(ids, vocab_size) @ table: looking up a row is
    multiplying by a one-hot vector, without doing the multiplication. Raise ValueError
    for an id outside 0..vocab_size-1: a negative id must NOT wrap around to the last rows
    the way numpy indexing does (table[-1] is the last row). Raise ValueError if `table`
    is not 2-d.

    >>> lookup([1, 1, 0], [[0.0, 1.0], [2.0, 3.0]])
    array([[2., 3.],
           [2., 3.],
           [0., 1.]])
    """
    raise NotImplementedError("TODO: check every id, then take the rows of the table")


def mean_pool(token_vectors, attention_mask) -> np.ndarray:
    """Average the token vectors whose attention-mask entry is 1 (padding is ignored).

    Two forms:
    - one text: token_vectors of shape (n, d) and a mask of shape (n,) give shape (d,);
    - a batch: token_vectors of shape (b, n, d) and a mask of shape (b, n) give (b, d),
      each text pooled on its own.
    The mask holds 1 (or True) for real tokens and 0 (or False) for padding. Positions
    with mask 0 take no part: the sum runs over the real tokens only and is divided by
    the number of real tokens (the mask's sum), not by n. A text whose mask is all 0
    gives a vector of zeros (no nan). The result is a float numpy array. Raise ValueError
    if the mask's shape is not the vectors' shape without the last axis, or if
    token_vectors is not 2-d or 3-d.

    >>> mean_pool([[1.0, 2.0], [3.0, 4.0], [100.0, 100.0]], [1, 1, 0])
    array([2., 3.])
    """
    raise NotImplementedError("TODO: masked sum over the token axis / number of real tokens")


def l2_normalize(x) -> np.ndarray:
    """Scale vectors to length 1 (Euclidean norm).

    A 1-d input is one vector and gives a 1-d float array. A 2-d input is one vector per
    row and gives an array of the same shape whose every row has norm 1. A row of zeros
    (or a zero vector) stays all zeros: no nan, no warning. The direction of every non-zero
    row is kept. Raise ValueError for a scalar (0-d) input.

    >>> l2_normalize([3.0, 4.0])
    array([0.6, 0.8])
    >>> l2_normalize([[3.0, 4.0], [0.0, 0.0]])
    array([[0.6, 0.8],
           [0. , 0. ]])
    """
    raise NotImplementedError("TODO: divide each non-zero row by its norm")
