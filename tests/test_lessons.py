"""The one lesson loader: folders, lesson.toml, and clear errors for malformed ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder.lessons import LessonError, find_lesson, load_lesson, load_lessons

EXPECTED = {
    "01-tokens": "tokens",
    "02-embedding": "embedding",
    "03-similarity": "similarity",
    "04-analogy": "analogy",
    "05-association": "association",
}


def test_the_five_lessons_in_order():
    """The pack has the five lessons of LESSONS.md, with the fixed module names."""
    assert {ls.slug: ls.module for ls in load_lessons()} == EXPECTED
    assert [ls.order for ls in load_lessons()] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("slug", EXPECTED)
def test_every_lesson_is_whole(slug):
    """Each lesson has titles and hints in both languages, a stub, checks, a reference."""
    lesson = find_lesson(slug)
    for lang in ("en", "zh"):
        assert lesson.title[lang] and lesson.hints[lang], f"{slug}: title/hints in {lang}"
        assert len(lesson.instructions(lang)) > 500, f"{slug}: instructions.{lang}.md is thin"
    for path in (lesson.stub, lesson.public_tests, lesson.hidden_tests, lesson.solution):
        assert path.is_file(), f"{slug}: missing {path}"


def test_find_by_number_module_or_slug():
    """A lesson is found by slug, two-digit number or module name."""
    assert find_lesson("03").slug == find_lesson("similarity").slug == "03-similarity"
    with pytest.raises(LessonError, match="no lesson 'nope'"):
        find_lesson("nope")


def _lesson(tmp_path: Path, text: str, name: str = "07-demo") -> Path:
    folder = tmp_path / "exercises" / name
    folder.mkdir(parents=True)
    (folder / "lesson.toml").write_text(text, encoding="utf-8")
    return folder


GOOD = 'module = "demo"\npoints = 5\n[title]\nen = "D"\nzh = "D"\n[hints]\nen = ["h"]\nzh = ["h"]\n'


@pytest.mark.parametrize(
    "text, message",
    [
        (GOOD.replace('module = "demo"\n', ""), "missing key 'module'"),
        (GOOD.replace("points = 5", "points = -1"), "points must be positive"),
        (GOOD.replace('zh = "D"\n', ""), r"\[title\] lacks zh"),
        (GOOD.replace('en = ["h"]', 'en = "h"'), "hints.en must be a list of strings"),
        (GOOD.replace('"demo"', '"not a name"'), "is not a Python identifier"),
        ("module = ", "lesson.toml"),
    ],
)
def test_malformed_lesson_toml_is_named(tmp_path, text, message):
    """Every malformed lesson.toml gives a LessonError that names the file and the problem."""
    folder = _lesson(tmp_path, text)
    with pytest.raises(LessonError, match=message):
        load_lesson(folder)


def test_bad_folder_name(tmp_path):
    """A lesson folder must be named NN-slug."""
    folder = _lesson(tmp_path, GOOD, name="demo")
    with pytest.raises(LessonError, match="NN-slug"):
        load_lesson(folder)
