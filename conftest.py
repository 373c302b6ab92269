"""Makes the pack's fixtures available to `pytest exercises/...` and `pytest autograder/hidden`."""

from autograder.plugin import (  # noqa: F401
    lesson,
    minilm,
    pytest_addoption,
    reference,
    rng,
    student,
    student_source,
)
