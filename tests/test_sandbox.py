"""The sandboxed worker: isolation, limits, fresh state, seeds and what feedback may show."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import sysconfig
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

from autograder import processes
from autograder.checkargs import derive_seed
from autograder.checkfiles import CheckFileError
from autograder.checkrun import run_checks, seed_base
from autograder.cli import main
from autograder.feedback import describe_failure
from autograder.grading import SandboxStudent
from autograder.isolation import bwrap_path, choose_isolation, describe_isolation, worker_env
from autograder.lessons import find_lesson, pack_root
from autograder.limits import OOM_SCORE_ADJ, Limits
from autograder.sandbox import Worker
from autograder.student import (
    StudentCrash,
    StudentImportFailed,
    StudentTimeout,
    student_exception,
)
from autograder.submissions import grade_submission
from autograder.uids import INNER_UID, UID_SLOTS, is_root
from autograder.workspace import build_workspace

IS_ROOT = os.geteuid() == 0
HAS_BWRAP = bwrap_path() is not None and choose_isolation("auto") == "bwrap"
ISOLATIONS = [i for i, ok in (("bwrap", HAS_BWRAP), ("uid", IS_ROOT)) if ok]
needs_bwrap = pytest.mark.skipif(not HAS_BWRAP, reason="bubblewrap cannot run here")
PACK = pack_root()
SIMILARITY = find_lesson("03-similarity")

PROBE = '''
import ctypes, os, socket, time

def look():
    """What a check sees of the machine."""
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    try:
        with open("/submission/probe.py", "a"):
            writable = True
    except OSError:
        writable = False
    try:
        socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        net = "socket allowed"
    except OSError as exc:
        net = type(exc).__name__
    return {
        "root": sorted(os.listdir("/")),
        "uid": os.getuid(), "gid": os.getgid(), "groups": os.getgroups(),
        "cap": status["CapEff"].strip(), "nnp": status["NoNewPrivs"].strip(),
        "seccomp": status["Seccomp"].strip(), "net": net,
        "interfaces": [l.split(":")[0].strip() for l in open("/proc/net/dev").readlines()[2:]],
        "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "hostname": os.uname().nodename, "env": dict(os.environ),
        "submission_writable": writable, "tmp_writable": os.access("/tmp", os.W_OK),
        "home": os.path.exists(os.path.expanduser("~/.ssh")),
        "oom_score_adj": open("/proc/self/oom_score_adj").read().strip(),
    }

def read(path):
    try:
        with open(path, "rb") as f:
            return len(f.read())
    except OSError as exc:
        return type(exc).__name__

calls = 0

def count():
    """How many calls this process has served: a fresh check starts from zero."""
    global calls
    calls += 1
    return calls

def remember():
    """Leaves a file in /tmp and says whether an earlier check left one."""
    seen = os.path.exists("/tmp/embedlab-probe-memo") or os.path.exists(os.path.expanduser("~/embedlab-probe-memo"))
    with open(os.path.join(os.environ.get("TMPDIR", "/tmp"), "embedlab-probe-memo"), "w") as f:
        f.write("x")
    return seen

def spawn(name):
    """Starts a daemon that sleeps, named so that the test can look for it."""
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)
            time.sleep(60)
        os._exit(0)
    return True

def forks(name):
    """Forks sleeping children until the kernel refuses; returns how many it got."""
    ctypes.CDLL(None).prctl(15, name.encode(), 0, 0, 0)
    born = 0
    while born < 500:
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        born += 1
    return born

def allocate(mb):
    return len(bytearray(mb << 20))

def write(path, mb):
    with open(path, "wb") as f:
        for _ in range(mb):
            f.write(b"x" * (1 << 20))
    return os.path.getsize(path)

def fill_tmp():
    total = 0
    try:
        for i in range(10_000):
            with open(f"/tmp/fill-{i}", "wb") as f:
                f.write(b"x" * (1 << 20))
            total += 1 << 20
    except OSError as exc:
        return total, exc.errno
    return total, None

def hoard():
    """Memory no rlimit counts: memfds, and as many pipes as the descriptors allow."""
    libc = ctypes.CDLL(None, use_errno=True)
    memfd = libc.syscall(319 if os.uname().machine == "x86_64" else 279, b"hoard", 0)
    memfd_errno = ctypes.get_errno() if memfd < 0 else 0
    pipes = []
    try:
        while len(pipes) < 100000:
            pipes += os.pipe()
    except OSError:
        pass
    return memfd_errno, len(pipes)

def spin():
    while True:
        pass

def big(mb):
    return "x" * (mb << 20)

def shout(n):
    print("y" * n)
    return n

def kill_parent():
    import signal
    results = []
    grandparent = int(open(f"/proc/{os.getppid()}/stat").read().rsplit(")", 1)[1].split()[1])
    for pid in (os.getppid(), grandparent, -1, 0, 1):
        try:
            os.kill(pid, signal.SIGKILL)
            results.append("sent")
        except OSError as exc:
            results.append(type(exc).__name__)
    return results

def kill_others():
    """SIGKILL every other process that may be signalled (the next check's spare, once it has
    dropped to this uid), trying for up to a second."""
    import signal
    killed, deadline = 0, time.monotonic() + 1
    while not killed and time.monotonic() < deadline:
        for name in os.listdir("/proc"):
            if name.isdigit() and int(name) not in (os.getpid(), os.getppid()):
                try:
                    os.kill(int(name), signal.SIGKILL)
                    killed += 1
                except OSError:
                    pass
    return killed
'''


@pytest.fixture
def probe_dir() -> Path:
    """A workspace holding the probe module, where graders put theirs (the uid must reach it)."""
    folder = Path(tempfile.mkdtemp(prefix="embedlab-ws-"))
    (folder / "probe.py").write_text(PROBE)
    (folder / "probe.py").chmod(0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def call(worker: Worker, fn: str, *args, timeout: float | None = None):
    """One call in a check of its own; the value, or the StudentFailure raised."""
    worker.begin_check("probe")
    try:
        reply = worker.call(fn, args, {}, timeout)
    finally:
        worker.end_check()
    assert reply["ok"] is True, reply
    return reply["value"]


def alive_named(name: str) -> list[int]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                comm = Path(f"/proc/{pid}/comm").read_text().strip()
                state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if comm == name and state not in ("Z", "X"):
                found.append(int(pid))
    return found


# --- limits ---------------------------------------------------------------------------------
def test_limit_defaults_are_the_documented_ones():
    """Each limit has the default its comment documents."""
    assert Limits() == Limits(
        call_timeout=2.0,
        import_timeout=5.0,
        lesson_timeout=60.0,
        memory_mb=1024,
        sandbox_memory_mb=1024,
        processes=16,
        file_size_mb=8,
        tmp_mb=16,
        cpu_seconds=120,
        reply_mb=64,
        output_chars=2000,
        open_files=128,
        sandbox_uid=61000,
    )


def test_limits_parse_overrides_and_names_bad_ones():
    """`--limit name=value` sets any limit; an unknown name or a bad value says what is wrong."""
    limits = Limits.parse(["memory_mb=256", "call-timeout=0.5"])
    assert (limits.memory_mb, limits.call_timeout, limits.processes) == (256, 0.5, 16)
    with pytest.raises(ValueError, match="unknown limit 'speed=3'.*memory_mb"):
        Limits.parse(["speed=3"])
    with pytest.raises(ValueError, match="limit memory_mb needs a whole number, got 'lots'"):
        Limits.parse(["memory_mb=lots"])
    with pytest.raises(ValueError, match="limit memory_mb needs a whole number, got '1.5'"):
        Limits.parse(["memory_mb=1.5"])
    with pytest.raises(ValueError, match="limit call_timeout needs a number, got 'soon'"):
        Limits.parse(["call_timeout=soon"])
    with pytest.raises(ValueError, match="limit memory_mb needs a value: memory_mb=VALUE"):
        Limits.parse(["memory_mb"])
    assert Limits.parse(["call_timeout=5", "call_timeout=3"]).call_timeout == 3  # the later wins
    with pytest.raises(ValueError, match="must be a positive finite number"):
        Limits.parse(["processes=0"])
    for item in ("memory_mb=60", "open_files=3", "processes=2"):  # the sandbox could not start
        with pytest.raises(ValueError, match="must be at least .* or the sandbox cannot start"):
            Limits.parse([item])


def test_cli_refuses_a_bad_limit(tmp_path, capsys):
    """The command line stops with status 2 and a message instead of grading with a bad limit."""
    status = main(["grade", str(tmp_path), "--out", str(tmp_path / "o"), "--limit", "nope=1"])
    assert status == 2
    assert "unknown limit" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, says",
    [
        (["--call-timeout", "-1"], "--call-timeout must be a positive number of seconds, got -1"),
        (["--call-timeout", "0"], "--call-timeout must be a positive number of seconds, got 0"),
        (["--lesson-timeout", "0"], "--lesson-timeout must be a positive number of seconds"),
        (["--lesson-timeout", "nan"], "--lesson-timeout must be a positive number of seconds"),
        (["--limit", "call_timeout=inf"], "limit call_timeout must be a positive finite number"),
        (["--limit", "memory_mb=0"], "limit memory_mb must be a positive finite number"),
        (
            ["--call-timeout", "3", "--limit", "call_timeout=5"],
            "--call-timeout and --limit call_timeout=... set the same limit; give one",
        ),
    ],
)
def test_cli_refuses_timeouts_that_are_not_positive(tmp_path, capsys, args, says):
    """A zero, negative or non-finite time limit is a usage error, never graded with or ignored."""
    status = main(["grade", str(tmp_path), "--out", str(tmp_path / "o"), *args])
    assert status == 2
    assert says in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_cli_timeouts_reach_the_limits(tmp_path, capsys):
    """--call-timeout and --lesson-timeout set the limits the report's isolation line states."""
    (tmp_path / "similarity.py").write_text(SIMILARITY.solution.read_text())
    out = tmp_path / "o"
    status = main(["grade", str(tmp_path), "--out", str(out), "--lesson", "03",
                   "--call-timeout", "3.5", "--lesson-timeout", "45"])  # fmt: skip
    assert status == 0
    report = json.loads((out / tmp_path.name / "results.json").read_text())
    assert "3.5 s per call" in report["extra_data"]["isolation"]
    assert "45 s per lesson" in report["extra_data"]["isolation"]


