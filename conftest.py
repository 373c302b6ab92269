"""Makes the pack's fixtures available to `pytest autograder/hidden` (exercises/ has its own)."""

from autograder.plugin import (  # noqa: F401
    lesson,
    minilm,
    pytest_addoption,
    reference,
    rng,
    student,
    student_source,
)
