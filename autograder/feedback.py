"""What a student is told about a failed check: never a hidden check's inputs or expectations."""

from __future__ import annotations

from autograder.student import StudentFailure, StudentRaised


def _cut(text: str, limit: int) -> str:
    text = text.strip()
    return (
        text
        if len(text) <= limit
        else text[:limit] + f"\n... ({len(text) - limit} more characters)"
    )


def describe_failure(exc: BaseException, hidden: bool, doc: str, limits) -> str:
    """Explain a failed check from its exception: the student's own error, or what was wrong."""
    limit = limits.output_chars
    lead = f"This check looks for: {doc}\n" if hidden and doc else ""
    if isinstance(exc, StudentRaised):
        kind = type(exc).__name__
        message = exc.args[0] if exc.args else ""  # str(KeyError) would quote it again
        text = f"Your code raised {kind}: {message}"
        trace = getattr(exc, "student_traceback", "")
        if trace:
            text += "\n" + trace
        return lead + _cut(text, limit)
    if isinstance(exc, StudentFailure):
        return lead + _cut(str(exc), limit)
    message = str(exc)
    failed = type(exc).__name__ == "Failed"  # pytest.fail and pytest.raises
    if failed and message.startswith("DID NOT RAISE"):
        expected = message.removeprefix("DID NOT RAISE").strip()
        expected = expected.removeprefix("<class '").removesuffix("'>").rpartition(".")[2]
        return lead + f"Your function returned normally where it should raise {expected}."
    if hidden:  # the check's own words may hold its inputs and expected values: never shown
        if isinstance(exc, AssertionError) or failed:
            return lead + "Your function's result is not the expected one."
        return lead + (
            f"The check could not use your function's result ({type(exc).__name__}); "
            "check the type and shape it returns."
        )
    if isinstance(exc, AssertionError):
        text = _assertion_text(message)
        return _cut(text or "Your function's result is not the expected one.", limit)
    return _cut(f"{type(exc).__name__}: {message}", limit)


def _assertion_text(message: str) -> str:
    """The check's own message; pytest's value-by-value explanation only when there is none."""
    lines = message.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("assert "):
            return "\n".join(lines[:i]) if i else line
    return message