# --- choosing and describing the isolation ----------------------------------------------------
def test_choose_isolation_takes_the_strongest_available():
    """auto gives bwrap where it runs, else uid for root, else none; none never runs as root."""
    auto = choose_isolation("auto")
    assert auto == ("bwrap" if HAS_BWRAP else "uid" if IS_ROOT else "none")
    with pytest.raises(RuntimeError, match="unknown isolation"):
        choose_isolation("docker")
    if IS_ROOT:
        assert choose_isolation("uid") == "uid"
        with pytest.raises(RuntimeError, match="as root"):
            choose_isolation("none")
    else:
        with pytest.raises(RuntimeError, match="root"):
            choose_isolation("uid")


@pytest.mark.parametrize("kind", ["bwrap", "uid", "none"])
def test_every_description_names_its_isolation_and_limits(kind):
    """A report's isolation line starts with the kind and states the limits in force."""
    text = describe_isolation(kind, Limits(memory_mb=300, call_timeout=1.5))
    assert text.startswith(kind + ":")
    assert "300 MB" in text and "1.5 s per call" in text and "seccomp" in text


# --- what a check sees ---------------------------------------------------------------------------
@needs_bwrap
def test_bwrap_view_holds_only_the_interpreter_numpy_and_the_submission(probe_dir):
    """Under bwrap a check sees a few read-only folders, no network, no privileges, few processes."""
    worker = Worker(probe_dir, Limits(), "bwrap")
    try:
        seen = call(worker, "look")
        sizes = {
            path: call(worker, "read", path)
            for path in (
                str(PACK / "solutions" / "03-similarity" / "similarity.py"),
                str(PACK / "autograder" / "hidden" / "test_similarity.py"),
                "/etc/passwd",
                "/etc/shadow",
                str(Path(sysconfig.get_paths()["purelib"]) / "pytest" / "__init__.py"),
            )
        }
    finally:
        worker.close()
    assert set(seen["root"]) <= {"usr", "lib", "lib64", "lib32", "libx32", "bin", "sbin", "proc",
                                 "dev", "tmp", "site", "submission", "embedlab", "root", "opt",
                                 "home", "srv"}  # fmt: skip
    assert "work" not in seen["root"] and "etc" not in seen["root"]
    assert all(size == "FileNotFoundError" for size in sizes.values()), sizes
    assert not seen["submission_writable"] and seen["tmp_writable"]
    assert seen["cap"] == "0000000000000000" and seen["nnp"] == "1" and seen["seccomp"] == "2"
    assert seen["oom_score_adj"] == str(OOM_SCORE_ADJ), "out of memory, checks must die first"
    assert seen["net"] == "PermissionError" and seen["interfaces"] == ["lo"]
    assert seen["hostname"] == "sandbox" and len(seen["pids"]) <= 4
    assert set(seen["env"]) <= set(worker_env()) | {"PWD"}
    if IS_ROOT:
        assert seen["uid"] == INNER_UID and seen["groups"] == []


