"""The pytest plugin behind a self-check: the `student`, `reference`, `rng`, `minilm` fixtures.

Grading gives checks the same arguments itself (grading.py), from the same helpers
(checkargs.py), without loading pytest before the check files do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from autograder.checkargs import PUBLIC_SEED, check_rng, lesson_of, module_in, reference_module
from autograder.lessons import Lesson
from autograder.modeldata import ModelData, load_model_data
from autograder.student import DirectStudent


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


@pytest.fixture
def lesson(request: pytest.FixtureRequest) -> Lesson:
    """The lesson of the running check."""
    return lesson_of(request.path)


@pytest.fixture
def student(request: pytest.FixtureRequest, lesson: Lesson) -> DirectStudent:
    """The student's module, imported directly: a self-check (grading gives a sandboxed one)."""
    chosen = request.config.getoption("--student-dir")
    path = module_in(Path(chosen), lesson) if chosen else lesson.stub
    return DirectStudent(path, lesson.module)


@pytest.fixture
def student_source(request: pytest.FixtureRequest, lesson: Lesson) -> str:
    """The text of the student's module, read as text only (for checks like "built by hand")."""
    chosen = request.config.getoption("--student-dir")
    path = module_in(Path(chosen), lesson) if chosen else lesson.stub
    return path.read_text(encoding="utf-8") if path.is_file() else ""


@pytest.fixture
def reference(lesson: Lesson):
    """The reference solution, imported in the trusted process."""
    return reference_module(lesson)


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> np.random.Generator:
    """Random inputs from a fixed seed and the check's name (grading seeds them per submission)."""
    return check_rng(PUBLIC_SEED, request.node.nodeid)


@pytest.fixture
def minilm() -> ModelData:
    """The real model's vectors and token outputs from the committed data file."""
    return load_model_data()
