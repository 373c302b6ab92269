"""The `embedlab` command line: usage errors up front, a batch that always finishes, safe reports."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from autograder import report as report_mod
from autograder import selfcheck, submissions
from autograder.checkargs import module_in
from autograder.cli import main
from autograder.lessons import find_lesson, pack_root
from autograder.report import SubmissionReport, write_json
from autograder.submissions import report_name

FIXTURES = Path(__file__).parent / "fixtures"
SUBS = FIXTURES / "subs"
ROOT = Path(__file__).resolve().parent.parent
SIMILARITY_STUB = ROOT / "exercises" / "03-similarity" / "similarity.py"


@pytest.fixture
def minipack(monkeypatch):
    """Grade against the one-lesson fixture pack (lesson 01-demo, 10 points)."""
    monkeypatch.setenv("EMBEDLAB_ROOT", str(FIXTURES / "minipack"))


def _grade(*args: str) -> int:
    return main(["grade", *args, "--call-timeout", "0.5"])


def _results(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


# 1. usage errors before grading anything


def test_missing_submissions_are_all_named_and_nothing_is_graded(minipack, tmp_path, capsys):
    """A missing path exits 2 naming every missing one; no submission is graded."""
    out = tmp_path / "out"
    status = _grade(str(SUBS / "good"), "no-such-1", str(tmp_path / "gone"), "--out", str(out))
    err = capsys.readouterr().err
    assert status == 2
    assert "embedlab grade: no such submission: no-such-1" in err
    assert f"embedlab grade: no such submission: {tmp_path / 'gone'}" in err
    assert not out.exists(), "nothing may be graded when a submission is missing"


def test_out_that_is_a_file_is_refused(minipack, tmp_path, capsys):
    """--out naming an existing file exits 2 with a clear message."""
    out = tmp_path / "out.txt"
    out.write_text("keep me")
    assert _grade(str(SUBS / "good"), "--out", str(out)) == 2
    assert "is an existing file" in capsys.readouterr().err
    assert out.read_text() == "keep me"


# 2. one submission never stops the batch; writing never fails on odd text


def test_a_grader_crash_costs_only_its_submission(minipack, tmp_path, capsys, monkeypatch):
    """An exception while grading one submission gives it a score-0 report; the rest are graded."""
    real = submissions.grade_submission

    def flaky(submission, *args, **kwargs):
        if submission.name == "crash":
            raise RuntimeError("boom")
        return real(submission, *args, **kwargs)

    monkeypatch.setattr(submissions, "grade_submission", flaky)
    out = tmp_path / "out"
    assert _grade(str(SUBS / "crash"), str(SUBS / "good"), "--out", str(out)) == 0
    table = capsys.readouterr().out
    crashed = _results(out / "crash" / "results.json")
    assert crashed["score"] == 0.0 and "boom" in crashed["output"]
    assert _results(out / "good" / "results.json")["score"] == 10.0
    assert "error: crash: the grader failed: RuntimeError: boom" in table


def test_a_failed_full_report_falls_back_to_a_minimal_one(minipack, tmp_path, capsys, monkeypatch):
    """If the full results.json cannot be made, a minimal valid one (score 0, the error) is."""

    def broken(*args, **kwargs):
        raise TypeError("cannot serialize")

    monkeypatch.setattr(submissions, "results_json", broken)
    out = tmp_path / "out"
    assert _grade(str(SUBS / "good"), "--out", str(out)) == 0
    data = _results(out / "good" / "results.json")
    assert data["score"] == 0.0 and data["tests"] == []
    assert "cannot serialize" in data["output"]
    assert data["extra_data"]["submission"] == str(SUBS / "good")
    assert "error: good:" in capsys.readouterr().out


def test_write_json_survives_lone_surrogates(tmp_path):
    """Lone surrogates (from undecodable paths or student output) are replaced, not fatal."""
    path = tmp_path / "r" / "results.json"
    write_json({"output": "bad \udcff here", "extra_data": {"submission": "x\ud800"}}, path)
    data = _results(path)
    assert data["output"] == "bad \ufffd here"
    assert data["extra_data"]["submission"] == "x\ufffd"


def test_write_json_leaves_no_temp_file_when_it_fails(tmp_path, monkeypatch):
    """A failed write removes its temporary file and keeps the old report."""
    path = tmp_path / "results.json"
    path.write_text('{"score": 1}')

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(report_mod.os, "replace", fail)
    with pytest.raises(OSError):
        write_json({"score": 2}, path)
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]
    assert _results(path) == {"score": 1}


def test_write_json_gives_the_report_the_usual_permissions(tmp_path):
    """A report is readable as any file the grader writes (umask 022: 0644), not private 0600."""
    old = os.umask(0o022)
    try:
        write_json({"score": 1}, tmp_path / "results.json")
    finally:
        os.umask(old)
    assert (tmp_path / "results.json").stat().st_mode & 0o777 == 0o644


# 3. report folder names


def test_report_names_cannot_collide(tmp_path):
    """ "_bob" no longer maps onto "bob"; a changed name gets a hash of the path; names are stable."""
    taken: set[str] = set()
    bob = report_name(tmp_path / "bob", taken)
    under = report_name(tmp_path / "_bob", taken)
    again = report_name(tmp_path / "bob.py", taken)
    assert bob == "bob"
    assert under.startswith("bob-") and len(under) == len("bob-") + 8
    assert again.startswith("bob-") and again != under
    assert report_name(tmp_path / "_bob", set()) == under, "the same path gets the same name"
    assert report_name(tmp_path / "_bob", {"bob"}) == under
    odd = report_name(tmp_path / "a b", set())
    assert odd.startswith("a_b-")


def test_a_submission_given_twice_is_graded_once(minipack, tmp_path, capsys):
    """The same submission named twice (say, by overlapping globs) gets one report, and a note."""
    out = tmp_path / "out"
    good = SUBS / "good"
    assert _grade(str(good), str(good / ".." / "good"), "--out", str(out)) == 0
    assert sorted(p.name for p in out.iterdir()) == ["good"]
    assert f"{good / '..' / 'good'} is given twice; graded once" in capsys.readouterr().err


def test_reports_record_their_submission_and_never_share_a_folder(minipack, tmp_path):
    """Two submissions whose names sanitize alike get two folders, each naming its submission."""
    for name in ("good", "_good"):
        shutil.copytree(SUBS / "good", tmp_path / name)
    out = tmp_path / "out"
    assert _grade(str(tmp_path / "_good"), str(tmp_path / "good"), "--out", str(out)) == 0
    folders = sorted(p.name for p in out.iterdir())
    assert len(folders) == 2 and "good" in folders
    recorded = {_results(out / f / "results.json")["extra_data"]["submission"] for f in folders}
    assert recorded == {str(tmp_path / "_good"), str(tmp_path / "good")}


# 4. the secret comes from a file or the environment, never the command line


def test_secret_is_not_a_command_line_option(capsys):
    """--secret is gone: a secret on the command line is visible in the process list."""
    with pytest.raises(SystemExit) as exc:
        main(["grade", "x", "--out", "y", "--secret", "s"])
    assert exc.value.code == 2


def test_secret_file_first_line_is_the_secret(minipack, tmp_path, monkeypatch):
    """--secret-file's first line reaches grading; without it, None (grading reads EMBEDLAB_SECRET)."""
    seen = []

    def fake_run_checks(workspace, lessons, limits, isolation, secret, jobs=None):
        seen.append(secret)
        return [], "none"

    monkeypatch.setattr(submissions, "run_checks", fake_run_checks)
    secret = tmp_path / "secret"
    secret.write_text("term-key\nignored\n")
    assert (
        _grade(str(SUBS / "good"), "--out", str(tmp_path / "a"), "--secret-file", str(secret)) == 0
    )
    assert _grade(str(SUBS / "good"), "--out", str(tmp_path / "b")) == 0
    assert seen == ["term-key", None]