@pytest.mark.skipif(not IS_ROOT, reason="the uid fallback needs root")
def test_uid_fallback_runs_checks_as_a_uid_that_cannot_read_the_pack(probe_dir):
    """Under uid the check runs as a dedicated uid; the pack's solutions and checks are closed."""
    worker = Worker(probe_dir, Limits(), "uid")
    try:
        seen = call(worker, "look")
        solution = call(worker, "read", str(PACK / "solutions" / "03-similarity" / "similarity.py"))
        hidden = call(worker, "read", str(PACK / "autograder" / "hidden" / "test_similarity.py"))
        example = call(worker, "read", str(PACK / "exercises" / "03-similarity" / "similarity.py"))
        own = call(worker, "read", str(probe_dir / "probe.py"))
    finally:
        worker.close()
    assert Limits().sandbox_uid <= seen["uid"] < Limits().sandbox_uid + UID_SLOTS
    assert seen["groups"] == [] and seen["cap"] == "0000000000000000"
    assert seen["seccomp"] == "2" and seen["net"] == "PermissionError"
    assert seen["oom_score_adj"] == str(OOM_SCORE_ADJ), "out of memory, checks must die first"
    assert solution == hidden == example == "PermissionError"
    assert own == len(PROBE)
    assert set(seen["env"]) <= set(worker_env()) | {"PWD"}


