"""Read the committed file of the real model's vectors; never imports torch."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DATA_FILE = Path(__file__).resolve().parent / "data" / "minilm.npz"


class ModelDataError(ValueError):
    """The data file is missing, malformed, or lacks a word or text."""


@dataclass(frozen=True)
class TokenOutputs:
    """What the real model computes for one text, token by token."""

    text: str
    tokens: list[str]
    ids: np.ndarray
    mask: np.ndarray
    hidden: np.ndarray
    lookup: np.ndarray
    sentence: np.ndarray


class ModelData:
    """Sentence vectors and token outputs of the real model, as committed in the data file."""

    def __init__(self, arrays: dict[str, np.ndarray], path: Path):
        self.path = path
        self.model = str(arrays["model"][()])
        self.words: list[str] = [str(w) for w in arrays["words"]]
        self.matrix: np.ndarray = arrays["vectors"]
        self.common_words: list[str] = [self.words[i] for i in arrays["common"]]
        self._index = {w: i for i, w in enumerate(self.words)}
        self._texts = {str(t): i for i, t in enumerate(arrays["texts"])}
        self._arrays = arrays

    @property
    def dim(self) -> int:
        """Length of each vector."""
        return int(self.matrix.shape[1])

    def has(self, word: str) -> bool:
        """Whether the data file holds a vector for `word`."""
        return word in self._index

    def vector(self, word: str) -> np.ndarray:
        """The model's sentence vector of `word` (float32, L2-normalized)."""
        try:
            return self.matrix[self._index[word]]
        except KeyError:
            raise ModelDataError(
                f"{word!r} is not in {self.path.name}; add it to a lesson.toml [model] words "
                "list and run `embedlab data`"
            ) from None

    def vectors(self, words) -> np.ndarray:
        """Stack the vectors of `words` into a (len(words), dim) matrix."""
        words = list(words)
        rows = [self._index.get(w, -1) for w in words]
        if -1 in rows:
            self.vector(words[rows.index(-1)])  # raises, naming the word
        # One fancy index copies the rows at once; np.stack of thousands of views is 5x slower.
        return self.matrix[rows]

    def embeddings(self, words) -> dict[str, np.ndarray]:
        """A dict word -> vector, in the order of `words`."""
        return {w: self.vector(w) for w in words}

    @property
    def texts(self) -> list[str]:
        """Texts whose token-level outputs the data file holds."""
        return list(self._texts)

    def token_outputs(self, text: str) -> TokenOutputs:
        """Tokens, ids, mask, transformer outputs, raw lookup rows and sentence vector of `text`."""
        if text not in self._texts:
            raise ModelDataError(
                f"no token outputs for {text!r} in {self.path.name}; add it to a lesson.toml "
                "[model] sentences list and run `embedlab data`"
            )
        p = f"tok{self._texts[text]}_"
        a = self._arrays
        return TokenOutputs(
            text=text,
            tokens=[str(t) for t in a[p + "tokens"]],
            ids=a[p + "ids"],
            mask=a[p + "mask"],
            hidden=a[p + "hidden"],
            lookup=a[p + "lookup"],
            sentence=a[p + "sentence"],
        )


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Read every array of an .npz file without pickle."""
    if not path.is_file():
        raise ModelDataError(f"no model data at {path}; run `embedlab data` to make it")
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except (OSError, ValueError) as exc:
        raise ModelDataError(f"{path} is not a readable data file: {exc}") from exc


@functools.cache
def _load(path: Path) -> ModelData:
    return ModelData(read_arrays(path), path)


def load_model_data(path: Path | None = None) -> ModelData:
    """Load (once per process) the data file; EMBEDLAB_DATA overrides its location."""
    env = os.environ.get("EMBEDLAB_DATA")
    return _load(Path(path or env or DATA_FILE).resolve())


@functools.cache
def minilm_tokenizer():
    """MiniLM's real WordPiece tokenizer (through `tokenizers`, no torch), loaded once per process."""
    from tokenizers import Tokenizer

    from autograder.datagen import tokenizer_json

    tok = Tokenizer.from_file(str(tokenizer_json()))
    tok.no_padding()
    tok.no_truncation()
    return tok


@functools.cache
def minilm_vocab() -> dict[str, int]:
    """MiniLM's vocabulary, piece -> id in id order, built once per process.

    Shared by every caller (public and hidden checks alike), so nobody may change it.
    """
    tok = minilm_tokenizer()
    # id_to_token once per id keeps id order without sorting get_vocab()'s hash order.
    return {tok.id_to_token(i): i for i in range(tok.get_vocab_size())}
