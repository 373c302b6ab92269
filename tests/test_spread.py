"""spread(): tasks run on several forked processes, none lost, none run twice."""

from __future__ import annotations

import contextlib
import os
import signal
import time

import pytest

from autograder.processes import children
from autograder.spread import MAX_TASKS, spread


def recording_session():
    """A session whose task result names the process that ran it."""

    @contextlib.contextmanager
    def session():
        yield lambda i: {"task": i, "pid": os.getpid(), "square": i * i}

    return session


def test_every_task_runs_once_and_both_processes_work():
    """Ten tasks on two processes: each result comes back once, computed by either process."""

    @contextlib.contextmanager
    def session():
        def run(i: int):
            time.sleep(0.02)  # long enough that the forked process takes a share
            return {"task": i, "pid": os.getpid()}

        yield run

    results = spread(list(range(10)), 2, session, budget=30.0)
    assert sorted(results) == list(range(10))
    assert all(results[i]["task"] == i for i in range(10))
    pids = {r["pid"] for r in results.values()}
    assert os.getpid() in pids
    assert len(pids) == 2, f"only {pids} ran tasks"


def test_one_job_runs_in_this_process():
    """jobs=1 forks nothing."""
    results = spread([2, 0, 1], 1, recording_session(), budget=5.0)
    assert {i: r["square"] for i, r in results.items()} == {0: 0, 1: 1, 2: 4}
    assert {r["pid"] for r in results.values()} == {os.getpid()}


def test_tasks_of_a_process_that_dies_run_again_in_the_parent():
    """A forked process killed mid-task loses nothing: the parent runs its task again."""
    parent = os.getpid()

    @contextlib.contextmanager
    def session():
        def run(i: int):
            if os.getpid() != parent:
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(0.05)
            return {"task": i, "pid": os.getpid()}

        yield run

    results = spread(list(range(4)), 2, session, budget=30.0)
    assert sorted(results) == [0, 1, 2, 3]
    assert {r["pid"] for r in results.values()} == {parent}


def test_a_hung_process_is_killed_after_the_budget():
    """A forked process that never finishes is killed once the budget is spent; its task reruns."""
    parent = os.getpid()

    @contextlib.contextmanager
    def session():
        def run(i: int):
            if os.getpid() != parent:
                time.sleep(3600)
            return {"task": i}

        yield run

    start = time.monotonic()
    results = spread([0, 1], 2, session, budget=1.0)
    assert sorted(results) == [0, 1]
    assert time.monotonic() - start < 60, "the parent waited far past the budget"
    alive = [p for p in children() if open(f"/proc/{p}/stat").read().split()[2] != "Z"]
    assert not alive, f"processes left running: {alive}"


def test_a_session_that_fails_in_the_forked_process_costs_nothing():
    """A session that raises in the forked process: the parent runs everything."""
    parent = os.getpid()

    @contextlib.contextmanager
    def session():
        if os.getpid() != parent:
            raise RuntimeError("no sandbox here")
        yield lambda i: {"task": i}

    results = spread(list(range(6)), 2, session, budget=30.0)
    assert sorted(results) == list(range(6))


def test_too_many_tasks_are_refused():
    """The queue holds one byte per task: more than MAX_TASKS is an error that says so."""
    with pytest.raises(ValueError, match="at most 256 tasks"):
        spread(list(range(MAX_TASKS + 1)), 2, recording_session(), budget=1.0)
    with pytest.raises(ValueError, match="numbered 0 to 255: got 1 tasks, numbered 300 to 300"):
        spread([300], 2, recording_session(), budget=1.0)


def test_lessons_graded_in_parallel_match_one_at_a_time(tmp_path):
    """jobs=2 gives the very results of jobs=1, in lesson order, on a real mixed submission."""
    from autograder.checkrun import run_checks
    from autograder.isolation import choose_isolation
    from autograder.lessons import find_lesson, pack_root
    from autograder.limits import Limits
    from autograder.workspace import build_workspace

    if choose_isolation("auto") != "bwrap":
        pytest.skip("lessons run in parallel only under bwrap; here: " + choose_isolation("auto"))
    lessons = [find_lesson(k) for k in ("02-embedding", "03-similarity", "05-association")]
    root = pack_root()
    for lesson in lessons[:2]:  # two lessons solved, the third left as its stub
        (tmp_path / f"{lesson.module}.py").write_text(lesson.solution.read_text())
    (tmp_path / "association.py").write_text(lessons[2].stub.read_text())
    assert (root / "solutions").is_dir()

    def grade(jobs: int):
        workspace = build_workspace(tmp_path, lessons, "mixed")
        try:
            results, kind = run_checks(workspace, lessons, Limits(), "auto", "k", jobs=jobs)
        finally:
            workspace.cleanup()
        assert kind == "bwrap"
        return [(r.lesson, r.name, r.hidden, r.passed, r.output) for r in results]

    one, two = grade(1), grade(2)
    assert two == one
    slugs = [row[0] for row in two]
    assert slugs == sorted(slugs), "results are not in lesson order"
    assert {row[0] for row in two if row[3]} == {"02-embedding", "03-similarity"}
    assert not any(row[3] for row in two if row[0] == "05-association")