# --- limits at work -----------------------------------------------------------------------------
@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_process_limit_holds_and_nothing_outlives_the_check(isolation, probe_dir):
    """A check gets fewer processes than the limit (the root is no exception), all killed after."""
    limits = Limits(processes=8, call_timeout=10)
    worker = Worker(probe_dir, limits, isolation)
    name = f"forks{os.getpid() % 100000}"
    try:
        born = call(worker, "forks", name)
        assert 0 < born < limits.processes
        call(worker, "count")  # the next check starts once the last one is gone
        assert alive_named(name) == []
    finally:
        worker.close()
    assert alive_named(name) == []


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_memory_file_size_and_time_limits_hold(isolation, probe_dir):
    """Memory, file size and wall time past their limits fail the call, not the grader."""
    limits = Limits(memory_mb=256, file_size_mb=2, call_timeout=0.5)
    worker = Worker(probe_dir, limits, isolation)
    try:
        assert call(worker, "allocate", 16) == 16 << 20
        for fn, args, error in (
            ("allocate", (300,), "MemoryError"),
            ("write", ("/tmp/big", 3), "OSError"),
        ):
            worker.begin_check("probe")
            reply = worker.call(fn, args, {})
            worker.end_check()
            assert reply["ok"] is False and reply["error"]["type"] == error
        start = time.monotonic()
        with pytest.raises(StudentTimeout, match="did not return within 0.5 s"):
            call(worker, "spin")
        assert time.monotonic() - start < 2
        assert call(worker, "count") == 1  # the worker goes on
    finally:
        worker.close()


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_memory_no_rlimit_counts_is_refused_or_capped(isolation, probe_dir):
    """memfd_create is denied (its pages count against no limit, and a memfd sent to the grader
    over the channel outlives the sandbox); descriptors, and so pipes and fds in flight, are
    capped at open_files."""
    limits = Limits(open_files=40)
    worker = Worker(probe_dir, limits, isolation)
    try:
        memfd_errno, fds = call(worker, "hoard")
    finally:
        worker.close()
    assert memfd_errno == errno.EPERM, f"memfd_create gave errno {memfd_errno}"
    assert 0 < fds < limits.open_files


