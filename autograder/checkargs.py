"""What a check is given, with or without pytest: its lesson, the reference, its random inputs."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np

from autograder.lessons import Lesson, LessonError, find_lesson, load_lesson
from autograder.student import import_path

PUBLIC_SEED = "embedlab-public"


def lesson_of(path: Path) -> Lesson:
    """The lesson a check file belongs to: the lesson folder it lies in, else by its name."""
    return _lesson_of_given(Path(path))


@functools.cache
def _lesson_of_given(path: Path) -> Lesson:
    # Every check asks; resolving the path each time cost more than the rest of the fixture.
    return _lesson_of(path.resolve())


@functools.cache
def _lesson_of(path: Path) -> Lesson:
    # Every check of a file asks this; reading lesson.toml once per file keeps grading fast.
    name = path.stem
    if not name.startswith("test_"):
        raise LessonError(f"{path}: check files are named test_<module>.py")
    if (path.parent / "lesson.toml").is_file():
        # A public check belongs to the copy it lies in, not to wherever the pack is installed.
        return load_lesson(path.parent)
    return find_lesson(name.removeprefix("test_"))


def module_in(folder: Path, lesson: Lesson) -> Path:
    """Where a lesson's module lies in a folder: side by side, or in an exercises/ tree."""
    folder = Path(folder)
    for candidate in (
        folder / f"{lesson.module}.py",
        folder / lesson.slug / f"{lesson.module}.py",
        folder / "exercises" / lesson.slug / f"{lesson.module}.py",
    ):
        if candidate.is_file():
            return candidate
    if (folder / lesson.slug).is_dir() or (folder / "exercises").is_dir():
        return folder / lesson.slug / f"{lesson.module}.py"
    return folder / f"{lesson.module}.py"  # modules side by side: the missing one goes there too


def derive_seed(base: str, nodeid: str) -> int:
    """A 64-bit seed from a base string (submission digest, secret) and a check's id."""
    digest = hashlib.sha256(f"{base}\0{nodeid}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


@functools.cache
def _reference_module(path: Path, module: str):
    return import_path(path, f"embedlab_reference_{module}")


def reference_module(lesson: Lesson):
    """A lesson's reference solution, imported once per process in the trusted process."""
    return _reference_module(lesson.solution, lesson.module)


def check_rng(base: str, nodeid: str) -> np.random.Generator:
    """A check's random generator: seeded by a base (the submission, a secret) and its name."""
    return np.random.default_rng(derive_seed(base, nodeid.split("::", 1)[-1]))
