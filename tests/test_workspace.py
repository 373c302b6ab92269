"""Submissions in every accepted form become a workspace holding only the lesson modules."""

from __future__ import annotations

import json
import zipfile

import pytest

from autograder.lessons import load_lessons
from autograder.workspace import SubmissionError, build_workspace


@pytest.fixture(scope="module")
def lessons():
    return load_lessons()


def _files(ws) -> set[str]:
    return {p.name for p in ws.path.iterdir()}


def test_side_by_side_folder_keeps_only_modules(tmp_path, lessons):
    """Modules side by side are found; a shipped conftest.py, numpy.py or notes are dropped."""
    for name in ("similarity.py", "conftest.py", "numpy.py", "notes.txt"):
        (tmp_path / name).write_text("x = 1\n")
    ws = build_workspace(tmp_path, lessons)
    try:
        assert _files(ws) == {"similarity.py"}
        assert "association" in ws.missing
        assert "exercises/05-association/association.py" in ws.missing["association"]
    finally:
        ws.cleanup()


def test_exercises_tree_and_single_top_folder(tmp_path, lessons):
    """A zip-like layout with one top folder holding exercises/NN-slug/module.py is found."""
    target = tmp_path / "alice-hw" / "exercises" / "03-similarity"
    target.mkdir(parents=True)
    (target / "similarity.py").write_text("y = 2\n")
    ws = build_workspace(tmp_path, lessons)
    try:
        assert ws.found == {"similarity": "exercises/03-similarity/similarity.py"}
    finally:
        ws.cleanup()


def test_zip_with_path_traversal_is_contained(tmp_path, lessons):
    """A zip entry that climbs out of the extraction folder is ignored, the rest is graded."""
    archive = tmp_path / "sub.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("similarity.py", "z = 3\n")
        zf.writestr("../../escaped.py", "boom = 1\n")
    ws = build_workspace(archive, lessons)
    try:
        assert _files(ws) == {"similarity.py"}
        assert not (tmp_path.parent / "escaped.py").exists()
    finally:
        ws.cleanup()


def test_broken_zip_names_the_problem(tmp_path, lessons):
    """A file that is not a zip gives a SubmissionError that names the file."""
    bad = tmp_path / "hw.zip"
    bad.write_bytes(b"not a zip")
    with pytest.raises(SubmissionError, match="hw.zip is not a valid zip"):
        build_workspace(bad, lessons)


def test_notebook_becomes_module(tmp_path, lessons):
    """A <module>.ipynb submission is converted: code cells kept, magics commented out."""
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {"cell_type": "markdown", "id": "a1", "metadata": {}, "source": "# My work"},
            {"cell_type": "code", "id": "a2", "metadata": {}, "execution_count": None, "outputs": [],
             "source": "%matplotlib inline\nimport numpy as np\ndef f():\n    return 1"},
        ],
    }  # fmt: skip
    path = tmp_path / "similarity.ipynb"
    path.write_text(json.dumps(nb))
    ws = build_workspace(path, lessons)
    try:
        text = (ws.path / "similarity.py").read_text()
        assert "# %matplotlib inline" in text and "def f():" in text and "My work" not in text
    finally:
        ws.cleanup()


def test_a_future_import_in_a_later_cell_moves_to_the_top(tmp_path, lessons):
    """`from __future__ import ...` is fine at the top of any cell but only first in a module."""
    cells = [
        "import numpy as np",
        "from __future__ import annotations\n\ndef f(x: int):\n    return x",
    ]
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None,
         "outputs": [], "source": source} for i, source in enumerate(cells)
    ]}  # fmt: skip
    path = tmp_path / "similarity.ipynb"
    path.write_text(json.dumps(nb))
    ws = build_workspace(path, lessons)
    try:
        text = (ws.path / "similarity.py").read_text()
        assert text.startswith("from __future__ import annotations\n")
        compile(text, "similarity.py", "exec")
    finally:
        ws.cleanup()


def test_an_empty_zip_says_so(tmp_path, lessons):
    """A zip holding no files is named as such, not as a missing temporary folder."""
    path = tmp_path / "empty.zip"
    zipfile.ZipFile(path, "w").close()
    with pytest.raises(SubmissionError, match="empty.zip holds no files"):
        build_workspace(path, lessons)


def test_unknown_kind_is_refused(tmp_path, lessons):
    """A submission that is neither folder, zip, .py nor .ipynb is refused by name."""
    odd = tmp_path / "homework.docx"
    odd.write_text("?")
    with pytest.raises(SubmissionError, match="homework.docx: a submission is a folder"):
        build_workspace(odd, lessons)