def test_orphan_reaping_leaves_forked_graders_alone():
    """A forked grader whose pid was once a sandbox orphan's is never reaped as an orphan."""
    from autograder.processes import FORKED, ORPHANS, prune_orphans, reap_orphans, state

    pid = os.fork()
    if pid == 0:  # pragma: no cover - the forked stand-in for a grader
        os._exit(0)
    FORKED.add(pid)
    ORPHANS.add(pid)  # a stale entry: a dead orphan had this pid once
    try:
        while state(pid) != "Z":
            time.sleep(0.001)
        reap_orphans()
        assert os.waitpid(pid, 0)[0] == pid, "the forked grader was reaped as an orphan"
    finally:
        FORKED.discard(pid)
        ORPHANS.discard(pid)
    ORPHANS.add(4_000_000)  # no such process: a stale entry is forgotten
    prune_orphans()
    assert 4_000_000 not in ORPHANS


def test_a_forked_grader_disowns_the_parents_sandbox(tmp_path):
    """The parent's sandbox boots before the fork; the forked copy keeps none of its descriptors
    (channel, lock of its uid), and the parent's sandbox keeps working after the copy is gone."""
    from autograder.limits import Limits
    from autograder.sandbox import Worker

    (tmp_path / "tiny.py").write_text("def add(a, b):\n    return a + b\n")
    (tmp_path / "tiny.py").chmod(0o644)
    worker = Worker(tmp_path, Limits(), "auto")
    worker.launch()
    try:
        fds = [worker.ctl.fileno(), worker.data.fileno()]
        if worker._slot is not None:
            fds.append(worker._slot.fd)
        ours = {os.readlink(f"/proc/self/fd/{fd}") for fd in fds}  # sockets' inodes, lock file
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the forked copy reports what it still holds
            code = 1
            try:
                os.close(read)
                worker.disown()
                held = set()
                for fd in os.listdir("/proc/self/fd"):
                    with contextlib.suppress(OSError):
                        held.add(os.readlink(f"/proc/self/fd/{fd}"))
                left = ours & held
                os.write(write, repr(sorted(left)).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        with os.fdopen(read) as f:
            left = f.read()
        assert os.waitpid(pid, 0)[1] == 0
        assert left == "[]", f"the forked copy still holds descriptors {left}"
        worker.begin_check("tiny")
        assert worker.call("add", (2, 3), {})["value"] == 5
        worker.end_check()
    finally:
        worker.close()


def test_every_sandbox_boots_before_the_fork_and_none_outlives_grading(tmp_path, monkeypatch):
    """With jobs=2 the grader launches both sandboxes before forking (the forked grader claims
    one instead of booting its own late); afterwards no sandbox runs and no copy is left."""
    from autograder import processes
    from autograder.checkrun import run_checks
    from autograder.isolation import choose_isolation
    from autograder.lessons import find_lesson
    from autograder.limits import Limits
    from autograder.sandbox import Worker
    from autograder.workspace import build_workspace

    if choose_isolation("auto") != "bwrap":
        pytest.skip("lessons run in parallel only under bwrap; here: " + choose_isolation("auto"))
    lessons = [find_lesson(k) for k in ("03-similarity", "05-association")]
    for lesson in lessons:
        (tmp_path / "sub").mkdir(exist_ok=True)
        (tmp_path / "sub" / f"{lesson.module}.py").write_text(lesson.solution.read_text())
    launches = tmp_path / "launches"
    real = Worker.launch

    def launch(self):
        if self.process is None:  # a launched worker's launch() does nothing
            with open(launches, "a") as f:  # appended by whichever process launches
                f.write(f"{os.getpid()}\n")
        return real(self)

    monkeypatch.setattr(Worker, "launch", launch)
    workspace = build_workspace(tmp_path / "sub", lessons, "ahead")
    copies_before = set(workspace.path.parent.iterdir())
    running_before = set(processes.descendants(os.getpid()))  # earlier tests' own, if any
    try:
        results, _ = run_checks(workspace, lessons, Limits(), "auto", "k", jobs=2)
    finally:
        workspace.cleanup()
    assert results and all(r.passed for r in results)
    assert launches.read_text().split() == [str(os.getpid())] * 2
    left = set(processes.descendants(os.getpid())) - running_before
    assert [p for p in left if processes.state(p) not in ("Z", "X", "")] == []
    assert set(workspace.path.parent.iterdir()) <= copies_before