def test_unreadable_secret_file_is_a_usage_error(minipack, tmp_path, capsys):
    """A missing secret file exits 2 before grading."""
    args = ["--out", str(tmp_path / "o"), "--secret-file", str(tmp_path / "nope")]
    assert _grade(str(SUBS / "good"), *args) == 2
    assert "cannot read the secret file" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("text", ["", "\n", "   \nkey\n"])
def test_blank_secret_is_a_usage_error(minipack, tmp_path, capsys, text):
    """An empty secret file, or one whose first line is blank, exits 2: it would silently grade
    as if there were no secret."""
    secret = tmp_path / "secret"
    secret.write_text(text)
    args = ["--out", str(tmp_path / "o"), "--secret-file", str(secret)]
    assert _grade(str(SUBS / "good"), *args) == 2
    assert "is empty or its first line is blank" in capsys.readouterr().err


def test_blanks_around_the_secret_never_count(minipack, tmp_path, monkeypatch):
    """Windows line endings or trailing spaces, in the file or the environment: the same seeds."""
    from autograder.checkrun import seed_base
    from autograder.lessons import load_lessons
    from autograder.workspace import build_workspace

    ws = build_workspace(SUBS / "good", load_lessons())
    try:
        plain = seed_base(ws, "term-key", "similarity")
        assert seed_base(ws, " term-key\r", "similarity") == plain
        monkeypatch.setenv("EMBEDLAB_SECRET", "term-key\r")
        assert seed_base(ws, None, "similarity") == plain
    finally:
        ws.cleanup()
    secret = tmp_path / "secret"
    secret.write_bytes(b"term-key \r\n")
    assert submissions._read_secret(secret) == "term-key"