def test_digest_depends_on_content(tmp_path, lessons):
    """The seed base changes when the code changes, and only then."""
    (tmp_path / "similarity.py").write_text("a = 1\n")
    one = build_workspace(tmp_path, lessons)
    two = build_workspace(tmp_path, lessons)
    (tmp_path / "similarity.py").write_text("a = 2\n")
    three = build_workspace(tmp_path, lessons)
    try:
        assert one.content == two.content != three.content
    finally:
        for ws in (one, two, three):
            ws.cleanup()


def test_symlinks_are_never_followed(tmp_path, lessons):
    """A linked folder, top folder or file cannot pull in solutions/ or a classmate's work."""
    solutions = find_solutions()
    (tmp_path / "linked-folder").mkdir()
    (tmp_path / "linked-folder" / "03-similarity").symlink_to(solutions / "03-similarity")
    (tmp_path / "linked-top").mkdir()
    (tmp_path / "linked-top" / "mywork").symlink_to(solutions)
    (tmp_path / "linked-file").mkdir()
    (tmp_path / "linked-file" / "similarity.py").symlink_to(
        solutions / "03-similarity" / "similarity.py"
    )
    for name in ("linked-folder", "linked-top", "linked-file"):
        ws = build_workspace(tmp_path / name, lessons)
        try:
            assert ws.found == {}, f"{name}: followed a symlink to {ws.found}"
        finally:
            ws.cleanup()
    ws = build_workspace(tmp_path / "linked-file", lessons)
    try:
        assert "symbolic links are not followed" in ws.missing["similarity"]
    finally:
        ws.cleanup()


def find_solutions():
    from autograder.lessons import pack_root

    return pack_root() / "solutions"


def test_zip_that_cannot_be_unpacked_is_a_submission_error(tmp_path, lessons):
    """An unknown compression method (or encryption, or corrupt data) names the zip."""
    archive = tmp_path / "odd.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("similarity.py", "x = 1\n" * 100)
    data = bytearray(archive.read_bytes())
    for offset in (8, data.rfind(b"PK\x01\x02") + 10):  # method field, local and central header
        data[offset : offset + 2] = (99).to_bytes(2, "little")
    archive.write_bytes(bytes(data))
    with pytest.raises(SubmissionError, match="odd.zip cannot be unpacked"):
        build_workspace(archive, lessons)


def test_a_misnamed_module_gets_a_note_naming_the_right_name(tmp_path):
    """A lone similarity_bad.py: the report says it is not a lesson module and what to call it."""
    lessons = load_lessons()
    (tmp_path / "similarity_bad.py").write_text("def cosine_similarity(a, b):\n    return 1.0\n")
    ws = build_workspace(tmp_path / "similarity_bad.py", lessons)
    try:
        assert ws.found == {}
        assert len(ws.notes) == 1
        assert ws.notes[0].startswith("similarity_bad.py is not named after a lesson's module")
        assert ws.notes[0].endswith("did you mean similarity.py?")
    finally:
        ws.cleanup()
    (tmp_path / "tokens.py").write_text("x = 1\n")
    ws = build_workspace(tmp_path, lessons)  # one lesson found: no hints about other files
    try:
        assert ws.notes == []
    finally:
        ws.cleanup()


def test_a_zip_and_a_folder_unwrap_nested_single_folders_alike(tmp_path, lessons):
    """outer/inner/similarity.py is found in a folder and in a zip of that folder alike."""
    folder = tmp_path / "dirnested" / "outer" / "inner"
    folder.mkdir(parents=True)
    (folder / "similarity.py").write_text("z = 3\n")
    archive = tmp_path / "nested.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(folder / "similarity.py", "outer/inner/similarity.py")
    for submission in (tmp_path / "dirnested", archive):
        ws = build_workspace(submission, lessons)
        try:
            assert ws.found == {"similarity": "similarity.py"}, submission.name
        finally:
            ws.cleanup()


def test_a_rightly_named_module_in_the_wrong_place_is_told_where_to_go(tmp_path, lessons):
    """hw/similarity.py beside old/: the note says where to put it, not to rename it."""
    for folder in ("hw", "old"):
        (tmp_path / "sub" / folder).mkdir(parents=True)
    (tmp_path / "sub" / "hw" / "similarity.py").write_text("x = 1\n")
    (tmp_path / "sub" / "old" / "notes.py").write_text("x = 2\n")
    ws = build_workspace(tmp_path / "sub", lessons)
    try:
        assert ws.found == {}
        assert any(
            note.startswith("hw/similarity.py is in a folder the grader does not look in")
            and note.endswith("exercises/03-similarity/similarity.py")
            for note in ws.notes
        ), ws.notes
        assert any(note.startswith("old/notes.py is not named after") for note in ws.notes)
    finally:
        ws.cleanup()
