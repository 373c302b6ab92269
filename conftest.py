"""Makes the pack's fixtures available to `pytest autograder/hidden` (exercises/ has its own)."""

pytest_plugins = ["autograder.plugin"]
