"""Run every check of a submission's lessons: one sandboxed worker per grader process, lessons
spread over the CPUs, results back in lesson order."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from autograder.checkfiles import load_cases
from autograder.grading import CheckResult, GradingSession
from autograder.isolation import choose_isolation
from autograder.lessons import Lesson, pack_root
from autograder.limits import Limits
from autograder.modeldata import load_model_data
from autograder.sandbox import Worker
from autograder.spread import available_cpus, spread
from autograder.workspace import Workspace


def check_files(lessons: Sequence[Lesson]) -> list[str]:
    """Every lesson's public then hidden check files, in lesson order."""
    files = []
    for lesson in lessons:
        files += [str(p) for p in (lesson.public_tests, lesson.hidden_tests) if p.is_file()]
    return files


def seed_base(workspace: Workspace, secret: str | None, module: str) -> str:
    """The base of a lesson's hidden seeds: the submission's modules, the secret, the lesson.

    Every lesson module the submission holds counts (see Workspace.content): a check can read
    them all, so none of them can keep answers from one submission to the next.
    """
    secret = secret if secret is not None else os.environ.get("EMBEDLAB_SECRET", "")
    return hashlib.sha256(f"{secret}\0{module}\0{workspace.content}".encode()).hexdigest()


def run_checks(
    workspace: Workspace,
    lessons: Sequence[Lesson],
    limits: Limits,
    isolation: str = "auto",
    secret: str | None = None,
    jobs: int | None = None,
) -> tuple[list[CheckResult], str]:
    """Run every check of `lessons` against the workspace; returns the results and the isolation.

    With `jobs` > 1 (default: the CPUs available) the lessons are spread over forked copies
    of the grader, each with a bwrap sandbox of its own; results come back in lesson order.
    Other isolations grade one lesson at a time: their sandboxes would share /tmp.
    """
    kind = choose_isolation(isolation)
    seeds = {lesson.module: seed_base(workspace, secret, lesson.module) for lesson in lessons}
    if kind != "bwrap":  # only bwrap gives each sandbox a /tmp of its own
        jobs = 1
    jobs = available_cpus() if jobs is None else jobs
    if jobs <= 1 or len(lessons) <= 1:
        return _run_session(workspace, lessons, limits, kind, seeds), kind

    parent = os.getpid()
    early = [Worker(workspace.path, limits, kind)]
    early[0].launch()  # this grader's sandbox boots while the model data loads and forks run

    @contextlib.contextmanager
    def session():
        # Each sandbox has a uid of its own, which owns its workspace: a forked grader copies it.
        if os.getpid() == parent and early:
            mine, worker = workspace, early.pop()
        else:
            for inherited in early:  # a forked grader: the parent's sandbox is not ours
                inherited.disown()
            early.clear()
            mine = workspace if os.getpid() == parent else workspace.copy()
            worker = Worker(mine.path, limits, kind)
        try:
            yield lambda i: [
                asdict(r) for r in _run_session(mine, [lessons[i]], limits, kind, seeds, worker)
            ]
        finally:
            worker.close()
            if mine is not workspace:
                mine.cleanup()

    with contextlib.suppress(Exception):  # loaded once, shared by the forks; checks report errors
        load_model_data()
    order = sorted(range(len(lessons)), key=lambda i: -_weight(lessons[i]))
    budget = limits.lesson_timeout * len(lessons) + 30.0
    try:
        done = spread(order, jobs, session, budget)
    finally:
        for unused in early:  # spread never asked for it (it raised first)
            unused.close()
    return [CheckResult(**r) for i in range(len(lessons)) for r in done[i]], kind


def _weight(lesson: Lesson) -> int:
    """A lesson's rough cost, to hand out the biggest first: its number of check functions."""
    return sum(_count_checks(p) for p in (lesson.public_tests, lesson.hidden_tests))


@functools.cache
def _count_checks(path: Path) -> int:
    # Read once per process: a batch grades many submissions with the same check files.
    return path.read_text(encoding="utf-8").count("\ndef test_") if path.is_file() else 0


def _run_session(
    workspace: Workspace,
    lessons: Sequence[Lesson],
    limits: Limits,
    kind: str,
    seeds: dict[str, str],
    worker: Worker | None = None,
) -> list[CheckResult]:
    """Run every check of `lessons` with one worker (a new one unless given)."""
    own = worker is None
    worker = Worker(workspace.path, limits, kind) if worker is None else worker
    session = GradingSession(
        worker=worker,
        workspace=workspace,
        seeds=seeds,
        limits=limits,
        lessons={lesson.module: lesson for lesson in lessons},
    )
    try:
        worker.launch()  # it boots while the check files load; checks wait for its greeting
        cases = [case for path in check_files(lessons) for case in load_cases(path, pack_root())]
        session.run(cases)
    finally:
        if own:
            worker.close()
    if session.fatal is not None:  # a sandbox that cannot start is the grader's failure
        raise session.fatal
    return session.results