@needs_bwrap
def test_private_tmp_is_small_and_wiped_between_checks(probe_dir):
    """/tmp holds at most tmp_mb, and what a check writes there is gone for the next one."""
    worker = Worker(probe_dir, Limits(tmp_mb=4, file_size_mb=8), "bwrap")
    try:
        total, errno = call(worker, "fill_tmp")
        assert errno == 28 and total <= 4 << 20  # ENOSPC
        assert call(worker, "remember") is False
        assert call(worker, "remember") is False
    finally:
        worker.close()


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_each_check_starts_fresh(isolation, probe_dir):
    """A check cannot learn from earlier calls: module state and files start over."""
    worker = Worker(probe_dir, Limits(), isolation)
    try:
        worker.begin_check("probe")
        assert [worker.call("count", (), {})["value"] for _ in range(3)] == [1, 2, 3]
        worker.end_check()
        assert call(worker, "count") == 1
        assert call(worker, "remember") is False
        assert call(worker, "remember") is False
        name = f"daemon{os.getpid() % 100000}"
        assert call(worker, "spawn", name) is True
        call(worker, "count")
        assert alive_named(name) == []
    finally:
        worker.close()


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_student_cannot_kill_the_grader_or_the_root(isolation, probe_dir):
    """kill() of the parent (the root), of its parent (bwrap's init, or the grader), of -1, 0
    and 1 all fail; the worker keeps serving."""
    worker = Worker(probe_dir, Limits(), isolation)
    try:
        assert call(worker, "kill_parent") == ["PermissionError"] * 5
        assert call(worker, "count") == 1
        assert worker.restarts == 1
    finally:
        worker.close()


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_killing_the_next_checks_process_costs_nothing(isolation, probe_dir):
    """A check that kills every process it may signal (the spare the root forked for the next
    check) leaves the next check to a fresh spare: it runs, from a fresh start, in the same
    sandbox."""
    worker = Worker(probe_dir, Limits(), isolation)
    try:
        call(worker, "count")
        assert call(worker, "kill_others") >= 1
        assert call(worker, "count") == 1
        assert call(worker, "count") == 1
        assert worker.restarts == 1
    finally:
        worker.close()


@pytest.mark.parametrize("isolation", ISOLATIONS)
def test_worker_restarts_after_its_root_dies(isolation, probe_dir):
    """If the sandbox dies, the call in progress fails and the next check starts a new one."""
    worker = Worker(probe_dir, Limits(call_timeout=5), isolation)

    def kill_sandbox() -> None:
        time.sleep(0.3)
        for pid in [worker.process.pid, *processes.descendants(worker.process.pid)]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    try:
        assert call(worker, "count") == 1
        killer = threading.Thread(target=kill_sandbox)
        killer.start()
        start = time.monotonic()
        with pytest.raises((StudentCrash, StudentImportFailed)):
            call(worker, "spin")
        killer.join()
        assert time.monotonic() - start < 2, "the grader noticed at once, not at the time limit"
        assert call(worker, "count") == 1
        assert worker.restarts == 2
    finally:
        worker.close()
    alive = [p for p in processes.descendants(os.getpid()) if processes.state(p) not in "ZX"]
    assert alive == [], [Path(f"/proc/{p}/cmdline").read_bytes()[:100] for p in alive]


def test_reply_and_output_caps(probe_dir):
    """A reply over reply_mb is refused; printed output is kept only up to the cap."""
    limits = Limits(reply_mb=1, output_chars=100)
    worker = Worker(probe_dir, limits, choose_isolation("auto"))
    try:
        with pytest.raises(StudentCrash, match="over the 1 MB limit"):
            worker.begin_check("probe")
            try:
                worker.call("big", (2,), {})
            finally:
                worker.end_check()
        worker.begin_check("probe")
        reply = worker.call("shout", (1_000_000,), {})
        worker.end_check()
        assert reply["value"] == 1_000_000
        assert len(reply["out"]) < 4 * limits.output_chars + 100
        assert "more characters" in reply["out"]
    finally:
        worker.close()


def test_lesson_time_limit_caps_every_call(probe_dir):
    """A call may not outlast its lesson: with_timeout cannot extend past the lesson's deadline."""
    worker = Worker(probe_dir, Limits(call_timeout=30), choose_isolation("auto"))
    try:
        worker.begin_check("probe")
        student = SandboxStudent(worker, "probe", deadline=time.monotonic() + 0.6)
        start = time.monotonic()
        with pytest.raises(StudentTimeout):
            student.with_timeout(60).spin()
        assert time.monotonic() - start < 1.5
        with pytest.raises(StudentTimeout, match="lesson's time limit"):
            time.sleep(0.2)
            student.count()
        worker.end_check()
    finally:
        worker.close()


