"""The pytest plugin behind every check: the `student`, `reference`, `rng`, `minilm` fixtures."""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np
import pytest

from autograder.lessons import Lesson, LessonError, find_lesson, load_lesson
from autograder.modeldata import ModelData, load_model_data
from autograder.student import DirectStudent, import_path

GRADING_PLUGIN = "embedlab-grading"
PUBLIC_SEED = "embedlab-public"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add --student-dir: the folder whose modules the `student` fixture imports."""
    try:
        parser.addoption(
            "--student-dir",
            default=None,
            help="folder holding the student's modules (side by side or in an exercises/ tree)",
        )
    except ValueError:  # added already: the pack's conftest and the exercises' one both load
        pass


def lesson_of(path: Path) -> Lesson:
    """The lesson a check file belongs to: the lesson folder it lies in, else by its name."""
    return _lesson_of(Path(path).resolve())


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
    return folder / lesson.slug / f"{lesson.module}.py"


def derive_seed(base: str, nodeid: str) -> int:
    """A 64-bit seed from a base string (submission digest, secret) and a check's id."""
    digest = hashlib.sha256(f"{base}\0{nodeid}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


@functools.cache
def _reference_module(path: Path, module: str):
    return import_path(path, f"embedlab_reference_{module}")


def _grading(config: pytest.Config):
    return config.pluginmanager.get_plugin(GRADING_PLUGIN)


@pytest.fixture
def lesson(request: pytest.FixtureRequest) -> Lesson:
    """The lesson of the running check."""
    return lesson_of(request.path)


@pytest.fixture
def student(request: pytest.FixtureRequest, lesson: Lesson):
    """The student's module: sandboxed when grading, imported directly in a self-check."""
    grading = _grading(request.config)
    if grading is not None:
        proxy = grading.open_student(lesson, request.node)
        yield proxy
        grading.close_student(proxy)
        return
    chosen = request.config.getoption("--student-dir")
    path = module_in(Path(chosen), lesson) if chosen else lesson.stub
    yield DirectStudent(path, lesson.module)


@pytest.fixture
def student_source(request: pytest.FixtureRequest, lesson: Lesson) -> str:
    """The text of the student's module, read as text only (for checks like "built by hand")."""
    grading = _grading(request.config)
    if grading is not None:
        path = grading.workspace.path / f"{lesson.module}.py"
    else:
        chosen = request.config.getoption("--student-dir")
        path = module_in(Path(chosen), lesson) if chosen else lesson.stub
    return path.read_text(encoding="utf-8") if path.is_file() else ""


@pytest.fixture
def reference(lesson: Lesson):
    """The reference solution, imported in the trusted process."""
    return _reference_module(lesson.solution, lesson.module)


@pytest.fixture
def rng(request: pytest.FixtureRequest, lesson: Lesson) -> np.random.Generator:
    """Random inputs: seeded by the lesson's module (and secret) when grading, fixed otherwise."""
    grading = _grading(request.config)
    base = grading.seeds[lesson.module] if grading is not None else PUBLIC_SEED
    return np.random.default_rng(derive_seed(base, request.node.nodeid.split("::", 1)[-1]))


@pytest.fixture
def minilm() -> ModelData:
    """The real model's vectors and token outputs from the committed data file."""
    return load_model_data()
