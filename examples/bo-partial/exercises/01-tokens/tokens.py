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


def code_points(text):
    return [ord(ch) for ch in text]


def utf8_encode(text):
    out = []
    for cp in code_points(text):
        if 0xD800 <= cp <= 0xDFFF:
            raise ValueError(f"U+{cp:04X} is a surrogate and has no UTF-8 form")
        if cp < 0x80:
            out.append(cp)
        elif cp < 0x800:
            out += [0xC0 | cp >> 6, 0x80 | cp & 0x3F]
        elif cp < 0x10000:
            out += [0xE0 | cp >> 12, 0x80 | cp >> 6 & 0x3F, 0x80 | cp & 0x3F]
        else:
            out += [0xF0 | cp >> 18, 0x80 | cp >> 12 & 0x3F, 0x80 | cp >> 6 & 0x3F, 0x80 | cp & 0x3F]
    return out


def utf8_decode(data):
    data = list(data)
    for i, b in enumerate(data):
        if not isinstance(b, int) or not 0 <= b <= 255:
            raise ValueError(f"position {i}: {b!r} is not a byte")
    chars, i = [], 0
    while i < len(data):
        lead = data[i]
        if lead < 0x80:
            chars.append(chr(lead))
            i += 1
            continue
        if 0xC2 <= lead <= 0xDF:
            n, cp, lowest = 1, lead & 0x1F, 0x80
        elif 0xE0 <= lead <= 0xEF:
            n, cp, lowest = 2, lead & 0x0F, 0x800
        elif 0xF0 <= lead <= 0xF4:
            n, cp, lowest = 3, lead & 0x07, 0x10000
        else:
            raise ValueError(f"position {i}: byte 0x{lead:02X} cannot start a character")
        for k in range(1, n + 1):
            if i + k >= len(data):
                raise ValueError(f"position {i}: truncated sequence at the end")
            nxt = data[i + k]
            if nxt & 0xC0 != 0x80:
                raise ValueError(f"position {i + k}: expected a continuation byte")
            cp = cp << 6 | nxt & 0x3F
        if cp < lowest:
            raise ValueError(f"position {i}: overlong form")
        if 0xD800 <= cp <= 0xDFFF:
            raise ValueError(f"position {i}: encoded surrogate U+{cp:04X}")
        if cp > 0x10FFFF:
            raise ValueError(f"position {i}: U+{cp:X} is above U+10FFFF")
        chars.append(chr(cp))
        i += n + 1
    return "".join(chars)


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
    lists. With ``merges = [(97, 97)]``, ``"aaaaa"`` gives ``[256, 256, 97]``.
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


# my helpers
def _merge(ids, pair, new_id):
    out, i = [], 0
    while i < len(ids):
        if i + 1 < len(ids) and (ids[i], ids[i + 1]) == pair:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
