"""README.md opens with the two set-up commands, and CI runs the test one verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_commands() -> list[str]:
    """The commands of the README's first code block."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```(?:bash|sh)?\n(.*?)```", text, re.S)
    assert block, "README.md must start with a code block of set-up commands"
    return [ln for ln in block.group(1).splitlines() if ln.strip() and not ln.startswith("#")]


def test_readme_starts_with_main_job_and_tests():
    """The first block holds the main job (grading examples/) and the test command."""
    commands = readme_commands()
    assert len(commands) == 2, commands
    assert "embedlab grade examples/" in commands[0]
    assert "scripts/test.sh" in commands[1]


def test_ci_runs_the_readme_test_command():
    """.ci/run calls exactly the README's test command."""
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


def test_main_job_examples_exist():
    """The main job grades at least five example submissions."""
    examples = [p for p in (ROOT / "examples").iterdir() if p.is_dir()]
    assert len(examples) >= 5