# --- seeds ---------------------------------------------------------------------------------------
PRINTER = textwrap.dedent("""
    def _show(*args):
        print("inputs:", repr(args)[:300])
        raise NotImplementedError

    def cosine_similarity(a, b):
        _show(a, b)

    def cosine_matrix(A, B):
        _show(A)

    def most_similar(query, matrix, words, k=5, exclude=()):
        _show(query, words)

    def angle_degrees(a, b):
        _show(a, b)
""")


def hidden_outputs(folder: Path, secret: str) -> list[str]:
    report = grade_submission(folder, "s", [SIMILARITY], Limits(), "auto", secret)
    assert not report.error, report.error
    return [r.output for r in report.results if r.hidden]


def test_seed_depends_on_content_and_secret(tmp_path):
    """The seed changes with the submission's content and the secret, and only with them."""
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "similarity.py").write_text("x = 1\n")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "similarity.py").write_text("x = 2\n")
    spaces = [build_workspace(tmp_path / name, [SIMILARITY]) for name in ("a", "a", "b")]
    try:
        a1, a2, b = (seed_base(ws, "k", "similarity") for ws in spaces)
        assert a1 == a2 != b
        assert seed_base(spaces[0], "k", "similarity") != seed_base(
            spaces[0], "other", "similarity"
        )
        assert derive_seed(a1, "test_x") != derive_seed(a1, "test_y")
        assert derive_seed(a1, "test_x") == derive_seed(a2, "test_x")
    finally:
        for ws in spaces:
            ws.cleanup()


def test_every_module_of_the_submission_feeds_every_lessons_seed(tmp_path):
    """A check can read every module of its sandbox, so answers kept in another lesson's module
    must not survive a resubmission: changing any module draws other inputs for every lesson.
    Modules not graded this time count too: a lesson draws the same inputs alone or not."""
    tokens, embedding = find_lesson("01-tokens"), find_lesson("02-embedding")
    for name, extra in (("a", "x = 1\n"), ("b", "x = 2  # answers kept here\n")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "similarity.py").write_text("def f():\n    return 1\n")
        (tmp_path / name / "tokens.py").write_text(extra)
    a_all = build_workspace(tmp_path / "a", [tokens, SIMILARITY, embedding])
    a_alone = build_workspace(tmp_path / "a", [SIMILARITY])
    b_all = build_workspace(tmp_path / "b", [tokens, SIMILARITY, embedding])
    try:
        assert seed_base(a_all, "k", "similarity") == seed_base(a_alone, "k", "similarity")
        assert seed_base(a_all, "k", "similarity") != seed_base(b_all, "k", "similarity")
        assert seed_base(a_all, "k", "similarity") != seed_base(a_all, "k", "embedding")
        assert "tokens" not in a_alone.found, "--lesson 03 must not show tokens.py to the checks"
    finally:
        for ws in (a_all, a_alone, b_all):
            ws.cleanup()


def test_regrade_is_identical_and_the_secret_changes_the_inputs(tmp_path):
    """Grading twice gives the same feedback; another secret draws other hidden inputs."""
    (tmp_path / "similarity.py").write_text(PRINTER)
    first = hidden_outputs(tmp_path, "secret-one")
    again = hidden_outputs(tmp_path, "secret-one")
    other = hidden_outputs(tmp_path, "secret-two")
    assert first == again
    assert sum("inputs:" in out for out in first) > 5
    assert first != other


# --- feedback --------------------------------------------------------------------------------------
WRONG_VALUE = textwrap.dedent("""
    def cosine_similarity(a, b):
        return 0.123456789

    def cosine_matrix(A, B):
        raise RuntimeError(f"my own message shows my own inputs: {A!r}")

    def most_similar(query, matrix, words, k=5, exclude=()):
        return [("zzz-not-a-word", 0.987654321)]

    def angle_degrees(a, b):
        return 12.3456789
""")


