"""The committed data file is what the real model computes, and grading never needs torch."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from autograder import datagen
from autograder.lessons import load_lessons
from autograder.modeldata import DATA_FILE, ModelDataError, load_model_data, read_arrays

SEED_DOG_HEAD = [-0.0531470, 0.0141944, 0.0071457, 0.0686087]
SEED_DOG_TAIL = [0.1114445, 0.0298569, 0.0239055, 0.1100931]
SEED_PAIRS = {
    ("北京", "上海"): 0.378,
    ("北京", "东京"): 0.836,
    ("北京", "苹果"): 0.173,
    ("Python", "Java"): 0.450,
    ("Python", "香蕉"): 0.072,
}


@pytest.fixture(scope="module")
def regenerated() -> dict:
    """Every array, computed again now with the real model (sentence-transformers, offline)."""
    return datagen.generate()


def test_regenerated_data_matches_committed_file(regenerated):
    """`embedlab data` run now reproduces the committed file within 1e-5 of each array's scale."""
    problems = datagen.compare(read_arrays(DATA_FILE), regenerated)
    assert not problems, "the data file is stale; run `embedlab data`:\n" + "\n".join(problems)


def test_model_reproduces_the_seed_dog_vector(regenerated):
    """The real model's encode('dog') starts and ends with the seed's printed values."""
    words = list(regenerated["words"])
    dog = regenerated["vectors"][words.index("dog")]
    assert dog.shape == (384,) and dog.dtype == np.float32
    assert np.allclose(dog[:4], SEED_DOG_HEAD, atol=1e-6)
    assert np.allclose(dog[-4:], SEED_DOG_TAIL, atol=1e-6)
    assert np.linalg.norm(dog) == pytest.approx(1.0, abs=1e-6)


def test_seed_cosine_pairs_from_committed_vectors():
    """The seed's five cosine figures come out of the committed vectors."""
    data = load_model_data()
    for (a, b), want in SEED_PAIRS.items():
        got = float(data.vector(a) @ data.vector(b))
        assert round(got, 3) == pytest.approx(want, abs=1e-9), f"{a}/{b}: {got:.4f} vs {want}"


def test_data_holds_every_word_and_sentence_the_lessons_name():
    """Every [model] word and sentence of every lesson.toml is in the data file."""
    data = load_model_data()
    for lesson in load_lessons():
        missing = [w for w in lesson.model_words if not data.has(w)]
        assert not missing, f"{lesson.slug}: {missing} missing; run `embedlab data`"
        for text in lesson.model_sentences:
            assert data.token_outputs(text).mask.sum() > 0
    assert len(data.common_words) >= 3000


def test_unknown_word_error_names_it():
    """Asking for a word the file lacks names the word and the fix."""
    with pytest.raises(ModelDataError, match="'zzzz-not-a-word' is not in minilm.npz"):
        load_model_data().vector("zzzz-not-a-word")


def test_grading_and_checks_never_import_torch(tmp_path):
    """Loading data, the checks' fixtures and the grader leaves torch unimported."""
    code = (
        "import sys\n"
        "from autograder.cli import main\n"
        "from autograder.lessons import load_lessons\n"
        f"status = main(['grade', {str(load_lessons()[2].solution.parent)!r}, '--out', {str(tmp_path)!r}])\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules]\n"
        "print(status, heavy)\n"
        "sys.exit(1 if heavy or status else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]


def test_compare_scales_its_bound_with_the_values():
    """Rounding on large values passes; a real change, or any change on small values, does not."""
    big = {"h": np.full((4, 4), 5.0, dtype=np.float32)}
    assert datagen.compare(big, {"h": big["h"] + np.float32(4e-5)}) == []
    assert datagen.compare(big, {"h": big["h"] + np.float32(1e-3)})[0].startswith(
        "h: values differ"
    )
    small = {"v": np.full(8, 0.3, dtype=np.float32)}
    assert datagen.compare(small, {"v": small["v"] + np.float32(4e-5)})[0].startswith("v: values")


def test_data_without_the_model_libraries_says_what_to_install(monkeypatch, capsys):
    """`embedlab data` without the model libraries exits 2 and names the install (torch pinned
    first), never a bare ImportError."""
    import sys

    from autograder.cli import main

    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # as if not installed
    assert main(["data", "--check"]) == 2
    out = capsys.readouterr().out
    assert "pip install torch==2.13.0" in out and "pip install -e ." in out
