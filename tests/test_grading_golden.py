"""Golden-file tests of results.json, on a tiny fixture pack, through the real CLI and sandbox."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from autograder.cli import main

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
SUBMISSIONS = ["good", "wrong", "crash", "nested"]


# Whether the sandbox gets a memory cgroup depends on the machine (tests/test_cgroup.py checks
# which one a report names); the golden files hold the line of a machine where it does.
NO_CGROUP = "no limit on its processes' memory together (no memory cgroup here); "
CGROUP = "all its processes together 1024 MB of memory (a cgroup); "


def _strip(data: dict, name: str) -> dict:
    """The report without what depends on the machine: the time taken, the submission's path,
    whether a memory cgroup was made."""
    data = json.loads(json.dumps(data).replace(NO_CGROUP, CGROUP))
    data.pop("execution_time")
    extra = dict(data["extra_data"])
    assert extra.pop("submission") == str(FIXTURES / "subs" / name)
    data["extra_data"] = extra
    return data


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    secret = tmp_path_factory.mktemp("secret") / "secret.txt"
    secret.write_text("s\nnot part of the secret\n", encoding="utf-8")
    old = os.environ.get("EMBEDLAB_ROOT")
    os.environ["EMBEDLAB_ROOT"] = str(FIXTURES / "minipack")
    try:
        subs = [str(FIXTURES / "subs" / name) for name in SUBMISSIONS]
        status = main(
            [
                "grade",
                *subs,
                "--out",
                str(out),
                "--call-timeout",
                "0.5",
                "--secret-file",
                str(secret),
            ]
        )
    finally:
        if old is None:
            os.environ.pop("EMBEDLAB_ROOT")
        else:
            os.environ["EMBEDLAB_ROOT"] = old
    assert status == 0, "grade must exit 0 when every submission got its report"
    return out


@pytest.mark.parametrize("name", SUBMISSIONS)
def test_results_match_golden(graded: Path, name: str):
    """Each submission's results.json equals its golden file (but for the time taken)."""
    got = _strip(json.loads((graded / name / "results.json").read_text(encoding="utf-8")), name)
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("EMBEDLAB_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(json.dumps(got, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    want = json.loads(golden.read_text(encoding="utf-8"))
    assert got == want, f"{name}: results.json differs from {golden}; inspect and regenerate"


def test_scores(graded: Path):
    """Full marks for the right module in either layout, nothing for wrong or broken ones."""
    score = {n: json.loads((graded / n / "results.json").read_text())["score"] for n in SUBMISSIONS}
    assert score == {"good": 10.0, "wrong": 0.0, "crash": 0.0, "nested": 10.0}


def test_hidden_feedback_hides_inputs(graded: Path):
    """A hidden check's name and output never show its parametrized inputs or expected values."""
    text = (graded / "wrong" / "results.json").read_text(encoding="utf-8")
    assert "secret-input" not in text
    tests = json.loads(text)["tests"]
    hidden = [t for t in tests if t["extra_data"]["hidden"]]
    assert hidden and all("This check looks for:" in t["output"] for t in hidden)
    assert "debugging add" in text, "the student's own printed output is shown back to them"
