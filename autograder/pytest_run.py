"""One way to run check files with pytest in-process, shared by the grader and the self-check."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from autograder.lessons import pack_root

# An empty ini file: no project's pytest settings leak into a grading run.
EMPTY_INI = Path(__file__).resolve().parent / "grading.ini"
# Built-in plugins no check uses (log capture, junit, doctest, tmp_path, monkeypatch, ...):
# their per-check hooks cost about as much as pytest's own work for a check.
UNUSED_PLUGINS = (
    "logging", "unraisableexception", "threadexception", "junitxml", "pastebin", "doctest",
    "faulthandler", "stepwise", "setuponly", "setupplan", "legacypath", "tmpdir",
    "monkeypatch", "recwarn",
)  # fmt: skip


class _SilentTerminal:
    """Stands in for pytest's terminal, which assertion messages need (`a == b` explanations)."""

    def __init__(self) -> None:
        from _pytest._io import TerminalWriter

        self._tw = TerminalWriter(io.StringIO())


class _Quiet:
    """Keeps pytest silent while letting assertion rewriting explain failures."""

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        """Register the silent terminal where the real one was switched off."""
        if config.pluginmanager.get_plugin("terminalreporter") is None:
            config.pluginmanager.register(_SilentTerminal(), "terminalreporter")


def run_pytest(files: Sequence[str], plugins: Sequence[object], extra: Sequence[str] = ()) -> int:
    """Run `files` with the pack's plugin and `plugins`, no conftest, no output; returns pytest's code."""
    args = [
        *files,
        "-p", "autograder.plugin",
        "--noconftest",
        "-p", "no:cacheprovider",
        "-p", "no:terminal",
        "--capture=no",
        "--import-mode=importlib",
        "--rootdir", str(pack_root()),
        "-c", str(EMPTY_INI),
        *(arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")),
        *extra,
    ]  # fmt: skip
    saved = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # third-party plugins cost time and trust
    try:
        return int(pytest.main(args, plugins=[_Quiet(), *plugins]))
    finally:
        if saved is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = saved
