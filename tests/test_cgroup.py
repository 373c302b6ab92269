"""The sandbox's memory cgroup: one limit on all its processes together, where one can be made."""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from autograder import cgroup
from autograder.isolation import bwrap_path, choose_isolation, describe_isolation
from autograder.limits import Limits
from autograder.sandbox import Worker
from autograder.student import StudentCrash
from autograder.uids import SandboxError

IS_ROOT = os.geteuid() == 0
HAS_BWRAP = bwrap_path() is not None and choose_isolation("auto") == "bwrap"
ISOLATIONS = [i for i, ok in (("bwrap", HAS_BWRAP), ("uid", IS_ROOT)) if ok]
# A root grader on a machine with cgroup v1's memory controller (this pack's CI) must use it.
CGROUPS_EXPECTED = IS_ROOT and (cgroup.MEMORY / "memory.limit_in_bytes").is_file()
needs_cgroups = pytest.mark.skipif(
    not CGROUPS_EXPECTED, reason="no cgroup v1 memory controller, or not root"
)

FLOOD = '''
import os, time

def hog(mb):
    """One process takes `mb` MB and touches every page."""
    hoard = bytearray(mb << 20)
    for i in range(0, len(hoard), 4096):
        hoard[i] = 1
    return len(hoard) >> 20

def flood(children, mb):
    """`children` processes take `mb` MB each at once; how many the kernel killed."""
    pids = []
    for _ in range(children):
        pid = os.fork()
        if pid == 0:
            try:
                hog(mb)
                time.sleep(5)
            finally:
                os._exit(0)
        pids.append(pid)
    time.sleep(1.0)
    killed = 0
    for pid in pids:
        done, status = os.waitpid(pid, os.WNOHANG)
        killed += done == pid and os.WIFSIGNALED(status) and os.WTERMSIG(status) == 9
    return killed

def one():
    return 1
'''


@pytest.fixture
def flood_dir():
    folder = Path(tempfile.mkdtemp(prefix="embedlab-cg-"))
    (folder / "probe.py").write_text(textwrap.dedent(FLOOD))
    folder.chmod(0o755)
    (folder / "probe.py").chmod(0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _call(worker: Worker, fn: str, *args):
    worker.begin_check("probe")
    try:
        return worker.call(fn, args, {}, 10.0)
    finally:
        worker.end_check()


def _can_make_one() -> bool:
    """Whether a memory cgroup can be made below this process's own (found independently)."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            trial = cgroup.MEMORY / path.lstrip("/") / f"embedlab-trial-{os.getpid()}"
            try:
                trial.mkdir()
            except OSError:
                return False
            trial.rmdir()
            return True
    return False


def test_cgroups_are_used_where_they_can_be_made():
    """Sandboxes get cgroups exactly where one can be made; on a root grader with the memory
    controller (this pack's CI), one can."""
    assert (cgroup.memory_cgroups() is not None) == _can_make_one()
    if CGROUPS_EXPECTED:
        assert cgroup.memory_cgroups() is not None


@needs_cgroups
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_memory_of_all_processes_together_is_limited(isolation, flood_dir):
    """Processes each under the per-process limit cannot together pass the sandbox's limit; a
    check that does gets a clear message, the next check runs, the cgroup goes with the worker."""
    worker = Worker(flood_dir, Limits(memory_mb=1024, sandbox_memory_mb=400), isolation)
    try:
        worker.start()
        path = worker._cgroup.path
        assert (path / "memory.limit_in_bytes").read_text().strip() == str(400 << 20)
        killed = _call(worker, "flood", 3, 200)["value"]
        assert 1 <= killed <= 3, f"600 MB in three processes under a 400 MB limit: {killed} killed"
        with pytest.raises(StudentCrash, match=r"ran out of memory during hog\(\).*400 MB"):
            _call(worker, "hog", 600)  # under the 1024 MB each process may have
        assert _call(worker, "hog", 100)["value"] == 100  # within the limit: no false alarm
        assert _call(worker, "one")["value"] == 1
    finally:
        worker.close()
    assert not path.exists(), "the sandbox's cgroup outlived it"


@needs_cgroups
def test_a_process_left_in_the_cgroup_is_killed_when_it_is_removed():
    """Removing a sandbox's cgroup kills what is still in it."""
    made = cgroup.MemoryCgroup.create(300)
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            made.join()
            time.sleep(60)
        finally:
            os._exit(0)
    try:
        for _ in range(500):
            if str(pid) in (made.path / "cgroup.procs").read_text().split():
                break
            time.sleep(0.005)
        else:
            pytest.fail("the child never joined the cgroup")
        made.remove()
        assert not made.path.exists()
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == 9
    finally:
        if made.path.exists():
            os.kill(pid, 9)
            made.remove()


def test_a_cgroup_that_cannot_be_removed_is_named(tmp_path, capsys):
    """A cgroup left behind is never silent: the grader names it on stderr."""
    stuck = tmp_path / "embedlab-stuck"
    stuck.mkdir()
    (stuck / "cgroup.procs").write_text("")  # a folder that is not empty cannot be removed
    cgroup.MemoryCgroup(stuck, 300).remove()
    assert stuck.exists()
    assert f"cannot remove the sandbox's memory cgroup {stuck}" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["bwrap", "uid"])
def test_reports_say_whether_a_cgroup_limits_the_sandbox(kind, monkeypatch):
    """The isolation line names the limit on all processes together, or says there is none."""
    text = describe_isolation(kind, Limits(sandbox_memory_mb=700))
    if CGROUPS_EXPECTED:
        assert "all its processes together 700 MB of memory (a cgroup)" in text
    monkeypatch.setattr("autograder.isolation.memory_cgroups", lambda: None)
    text = describe_isolation(kind, Limits(sandbox_memory_mb=700))
    assert "no limit on its processes' memory together (no memory cgroup here)" in text
    assert "700 MB" not in text


@needs_cgroups
@pytest.mark.skipif(not ISOLATIONS, reason="neither bubblewrap nor root here")
def test_a_cgroup_that_cannot_be_made_stops_the_sandbox(flood_dir, monkeypatch):
    """Where cgroups exist, a sandbox never runs without its own: the grader says why."""

    def refuse(limit_mb):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cgroup.MemoryCgroup, "create", staticmethod(refuse))
    worker = Worker(flood_dir, Limits(), ISOLATIONS[0])
    try:
        with pytest.raises(SandboxError, match="cannot make the sandbox's memory cgroup"):
            worker.start()
    finally:
        worker.close()


def test_sandbox_memory_limit_is_configurable_with_a_floor():
    """sandbox_memory_mb is set like every limit and refused below what a sandbox needs."""
    assert Limits.parse(["sandbox_memory_mb=512"]).sandbox_memory_mb == 512
    with pytest.raises(ValueError, match="sandbox_memory_mb must be at least 256"):
        Limits.parse(["sandbox_memory_mb=100"])