def test_an_out_folder_that_cannot_be_written_is_a_usage_error(minipack, tmp_path, capsys):
    """--out under a file, or a folder without write permission: exit 2 before grading."""
    (tmp_path / "file").write_text("x")
    assert _grade(str(SUBS / "good"), "--out", str(tmp_path / "file" / "reports")) == 2
    assert "cannot write reports there" in capsys.readouterr().err


# 5. --lesson


def test_unknown_lesson_is_a_usage_error(minipack, tmp_path, capsys):
    """--lesson naming no lesson exits 2 and lists the lessons."""
    assert _grade(str(SUBS / "good"), "--out", str(tmp_path / "o"), "--lesson", "07") == 2
    assert "01-demo" in capsys.readouterr().err
    argv = ["--out", str(tmp_path / "o"), "--lesson", "07", "--lesson", "1", "--lesson", "x"]
    assert _grade(str(SUBS / "good"), *argv) == 2
    assert "no lesson '07', 'x'; the lessons are: 01-demo" in capsys.readouterr().err


def test_one_lesson_is_graded_alone(tmp_path, capsys):
    """--lesson 03 grades only similarity, out of its 20 points, without other lessons' noise."""
    sub = tmp_path / "similarity.py"
    shutil.copy(ROOT / "solutions" / "03-similarity" / "similarity.py", sub)
    out = tmp_path / "out"
    assert main(["grade", str(sub), "--out", str(out), "--lesson", "03"]) == 0
    table = capsys.readouterr().out
    data = _results(out / "similarity" / "results.json")
    assert data["score"] == 20.0
    assert {t["name"].split()[0].rstrip(":") for t in data["tests"]} == {"03-similarity"}
    assert "tokens" not in data["output"] and "no checks ran" not in json.dumps(data)
    assert "(out of 20;" in table and "01-tokens" not in table


# 6. Gradescope layout


def test_gradescope_writes_results_json_directly(minipack, tmp_path):
    """--gradescope writes OUT/results.json, Gradescope's /autograder/results layout."""
    out = tmp_path / "results"
    args = ["--out", str(out), "--gradescope", "--lesson", "01"]
    assert _grade(str(SUBS / "good"), *args) == 0
    assert sorted(p.name for p in out.iterdir()) == ["results.json"]
    assert _results(out / "results.json")["score"] == 10.0


def test_gradescope_takes_exactly_one_submission(minipack, tmp_path, capsys):
    """--gradescope with two submissions is a usage error."""
    args = [str(SUBS / "good"), str(SUBS / "wrong"), "--out", str(tmp_path / "o"), "--gradescope"]
    assert _grade(*args) == 2
    assert "exactly one submission" in capsys.readouterr().err


# 7. CLI polish