def test_hidden_feedback_shows_no_inputs_expected_values_or_source(tmp_path):
    """A hidden check's feedback names it and the mistake; only the student's own words appear."""
    (tmp_path / "similarity.py").write_text(WRONG_VALUE)
    report = grade_submission(tmp_path, "w", [SIMILARITY], Limits(), "auto", "k")
    hidden = [r for r in report.results if r.hidden]
    public = [r for r in report.results if not r.hidden]
    source = (PACK / "autograder" / "hidden" / "test_similarity.py").read_text()
    code_lines = [ln.strip() for ln in source.splitlines() if "reference." in ln or "rng." in ln]
    assert hidden and all(not r.passed for r in hidden)
    for r in hidden:
        assert r.output.startswith("This check looks for: " + r.doc), r.output
        for leak in ("0.123456789", "0.987654321", "12.3456789", "assert ", "approx"):
            if "my own message" not in r.output:
                assert leak not in r.output, (r.name, r.output)
        assert "hidden/test_" not in r.output and "test_similarity.py" not in r.output
        assert not [ln for ln in code_lines if ln in r.output], r.output
        assert "[" not in r.name  # parametrized inputs never appear in a hidden check's name
    own = [r for r in hidden if "my own message shows my own inputs" in r.output]
    assert own, "the student's own exception is shown back to them"
    assert all('File "' not in line or "similarity.py" in line and "hidden" not in line
               for r in own for line in r.output.splitlines())  # fmt: skip
    assert any("0.123456789" in r.output for r in public), "public checks may show the values"


def test_describe_failure_keeps_hidden_values_out():
    """Unit: every kind of failure of a hidden check is explained without the check's words."""
    limits = Limits()
    doc = "the cosine of unit vectors"
    secret = AssertionError("cosine([0.1, 0.2], [0.3]) should be 0.777\nassert 0.5 == 0.777")
    assert "0.777" not in describe_failure(secret, True, doc, limits)
    assert "0.777" in describe_failure(secret, False, doc, limits)

    class Failed(Exception):
        pass

    raised = describe_failure(Failed("DID NOT RAISE <class 'ValueError'>"), True, doc, limits)
    assert raised.endswith("should raise ValueError.")
    assert "0.9" not in describe_failure(Failed("value 0.9 was wrong"), True, doc, limits)
    assert "0.9" not in describe_failure(TypeError("cannot compare 0.9"), True, doc, limits)
    student = student_exception("KeyError", "'word'", 'File "/submission/x.py", line 3')
    text = describe_failure(student, True, doc, limits)
    assert text.startswith(f"This check looks for: {doc}\nYour code raised KeyError: 'word'")
    long = describe_failure(student_exception("ValueError", "x" * 10_000), False, "", limits)
    assert len(long) < limits.output_chars + 200


def test_every_report_names_its_isolation(tmp_path):
    """results.json says which isolation graded it, in its output and its extra_data."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "similarity.py").write_text(WRONG_VALUE)
    out = tmp_path / "out"
    assert main(["grade", str(tmp_path / "sub"), "--out", str(out), "--call-timeout", "1"]) == 0
    data = json.loads((out / "sub" / "results.json").read_text())
    kind = choose_isolation("auto")
    assert data["extra_data"]["isolation"].startswith(kind + ":")
    assert data["output"].startswith(f"Isolation: {kind}:")


def test_run_checks_reports_the_isolation_it_used(tmp_path):
    """run_checks returns the isolation it chose along with the results."""
    (tmp_path / "similarity.py").write_text(WRONG_VALUE)
    ws = build_workspace(tmp_path, [SIMILARITY])
    try:
        results, kind = run_checks(ws, [SIMILARITY], Limits())
    finally:
        ws.cleanup()
    assert kind == choose_isolation("auto") and results


class _FakeWorker:
    """Stands in for the worker: every call replies with the same output and value."""

    def __init__(self, out: str, error: dict | None = None):
        self.limits = Limits(output_chars=100)
        self.reply = {"ok": error is None, "value": 1.0, "out": out}
        if error is not None:
            self.reply["error"] = error

    def call(self, fn, args, kwargs, timeout=None):
        return dict(self.reply)


def test_grader_keeps_at_most_output_chars_of_a_checks_output():
    """A worker whose output cap the student lifted still costs the grader output_chars."""
    log: list[str] = []
    student = SandboxStudent(_FakeWorker("z" * 5_000_000), "m", log=log)
    for _ in range(50):
        assert student.f() == 1.0
    assert sum(map(len, log)) <= 101


def test_grader_cuts_the_error_a_worker_sends_back():
    """A student's exception message and traceback are cut to what the feedback can show."""
    error = {"type": "ValueError", "message": "m" * 10**6, "traceback": "t" * 10**6}
    student = SandboxStudent(_FakeWorker("", error), "m")
    with pytest.raises(ValueError) as info:
        student.f()
    assert len(info.value.args[0]) <= 101 and len(info.value.student_traceback) <= 101
    text = describe_failure(info.value, False, "", Limits(output_chars=100))
    assert "more characters" in text and len(text) < 200


