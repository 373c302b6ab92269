"""Lesson 04, analogy: relations as directions, 3CosAdd and 3CosMul, and how to measure them.

Fill in every function below; each body now raises NotImplementedError. The docstrings say
exactly what the checks expect. Conventions of the whole course:

- `embeddings` is a dict word -> vector; vectors may be Python lists or numpy arrays;
- a ranked result is a list of (word, score) tuples, highest score first; equal scores
  keep the order of the words in the dict (the earlier word comes first);
- cosine similarity is dot(x, y) / (|x| |y|), and 0.0 when either vector is all zeros;
- invalid input raises ValueError with a message that names the problem (an unknown word,
  mismatched lengths), never a bare KeyError or IndexError;
- floats are compared with a relative tolerance of 1e-6, never with ==.

"a is to b as c is to ?" is written analogy(a, b, c): for man : king :: woman : ? the call
is analogy("man", "king", "woman", embeddings) and the expected answer is "queen".

Run the public checks with:  python -m pytest exercises/04-analogy -q
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np  # noqa: F401  (you will need it)


def nearest(vector, embeddings: dict, k: int = 1, exclude: Iterable[str] = ()) -> list:
    """Rank the words of `embeddings` by cosine similarity with `vector`.

    Return the k best (word, score) tuples, score = cosine(vector, embeddings[word]) as a
    float, highest first, equal scores in dict order. Words in `exclude` are left out
    (excluded words that are not in the dict are simply ignored). Fewer than k candidates:
    return them all. An empty dict gives []. A zero vector (query or word) has cosine 0.0.
    Raise ValueError if k is not a positive integer, or if `vector` and the embeddings have
    different lengths. nearest does no arithmetic of its own: it compares `vector`, as
    given, with every word's vector.

    >>> emb = {"a": [1.0, 0.0], "b": [1.0, 1.0], "c": [0.0, 1.0]}
    >>> nearest([1.0, 0.2], emb, k=2)
    [('a', 0.98058...), ('b', 0.83205...)]
    """
    raise NotImplementedError("TODO: cosine against every word, sort highest first, keep k")


def analogy(
    a: str, b: str, c: str, embeddings: dict, k: int = 1, exclude_inputs: bool = True
) -> list:
    """Answer "a is to b as c is to ?" with 3CosAdd on unit vectors.

    1. Scale every vector to length 1: u(w) = v(w) / |v(w)| (a zero vector stays zero).
    2. target = u(b) - u(a) + u(c)   (the relation a -> b, applied to c).
    3. Rank every word by cosine(target, u(word)) and return the k best (word, score)
       tuples, as nearest() does: highest first, ties in dict order.
    With exclude_inputs=True (the default) the three words a, b and c are left out of the
    ranking: otherwise b or c is often the nearest word to the target. With
    exclude_inputs=False every word competes.
    Raise ValueError naming the word if a, b or c is not in `embeddings`, and if k is not a
    positive integer.

    analogy("man", "king", "woman", emb) should rank "queen" first.
    """
    raise NotImplementedError("TODO: normalize, target = u(b) - u(a) + u(c), rank, skip inputs")


def analogy_cosmul(a: str, b: str, c: str, embeddings: dict, k: int = 1, eps: float = 1e-3) -> list:
    """Answer "a is to b as c is to ?" with 3CosMul (Levy & Goldberg, 2014).

    For every candidate word x, with cos(x, y) the cosine between the vectors of x and y:
        s(x, y) = (cos(x, y) + 1) / 2        (cosines shifted from [-1, 1] to [0, 1])
        score(x) = s(x, b) * s(x, c) / (s(x, a) + eps)
    The three input words a, b, c are always left out. Return the k best (word, score)
    tuples, score being the 3CosMul score above (not a cosine), highest first, ties in dict
    order. Raise ValueError naming the word if a, b or c is not in `embeddings`, and if k is
    not a positive integer.
    """
    raise NotImplementedError("TODO: shifted cosines, multiply for b and c, divide for a")


def analogy_accuracy(
    questions: Sequence[Sequence[str]], embeddings: dict, method: str = "add"
) -> dict:
    """Measure how many analogy questions a method answers right.

    Each question is a sequence of four words (a, b, c, d) meaning "a is to b as c is to d".
    A question with any of its four words missing from `embeddings` is skipped. Every
    other question is answered: it is correct when the top-1 answer of
    analogy(a, b, c, embeddings) (method "add") or analogy_cosmul(a, b, c, embeddings)
    (method "mul", eps=1e-3) is d, inputs excluded in both cases.
    Return {"accuracy": correct / answered, "answered": int, "skipped": int}; skipped
    questions do not count in the accuracy, and accuracy is 0.0 when no question was
    answered. Raise ValueError for a method other than "add" or "mul" and for a question
    that does not have exactly four words.

    With `emb` holding the seed's toy vectors (king, man, woman, queen, apple):
    >>> analogy_accuracy([("man", "king", "woman", "queen"), ("x", "y", "z", "w")], emb)
    {'accuracy': 1.0, 'answered': 1, 'skipped': 1}
    """
    raise NotImplementedError("TODO: skip unknown words, answer the rest, count top-1 hits")