def test_grade_help_shows_defaults_and_isolation_choices(capsys):
    """grade --help names the defaults and what each isolation means."""
    with pytest.raises(SystemExit):
        main(["grade", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: 2)" in text and "(default: 60)" in text and "(default: auto)" in text
    for word in ("bwrap =", "uid =", "none =", "auto =", "--secret-file", "--gradescope"):
        assert word in text


def test_broken_pipe_is_quiet(monkeypatch, capsys):
    """`embedlab check | head -1`: a closed pipe ends the command without a traceback.

    capsys keeps main from redirecting the real stdout of the test run.
    """

    def closed(*args):
        raise BrokenPipeError

    monkeypatch.setattr(selfcheck, "main_check", closed)
    assert main(["check"]) == 141


def test_check_names_its_folder_and_the_failing_checks_purpose(minipack, capsys):
    """check prints the folder it checks and the first failing check's docstring line."""
    assert main(["check", "--dir", str(SUBS / "wrong")]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"checking {(SUBS / 'wrong').resolve()}"
    assert "first failing check: test_add_small  (Adds two short vectors.)" in out


def test_check_names_every_failing_check(minipack, tmp_path, capsys):
    """Past the first failure's message, check names the other failing checks too."""
    copy = tmp_path / "exercises"
    shutil.copytree(FIXTURES / "minipack" / "exercises", copy)
    checks = copy / "01-demo" / "test_demo.py"
    checks.write_text(
        checks.read_text()
        + "\n\ndef test_add_more(student):\n    assert list(student.add([1], [1])) == [2]\n"
    )
    (copy / "01-demo" / "demo.py").write_text("def add(a, b):\n    return [0] * len(a)\n")
    assert main(["check", "--dir", str(copy)]) == 1
    out = capsys.readouterr().out
    assert "first failing check: test_add_small" in out
    assert "also failing: test_add_more" in out


def test_check_of_a_lesson_folder_checks_that_lesson(tmp_path, capsys):
    """--dir naming one lesson's folder of a copy checks that lesson only."""
    copy = tmp_path / "exercises"
    shutil.copytree(pack_root() / "exercises", copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert main(["check", "--dir", str(copy / "03-similarity")]) == 1
    out = capsys.readouterr().out
    assert "03-similarity" in out and "01-tokens" not in out


def test_check_from_inside_a_lesson_folder_checks_that_lesson(tmp_path, monkeypatch, capsys):
    """Run inside one lesson's folder of a copy, check checks that lesson only."""
    copy = tmp_path / "exercises"
    shutil.copytree(pack_root() / "exercises", copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.chdir(copy / "03-similarity")
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "03-similarity" in out and "01-tokens" not in out and "05-association" not in out


def test_check_names_a_few_other_failures_not_all(tmp_path, capsys):
    """On an untouched stub, the other failing checks are a short list (a parametrized check
    once, by name) with how many more fail; the first failure's message stays readable."""
    copy = tmp_path / "exercises"
    shutil.copytree(pack_root() / "exercises", copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert main(["check", "01", "--dir", str(copy)]) == 1
    also = [line for line in capsys.readouterr().out.splitlines() if "also failing:" in line]
    assert len(also) == 1
    names, _, more = also[0].partition(" and ")
    assert len(names.split(", ")) == 5 and "[" not in names
    assert more.endswith(" more") and int(more.split()[0]) > 10


def test_check_of_modules_side_by_side_checks_those_there(tmp_path, capsys):
    """A folder holding some lesson modules side by side: those lessons are checked, the others
    named as not there; pytest's command for every message points at this folder."""
    (tmp_path / "similarity.py").write_text(SIMILARITY_STUB.read_text())
    assert main(["check", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"checking {tmp_path.resolve()}"
    assert lines[1] == (
        "not in this folder, not checked: tokens.py, embedding.py, analogy.py, association.py"
    )
    assert "03-similarity" in out and "01-tokens" not in out
    assert f"exercises/03-similarity --student-dir {tmp_path.resolve()})" in out
    assert main(["check", "01", "--dir", str(tmp_path)]) == 2
    assert f"{tmp_path} holds no lesson module (tokens.py)" in capsys.readouterr().out
    tokens = find_lesson("01")  # pytest --student-dir looks for a missing one beside the others
    assert module_in(tmp_path, tokens) == tmp_path / "tokens.py"
    (tmp_path / "exercises").mkdir()
    assert module_in(tmp_path, tokens) == tmp_path / "01-tokens" / "tokens.py"


def test_check_of_a_missing_folder_says_it_does_not_exist(minipack, tmp_path, capsys):
    """--dir naming nothing: exit 2, saying so (not that no exercises folder is above it)."""
    assert main(["check", "--dir", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().out


def test_error_report_is_valid_without_grading():
    """The minimal report is valid Gradescope JSON with score 0."""
    data = report_mod.error_results(SubmissionReport(name="n", submission="p"), "bad")
    assert data["score"] == 0.0 and data["tests"] == [] and data["extra_data"]["submission"] == "p"


def test_check_finds_the_exercises_folder_from_inside_a_lesson(minipack, tmp_path, monkeypatch):
    """From a copy's lesson folder, or from a folder holding exercises/, check finds the copy."""
    copy = tmp_path / "stu" / "exercises"
    shutil.copytree(FIXTURES / "minipack" / "exercises", copy)
    for start in (tmp_path / "stu", copy, copy / "01-demo"):
        assert selfcheck.exercises_dir(None, start) == copy
    renamed = tmp_path / "work"
    shutil.copytree(copy, renamed)
    assert selfcheck.exercises_dir(None, renamed / "01-demo") == renamed


def test_check_without_an_exercises_folder_says_so(minipack, tmp_path, monkeypatch, capsys):
    """No exercises folder here or above: exit 2 and say so, never check the pack's own stubs."""
    monkeypatch.chdir(tmp_path)
    assert main(["check"]) == 2
    out = capsys.readouterr().out
    assert "no exercises folder in" in out and "--dir" in out
    assert "checking" not in out


def test_interrupt_stops_with_status_130(monkeypatch, capsys):
    """Ctrl-C during grading stops the command with 130 and says so, without a traceback."""

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(submissions, "main_grade", interrupted)
    assert main(["grade", "x", "--out", "y"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_score_table_shows_the_path_behind_a_changed_name(minipack):
    """A name the grader cleaned or de-duplicated is listed with the path it stands for."""
    from autograder.lessons import load_lessons

    kept = SubmissionReport(name="similarity", submission="a/similarity.py")
    renamed = SubmissionReport(name="similarity-611d8e02", submission="b/similarity.py")
    table = report_mod.score_table([kept, renamed], load_lessons())
    assert "similarity-611d8e02: b/similarity.py" in table
    assert "similarity: a/similarity.py" not in table


def test_score_table_lists_each_submissions_notes(minipack):
    """Why a module was not found, or which of two was graded, shows under the score table."""
    from autograder.lessons import load_lessons

    noted = SubmissionReport(name="sam", submission="sam", notes=["similarity: graded a/x.py"])
    table = report_mod.score_table([noted], load_lessons())
    assert "note: sam: similarity: graded a/x.py" in table


def test_check_needs_nothing_of_the_installed_pack(tmp_path, monkeypatch, capsys):
    """A student's copy carries its lessons and public checks: check runs them even where the
    installed pack has no exercises (as from a wheel), from inside a lesson's folder too."""
    empty = tmp_path / "installed"
    empty.mkdir()
    monkeypatch.setenv("EMBEDLAB_ROOT", str(empty))  # an installed pack without exercises/
    copy = tmp_path / "stu" / "exercises"
    shutil.copytree(FIXTURES / "minipack" / "exercises", copy)
    monkeypatch.chdir(copy / "01-demo")
    assert main(["check"]) == 1  # the stub fails its checks
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"checking {copy.resolve()}"
    assert "01-demo" in out and "0/" in out
    assert main(["check", "--dir", str(copy / "01-demo"), "demo"]) == 1
    assert capsys.readouterr().out.splitlines()[0] == f"checking {copy.resolve()}"


def test_check_dir_without_lessons_or_modules_says_so(minipack, tmp_path, capsys):
    """--dir naming a folder with no lesson and no lesson module exits 2 and says which it wanted."""
    assert main(["check", "--dir", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "holds no lesson module (demo.py)" in out and "checking" not in out


def test_check_imports_a_module_that_fails_once(tmp_path, monkeypatch, capsys):
    """A module that fails at import costs one import per run, not one per check (a module that
    hangs at import used to make every check wait out the 10 s limit again)."""
    copy = tmp_path / "stu" / "exercises"
    shutil.copytree(FIXTURES / "minipack" / "exercises", copy)
    imports = tmp_path / "imports.txt"
    checks = copy / "01-demo" / "test_demo.py"
    checks.write_text(
        checks.read_text() + '\n\ndef test_add_again(student):\n    """Adds again."""\n'
        "    assert student.add([1], [2]) == [3]\n"
    )
    (copy / "01-demo" / "demo.py").write_text(
        f"open({str(imports)!r}, 'a').write('x')\nraise RuntimeError('broken on purpose')\n"
    )
    monkeypatch.setenv("EMBEDLAB_ROOT", str(tmp_path / "stu"))
    assert main(["check", "--dir", str(copy)]) == 1
    out = capsys.readouterr().out
    assert "RuntimeError: broken on purpose" in out
    assert imports.read_text() == "x", "the module was imported once per check"