def test_bare_public_assert_gets_a_plain_message():
    """Under --assert=plain a bare assert has no message: the feedback still says something."""
    text = describe_failure(AssertionError(), False, "", Limits())
    assert text == "Your function's result is not the expected one."
    assert describe_failure(AssertionError("got 0.5"), False, "", Limits()) == "got 0.5"


def test_a_check_file_that_cannot_load_fails_the_grading(tmp_path, monkeypatch):
    """A check file that does not import is the grader's failure, never silently fewer checks."""
    import autograder.checkrun as checkrun

    broken = tmp_path / "hidden" / "test_similarity.py"
    broken.parent.mkdir()
    broken.write_text("def test_x(student:\n")
    monkeypatch.setattr(checkrun, "check_files", lambda lessons: [str(broken)])
    (tmp_path / "similarity.py").write_text(SIMILARITY.solution.read_text())
    ws = build_workspace(tmp_path, [SIMILARITY])
    try:
        with pytest.raises(CheckFileError, match="could not be loaded"):
            run_checks(ws, [SIMILARITY], Limits())
    finally:
        ws.cleanup()


@pytest.mark.skipif(not IS_ROOT, reason="the uid fallback needs root")
def test_a_killed_graders_workspace_is_closed_to_the_next_sandbox_of_its_uid():
    """A workspace left readable by a uid slot's group is closed when that slot is used again."""
    limits = Limits(sandbox_uid=63500)
    stale = Path(tempfile.mkdtemp(prefix="embedlab-ws-"))
    (stale / "similarity.py").write_text("ANSWER = 'a classmate wrote this'\n")
    ws = Path(tempfile.mkdtemp(prefix="embedlab-ws-"))  # the sandbox's uid must reach it
    (ws / "tiny.py").write_text("def f():\n    return 1\n")
    worker = Worker(ws, limits, "uid")
    try:
        worker.start()
        uid = worker._slot.uid
        os.chown(stale, 0, uid)  # as a grader killed while it held this slot left it
        os.chmod(stale, 0o750)
        worker.close()
        worker = Worker(ws, limits, "uid")
        worker.start()
        assert worker._slot.uid == uid, "the test expects the same slot again"
        info = stale.stat()
        assert (info.st_gid, info.st_mode & 0o777) == (0, 0o700)
        assert ws.stat().st_gid == uid, "its own workspace must stay open to it"
    finally:
        worker.close()
        shutil.rmtree(stale, ignore_errors=True)
        shutil.rmtree(ws, ignore_errors=True)


@pytest.mark.skipif(not is_root(), reason="under the uid fallback the root is the worker itself")
def test_a_module_dear_to_compile_is_not_kept_by_the_root(probe_dir):
    """A module cheap to read and dear to compile (a chain of 200,000 comparisons takes about
    240 MB) is left to each check: the root, whose memory every check inherits, stays small."""
    (probe_dir / "chain.py").write_text(
        "def f():\n    return " + " < ".join(["1"] * 200_000) + "\n\n\ndef g():\n    return 7\n"
    )
    (probe_dir / "chain.py").chmod(0o644)
    # A grader holding much memory when it starts the worker: the worker's rusage peak starts
    # from it (even across exec), so the root must not judge the probe by its own peak.
    held = b"x" * (400 << 20)  # written, so resident
    worker = Worker(probe_dir, Limits(import_timeout=20, call_timeout=20), "uid")
    worker.start()
    del held
    try:
        for _ in range(2):  # the first check has the root probe it; the second would inherit it
            worker.begin_check("chain")
            assert worker.call("g", (), {})["value"] == 7
            worker.end_check()
        status = Path(f"/proc/{worker.process.pid}/status").read_text()
        rss_kb = int(status.split("VmRSS:")[1].split()[0])
    finally:
        worker.close()
    assert rss_kb < 120 << 10, f"the worker's root holds {rss_kb >> 10} MB after compiling"
