"""Gives the checks their fixtures (`student`, `rng`, `minilm`, ...) in any copy of exercises/."""

from autograder.plugin import (  # noqa: F401
    lesson,
    minilm,
    pytest_addoption,
    reference,
    rng,
    student,
    student_source,
)
