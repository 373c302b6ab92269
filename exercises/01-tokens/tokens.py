"""Lesson 01: encodings vs tokens.

Text reaches a computer as numbers in three layers, and you build each one here:

1. code points: Unicode gives every character one number (``"人"`` is 20154, U+4EBA);
2. UTF-8 bytes: each code point is stored as 1 to 4 bytes (``"人"`` is 228 186 186);
3. tokens: a tokenizer learned from a corpus packs frequent byte sequences into single
   ids (byte-level BPE, as in GPT models), or splits words into pieces of a fixed
   vocabulary (WordPiece, as in BERT and the MiniLM model of this course).

Work with plain Python: lists of ints and strings. Run the public checks with
``python -m pytest exercises/01-tokens -q`` (from the pack's folder).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


def code_points(text: str) -> list[int]:
    """Return the Unicode code point of every character of `text`, in order.

    A list with one Python int per character of the string, as ``ord`` gives it: ``"Aé人"`` gives
    ``[65, 233, 20154]``. A character that looks like one letter may be several code
    points: ``"e\\u0301"`` (e followed by the combining acute accent) is ``[101, 769]``,
    while the precomposed ``"é"`` is ``[233]``; an emoji ZWJ sequence such as a family
    emoji is several emoji joined by U+200D. The empty string gives ``[]``.
    """
    raise NotImplementedError("TODO: one code point per character")


def utf8_encode(text: str) -> list[int]:
    """Encode `text` as UTF-8 by hand and return the bytes as a list of ints 0..255.

    Return a plain list of Python ints, not ``bytes`` or a numpy array (a check tests the
    type).

    Build the bytes from each code point yourself, by range. A check reads your code:
    utf8_encode, utf8_decode and the helpers they call must not use ``str.encode``,
    ``bytes.decode``, ``codecs`` or ``bytes(text, "utf-8")``, and both must be defined in
    this module with ``def`` (not imported, not built with ``functools.partial``).

    - U+0000..U+007F: 1 byte  ``0xxxxxxx``
    - U+0080..U+07FF: 2 bytes ``110xxxxx 10xxxxxx``
    - U+0800..U+FFFF: 3 bytes ``1110xxxx 10xxxxxx 10xxxxxx``
    - U+10000..U+10FFFF: 4 bytes ``11110xxx 10xxxxxx 10xxxxxx 10xxxxxx``

    The result must equal ``list(text.encode("utf-8"))`` for every text Python can
    encode: ``"A"`` -> ``[65]``, ``"é"`` -> ``[195, 169]``, ``"人"`` -> ``[228, 186, 186]``,
    ``"😀"`` -> ``[240, 159, 152, 128]``.

    A surrogate code point (U+D800..U+DFFF) is not a character and has no UTF-8 form:
    raise ValueError naming it. That holds for each surrogate of a pair too (Python
    strings never combine two surrogates into one character).
    """
    raise NotImplementedError("TODO: 1 to 4 bytes per code point, by range")


def utf8_decode(data: Sequence[int]) -> str:
    """Decode a list of byte values (ints 0..255) as strict UTF-8 and return the text.

    Read a lead byte, find how many continuation bytes (``10xxxxxx``) follow, and rebuild
    the code point, by hand (no ``bytes.decode`` or ``codecs``; see utf8_encode). For every valid input the result equals
    ``bytes(data).decode("utf-8")``, and every input that Python's strict decoder rejects
    must raise ValueError with a message that names the problem:

    - a truncated sequence (the data ends in the middle of a character);
    - a stray continuation byte (0x80..0xBF where a character should start), or a lead
      byte followed by a byte that is not a continuation byte;
    - a byte that never occurs in UTF-8 (0xC0, 0xC1, 0xF5..0xFF);
    - an overlong form, a code point written with more bytes than it needs
      (``C0 80``, ``E0 80 80``, ``F0 80 80 80`` are all overlong forms of U+0000);
    - an encoded surrogate (``ED A0 80`` is U+D800);
    - a code point above U+10FFFF (``F4 90 80 80``).

    A value that is not an int in 0..255 also raises ValueError. ``[]`` gives ``""``.
    """
    raise NotImplementedError("TODO: strict UTF-8 decoding")


def train_bpe(text: str, num_merges: int) -> list[tuple[int, int]]:
    """Learn byte-level BPE merges from `text` and return them in the order learned.

    Start from the UTF-8 bytes of the whole text (ids 0..255; no splitting into words).
    Then repeat up to `num_merges` times:

    1. count every adjacent pair of ids (every position counts, so in ``"aaa"`` the pair
       ``(97, 97)`` occurs twice);
    2. if no pair occurs at least twice, stop early (fewer merges are returned);
    3. take the most frequent pair; on a tie, the smallest pair in tuple order
       (``(97, 98)`` before ``(97, 99)`` before ``(256, 97)``);
    4. merge i (counting from 0) creates the new id ``256 + i``: replace the pair's
       occurrences left to right without overlap, so ``"aaaaa"`` with the merge
       ``(97, 97)`` becomes ``[256, 256, 97]``.

    Example: ``train_bpe("aaabdaaabac", 10)`` gives ``[(97, 97), (97, 98), (256, 257)]``
    (then every pair occurs once and training stops). Return a list of 2-tuples of
    ints. ``num_merges = 0`` or an empty text gives ``[]``; a negative `num_merges`
    raises ValueError.
    """
    raise NotImplementedError("TODO: count pairs, pick the best, merge, repeat")


def bpe_encode(text: str, merges: Sequence[Sequence[int]]) -> list[int]:
    """Turn `text` into BPE token ids with merges learned by `train_bpe`.

    Start from the UTF-8 bytes of `text` and apply the merges one after another in the
    order learned: merge i replaces its pair by ``256 + i``, left to right without
    overlap, everywhere in the sequence, before merge i + 1 is applied. Bytes that no
    merge covers stay as their byte value. Pairs may arrive as tuples or as 2-element
    lists. Return a list of Python ints. With ``merges = [(97, 97)]``, ``"aaaaa"`` gives
    ``[256, 256, 97]``.
    """
    raise NotImplementedError("TODO: bytes, then every merge in order")


def bpe_decode(ids: Sequence[int], merges: Sequence[Sequence[int]]) -> str:
    """Turn BPE token ids back into text.

    Expand every id into the bytes it stands for (ids 0..255 are single bytes; id
    ``256 + i`` is the bytes of merge i's two ids, joined), join all the bytes, and decode
    them as UTF-8 where every invalid or incomplete piece becomes U+FFFD, exactly as
    ``bytes.decode("utf-8", errors="replace")`` does: a token that holds only part of a
    character, e.g. the first two of the three bytes of ``"人"``, decodes to ``"\\ufffd"``.
    ``bpe_decode(bpe_encode(text, merges), merges) == text`` for every text.
    An id outside 0 .. 255 + len(merges) raises ValueError naming it.
    """
    raise NotImplementedError("TODO: ids -> bytes -> text, invalid bytes -> U+FFFD")


def wordpiece(word: str, vocab: Collection[str]) -> list[str]:
    """Split one word into WordPiece pieces the way BERT (and MiniLM) does.

    Greedy longest match first: from the start of the word, take the longest prefix
    that is in `vocab`; then continue from where it ended, now looking up continuation
    pieces, written with a ``"##"`` prefix (``"##able"``). If at some point no piece
    matches, the whole word becomes ``["[UNK]"]`` (one unknown token, not a partial
    split). With ``vocab = {"un", "##aff", "##able"}``, ``"unaffable"`` gives
    ``["un", "##aff", "##able"]``. The empty word gives ``[]``.

    `vocab` may be a dict (piece -> id, like MiniLM's 30,522 entries), a set or a list of
    pieces; turn it into a set once if you need fast lookups. The checks pass single
    lower-case words that MiniLM keeps whole, and compare with the real MiniLM tokenizer.
    (The real tokenizer also gives ``["[UNK]"]`` for a word longer than 100 characters;
    the checks never send such words.)
    """
    raise NotImplementedError("TODO: greedy longest-match-first with ## pieces")
