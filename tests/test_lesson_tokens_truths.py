"""Lesson 01's teaching points, checked against the real MiniLM tokenizer and the reference."""

from __future__ import annotations

import subprocess
import sys
import unicodedata

import numpy as np
import pytest

from autograder.lessons import find_lesson
from autograder.modeldata import load_model_data
from autograder.student import import_path

LESSON = find_lesson("tokens")
CORPUS_MERGES = 50  # the merge count the lesson states for corpus.zh.txt
TWO_WORD_RANGE = range(19, 78)  # every merge count for which 人工智能 splits into 人工 | 智能


@pytest.fixture(scope="module")
def ref():
    """The lesson's reference solution."""
    return import_path(LESSON.solution, "truths_reference_tokens")


@pytest.fixture(scope="module")
def hidden():
    """The hidden checks' helpers: the real tokenizer and the word generators."""
    return import_path(LESSON.hidden_tests, "truths_hidden_tokens")


@pytest.fixture(scope="module")
def corpus() -> str:
    """The Chinese corpus the lesson ships."""
    return (LESSON.folder / "corpus.zh.txt").read_text(encoding="utf-8")


def is_cjk(ch: str) -> bool:
    """Whether BERT's tokenizer treats the character as a CJK ideograph."""
    cp = ord(ch)
    return any(
        lo <= cp <= hi
        for lo, hi in (
            (0x4E00, 0x9FFF),
            (0x3400, 0x4DBF),
            (0x20000, 0x2A6DF),
            (0x2A700, 0x2B73F),
            (0x2B740, 0x2B81F),
            (0x2B820, 0x2CEAF),
            (0xF900, 0xFAFF),
            (0x2F800, 0x2FA1F),
        )
    )


def test_tokenizer_loads_without_torch():
    """The real tokenizer comes through `tokenizers` alone: torch is never imported."""
    code = (
        "import sys\n"
        "from tokenizers import Tokenizer\n"
        "from autograder.datagen import tokenizer_json\n"
        "tok = Tokenizer.from_file(str(tokenizer_json()))\n"
        "assert tok.get_vocab_size() == 30522\n"
        "bad = [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_ascii_is_a_seven_bit_code():
    """ASCII has 128 characters, codes 0..127: 7 bits, not 8 as the seed says."""
    for code in range(128):
        assert chr(code).encode("ascii") == bytes([code])
    with pytest.raises(UnicodeEncodeError):
        chr(128).encode("ascii")
    assert format(ord("A"), "b") == "1000001"


def test_code_points_versus_bytes(ref):
    """Chinese, accented and emoji text: how many code points, how many UTF-8 bytes."""
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    for text, n_points, n_bytes in (
        ("人工智能", 4, 12),
        ("\u00e9", 1, 2),
        ("e\u0301", 2, 3),
        (family, 5, 18),
    ):
        assert len(ref.code_points(text)) == n_points
        assert len(ref.utf8_encode(text)) == n_bytes
    assert unicodedata.normalize("NFC", "e\u0301") == "\u00e9"


def test_reference_bpe_splits_ai_into_two_words_on_the_corpus(ref, corpus):
    """With the lesson's merge count (and every count from 19 to 77) BPE gives 人工 | 智能."""
    merges = ref.train_bpe(corpus, max(TWO_WORD_RANGE) + 1)
    for n in [*TWO_WORD_RANGE, CORPUS_MERGES]:
        ids = ref.bpe_encode("人工智能", merges[:n])
        assert [ref.bpe_decode([i], merges[:n]) for i in ids] == ["人工", "智能"], n
    before, after = merges[: min(TWO_WORD_RANGE) - 1], merges[: max(TWO_WORD_RANGE) + 1]
    assert len(ref.bpe_encode("人工智能", before)) == 3
    assert [ref.bpe_decode([i], after) for i in ref.bpe_encode("人工智能", after)] == ["人工智能"]


def test_minilm_splits_ai_into_ren_unk_zhi_unk(hidden):
    """The real MiniLM tokenizer gives 人 [UNK] 智 [UNK] for 人工智能, with ids 1756 100 1869 100."""
    enc = hidden.minilm_tokenizer().encode("人工智能", add_special_tokens=False)
    assert enc.tokens == ["人", "[UNK]", "智", "[UNK]"]
    assert enc.ids == [1756, 100, 1869, 100]
    out = load_model_data().token_outputs("人工智能")
    assert [t for t, m in zip(out.tokens, out.mask, strict=True) if m] == [
        "[CLS]", "人", "[UNK]", "智", "[UNK]", "[SEP]",
    ]  # fmt: skip


def test_minilm_vocabulary_has_244_cjk_characters_and_no_chinese_words(hidden):
    """MiniLM's 30,522 pieces hold 244 single CJK characters (and their ## forms), no longer CJK piece."""
    vocab = hidden.real_vocab()
    assert len(vocab) == 30522
    single = sorted(p for p in vocab if len(p) == 1 and is_cjk(p))
    continued = sorted(p[2:] for p in vocab if p.startswith("##") and len(p) == 3 and is_cjk(p[2]))
    longer = [p for p in vocab if len(p.removeprefix("##")) > 1 and any(map(is_cjk, p))]
    assert len(single) == 244 and continued == single and longer == []
    assert {"人", "智", "北", "京", "上", "海"} <= set(single)
    assert not {"工", "能", "苹", "果", "东"} & set(single)


def test_apple_and_gongneng_get_identical_vectors(hidden):
    """苹果 and 工能 both become [UNK] [UNK], so MiniLM gives them the very same vector."""
    for word in ("苹果", "工能"):
        assert hidden.real_pieces(word) == ["[UNK]", "[UNK]"]
    data = load_model_data()
    assert np.array_equal(data.vector("苹果"), data.vector("工能"))
    assert hidden.real_pieces("东京") == ["[UNK]", "京"]
    assert hidden.real_pieces("北京") == ["北", "京"]


def test_reference_wordpiece_agrees_with_minilm_on_thousands_of_words(ref, hidden, capsys):
    """The reference WordPiece matches MiniLM on 11,000 lower-case single words of every kind."""
    rng = np.random.default_rng(2024)
    vocab = hidden.real_vocab()
    whole, _ = hidden.vocab_words()
    common = load_model_data().common_words
    common_set = set(common)
    rare = [w for w in whole if w not in common_set]
    words = list(common)
    words += [str(w) for w in rng.choice(rare, 3000, replace=False)]
    words += hidden.split_words(rng, 4000)
    words += hidden.unknown_words(rng, 1000)
    assert all(hidden.kept_whole(w) for w in words)
    agree = sum(ref.wordpiece(w, vocab) == hidden.real_pieces(w) for w in words)
    pieces = [len(hidden.real_pieces(w)) for w in words]
    with capsys.disabled():
        print(
            f"\nwordpiece vs MiniLM: {agree}/{len(words)} words agree "
            f"({sum(p > 1 for p in pieces)} split into several pieces, up to {max(pieces)}; "
            f"{sum(hidden.real_pieces(w) == ['[UNK]'] for w in words)} give [UNK])"
        )
    assert agree == len(words) == 11000
