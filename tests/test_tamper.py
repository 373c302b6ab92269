"""The tamper suite: hostile submissions graded through `embedlab grade` on the real pack.

Each folder of tests/tamper/ is a student module for lesson 03 that attacks the grader (its
docstring says how). Every test grades one of them with small limits and asserts that the score
gained nothing, the grader finished within its limits, its report was written and stays as it
wrote it, nothing the submission started is still running, nothing was written outside the
sandbox and the pack is intact; then it checks what stopped that attack in particular.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.isolation import choose_isolation
from autograder.lessons import pack_root
from autograder.uids import shared_folders

TAMPER = Path(__file__).parent / "tamper"
PACK = pack_root()
LIMITS = [
    "--call-timeout", "0.3",
    "--lesson-timeout", "2.5",
    "--limit", "import_timeout=1.5",
    "--limit", "reply_mb=8",
    "--limit", "memory_mb=512",
    "--limit", "sandbox_memory_mb=768",
    "--limit", "file_size_mb=2",
    "--limit", "tmp_mb=8",
    "--limit", "processes=16",
    "--limit", "output_chars=2000",
]  # fmt: skip
BUDGET = 20.0  # seconds: one lesson of 2.5 s, the four missing lessons, start and stop
DEFACE_TARGETS = [
    PACK / "solutions" / "03-similarity" / "similarity.py",
    PACK / "autograder" / "hidden" / "test_similarity.py",
    PACK / "exercises" / "03-similarity" / "test_similarity.py",
    PACK / "autograder" / "grading.py",
    PACK / "autograder" / "worker.py",
    PACK / "autograder" / "channel.py",
]
# Every folder any user may write to (/tmp, /run/lock, ...), then the home folder.
SHARED = [*map(Path, shared_folders()), Path.home()]
IS_ROOT = os.geteuid() == 0


class Listener:
    """A TCP and a UDP socket on one port of 127.0.0.1 that record whatever reaches them."""

    def __init__(self) -> None:
        self.received: list[bytes] = []
        self.tcp = socket.create_server(("127.0.0.1", 0))
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", self.port))
        self.tcp.settimeout(0.2)
        self.udp.settimeout(0.2)
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop:
            try:
                conn, _ = self.tcp.accept()
                with conn:
                    conn.settimeout(0.5)
                    self.received.append(b"tcp:" + conn.recv(4096))
            except OSError:
                pass
            try:
                self.received.append(b"udp:" + self.udp.recv(4096))
            except OSError:
                pass

    def close(self) -> None:
        self.stop = True
        self.thread.join(2)
        self.tcp.close()
        self.udp.close()


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def secrets(tmp_path_factory):
    """An instructor's secret in the environment and one in a file only root can read."""
    folder = tmp_path_factory.mktemp("instructor")
    folder.chmod(0o700)
    value = f"filesecret-{uuid.uuid4().hex}"
    path = folder / "secret.txt"
    path.write_text(value)
    path.chmod(0o600)
    return {"file": path, "file_value": value, "env_value": f"envsecret-{uuid.uuid4().hex}"}


@dataclass
class Graded:
    """What one grading of a hostile submission left behind."""

    attack: str
    isolation: str
    marker: str
    out: Path
    status: int
    seconds: float
    report: dict
    text: str
    snapshot: dict[str, bytes]


def _prepare(attack: str, root: Path, marker: str, out: Path, port: int, secret: Path) -> Path:
    """Copy the attack's folder, telling it the marker, the pack, the report folder and more."""
    target = root / "submissions" / attack
    shutil.copytree(TAMPER / attack, target)
    for path in list(target.rglob("*.hostile")):  # stored so that no pytest run loads them
        path.rename(path.with_suffix(""))
    for path in target.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for key, value in {
            "@@MARKER@@": marker,
            "@@PACK@@": str(PACK),
            "@@OUT@@": str(out),
            "@@PORT@@": str(port),
            "@@SECRET@@": str(secret),
        }.items():
            text = text.replace(key, value)
        path.write_text(text, encoding="utf-8")
    root.chmod(0o755)
    return target


def _snapshot(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _grade(attack, isolation, tmp_path, listener, secrets, monkeypatch, separate=False) -> Graded:
    marker = f"ev{uuid.uuid4().hex[:12]}"  # fits a process name (15 characters)
    out = tmp_path / "reports"
    sub = _prepare(attack, tmp_path, marker, out, listener.port, secrets["file"])
    monkeypatch.setenv("EMBEDLAB_SECRET", secrets["env_value"])
    argv = ["grade", str(sub), "--out", str(out), "--isolation", isolation, *LIMITS]
    start = time.monotonic()
    if separate:  # the attack aims at the grader's own process: grade in a child process
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from autograder.cli import main; sys.exit(main())",
                *argv,
            ],  # fmt: skip
            capture_output=True,
            timeout=120,
            cwd=PACK,
        )
        status = done.returncode
        assert status == 0, done.stderr.decode(errors="replace")[-2000:]
    else:
        status = main(argv)
    seconds = time.monotonic() - start
    path = out / attack / "results.json"
    assert path.is_file(), f"{attack}: no report written"
    text = path.read_text(encoding="utf-8")
    return Graded(attack, isolation, marker, out, status, seconds, json.loads(text), text,
                  _snapshot(out))  # fmt: skip


def _leftover_processes(marker: str) -> list[str]:
    """Processes carrying the marker anywhere, and live descendants of this test process."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            comm = Path(f"/proc/{name}/comm").read_text(errors="replace")
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes().decode(errors="replace")
            stat = Path(f"/proc/{name}/stat").read_text(errors="replace")
        except OSError:
            continue
        state = stat[stat.rindex(")") + 2 :][:1]
        if state in "ZX":
            continue
        if marker in comm or marker in cmdline:
            found.append(f"{name} {comm.strip()} {cmdline[:80]}")
    todo = [os.getpid()]
    while todo:
        pid = todo.pop()
        try:
            kids = [
                int(k)
                for tid in os.listdir(f"/proc/{pid}/task")
                for k in Path(f"/proc/{pid}/task/{tid}/children").read_text().split()
            ]
        except OSError:
            continue
        for kid in kids:
            try:
                stat = Path(f"/proc/{kid}/stat").read_text()
            except OSError:
                continue
            if stat[stat.rindex(")") + 2 :][:1] not in "ZX":
                found.append(f"{kid} (left under the grader) {stat[:60]}")
            todo.append(kid)
    return found


def _hidden_source() -> list[str]:
    """Distinctive code lines of the hidden checks: what they pass and compare."""
    text = (PACK / "autograder" / "hidden" / "test_similarity.py").read_text(encoding="utf-8")
    lines = {line.strip() for line in text.splitlines()}
    return sorted(
        line
        for line in lines
        if len(line) > 20 and ("reference." in line or "rng." in line or "student." in line)
    )


def _files_outside(marker: str) -> list[str]:
    found = []
    for folder in SHARED:
        try:
            found += [str(p) for p in folder.iterdir() if marker in p.name]
        except OSError:
            pass
    return found


def _assert_safe(g: Graded, listener: Listener, secrets: dict) -> None:
    """The properties every attack must leave intact."""
    assert g.status == 0, f"{g.attack}: `embedlab grade` failed"
    assert isinstance(g.report.get("tests"), list) and "score" in g.report
    assert g.report["score"] == 0.0, f"{g.attack} gained points: {g.report['score']}"
    ours = [t for t in g.report["tests"] if t["name"].startswith("03-similarity")]
    assert ours and all(t["status"] == "failed" for t in ours)
    assert g.seconds < BUDGET, f"{g.attack}: grading took {g.seconds:.1f} s"
    time.sleep(0.3)  # give a surviving daemon time to act
    assert _snapshot(g.out) == g.snapshot, f"{g.attack}: the report changed after grading"
    assert list(g.snapshot) == [f"{g.attack}/results.json"], f"stray files: {list(g.snapshot)}"
    assert not _leftover_processes(g.marker), _leftover_processes(g.marker)
    assert not _files_outside(g.marker), _files_outside(g.marker)
    for path in DEFACE_TARGETS:
        if path.is_file():
            assert g.marker not in path.read_text(encoding="utf-8", errors="replace"), path
    assert not [r for r in listener.received if g.marker.encode() in r], listener.received
    assert secrets["env_value"] not in g.text and secrets["file_value"] not in g.text
    for test in g.report["tests"]:
        if test["extra_data"]["hidden"]:
            shown = [line for line in _hidden_source() if line in test["output"]]
            assert not shown, f"{test['name']} shows the hidden check's source: {shown}"
        assert len(test["output"]) < 7000, f"{test['name']}: feedback of {len(test['output'])}"
    isolation = g.report["extra_data"]["isolation"]
    assert isolation.startswith(choose_isolation(g.isolation) + ":"), isolation


def _outputs(g: Graded) -> str:
    return "\n".join(t["output"] for t in g.report["tests"] if t["name"].startswith("03-"))


# What stopped each attack, seen in the feedback the student gets.
EVIDENCE = {
    "exit_at_import": ["ended its process while importing (exit code 0)"],
    "exit_in_call": ["ended its process during cosine_similarity()", "killed by SIGABRT"],
    "forge_report": ["forged:"],
    "forge_report_daemon": ["NotImplementedError"],
    "patch_numpy_math": ["got 0.5"],
    "patch_pytest": ["no pytest to patch"],
    "always_equal": ["which cannot be checked"],
    "fake_pass_summary": ["Your code printed:"],
    "loop_at_import": ["importing similarity.py did not finish within 1.5 s"],
    "loop_in_call": ["did not return within 0.3 s"],
    "memory_flood": ["MemoryError"],
    "memory_flood_forks": ["of 4 flooding children killed by the kernel"],
    "fork_bomb": ["did not return within"],
    "disk_flood": ["File too large"],
    "read_solution": ["nothing found to copy: []"],
    "read_frames": ["found no answer in any frame"],
    "network": ["PermissionError"],
    "shadow_modules": ["NotImplementedError"],
    "kill_grader": ["PermissionError"],
    "output_flood": ["more characters"],
    "segfault": ["killed by SIGSEGV"],
    "huge_reply": ["over the 8 MB limit"],
    "steal_secrets": ["'HOME': '/tmp'"],
    "stray_frames": ["not a reply"],
    "state_across_checks": ["NotImplementedError"],
    "write_pack": ["FileNotFoundError"],
    "ptrace_grader": ["[]"],
    "decode_bomb": ["reply too large to decode"],
    "out_accumulate": ["Your code printed:"],
    "slow_compare": ["ran past the lesson's 2.5 s time limit"],
    "memfd_hoard": ["memfd refused: EPERM; pipes opened: "],
    "column_bomb": ["malformed reply (reply too large to decode)"],
    "scalar_overflow": ["malformed reply (malformed value:"],
    "empty_broadcast": ["should be one number, got an array of shape (0,)", "got shape (0, 2, 2)"],
}
ABSENT = {
    "state_across_checks": ["learned from an earlier check"],
    "patch_pytest": ["patched pytest at"],
    "read_solution": ['def cosine_similarity(a, b):\n    """'],
}
SEPARATE = {"kill_grader", "ptrace_grader"}  # aimed at the grader's own process
UID_ATTACKS = [
    "exit_in_call", "forge_report_daemon", "fork_bomb", "disk_flood", "read_solution",
    "network", "kill_grader", "steal_secrets", "state_across_checks", "write_pack",
    "ptrace_grader", "memory_flood", "memory_flood_forks", "memfd_hoard",
]  # fmt: skip
UID_EVIDENCE = {  # where the uid fallback stops the attack by other means than bwrap
    "write_pack": ["PermissionError"],
    "disk_flood": ["File too large"],
}


def test_every_attack_has_a_folder():
    """The suite covers each folder of tests/tamper/ and nothing else."""
    folders = sorted(p.name for p in TAMPER.iterdir() if p.is_dir())
    assert folders == sorted(EVIDENCE), "add the new attack to EVIDENCE"
    assert len(folders) >= 20


AUTO = choose_isolation("auto")


@pytest.mark.skipif(AUTO == "none", reason="without bwrap or root nothing isolates files")
@pytest.mark.parametrize("attack", sorted(EVIDENCE))
def test_attack_gains_nothing(attack, tmp_path, listener, secrets, monkeypatch):
    """The strongest isolation available here stops the attack and every report is sound."""
    g = _grade(attack, "auto", tmp_path, listener, secrets, monkeypatch, attack in SEPARATE)
    _assert_safe(g, listener, secrets)
    text = _outputs(g)
    evidences = UID_EVIDENCE.get(attack, EVIDENCE[attack]) if AUTO == "uid" else EVIDENCE[attack]
    for evidence in evidences:
        assert evidence in text, f"{attack}: expected {evidence!r} in the feedback"
    for absent in ABSENT.get(attack, []):
        assert absent not in text, f"{attack}: {absent!r} in the feedback"


@pytest.mark.skipif(not IS_ROOT, reason="the uid fallback needs the grader to run as root")
@pytest.mark.parametrize("attack", UID_ATTACKS)
def test_attack_gains_nothing_under_uid_fallback(attack, tmp_path, listener, secrets, monkeypatch):
    """Without bubblewrap, a separate uid, file permissions and seccomp stop the same attacks."""
    g = _grade(attack, "uid", tmp_path, listener, secrets, monkeypatch, attack in SEPARATE)
    _assert_safe(g, listener, secrets)
    text = _outputs(g)
    for evidence in UID_EVIDENCE.get(attack, EVIDENCE[attack]):
        assert evidence in text, f"{attack}: expected {evidence!r} in the feedback"
    for absent in ABSENT.get(attack, []):
        assert absent not in text
    owned = [
        str(p)
        for folder in SHARED[:-1]
        for p in folder.iterdir()
        if p.exists() and 61000 <= p.lstat().st_uid < 61256 and g.marker in p.name
    ]
    assert not owned, f"the sandbox uid left files behind: {owned}"


GRADE_AND_MEASURE = """
import sys
import tempfile
from autograder.cli import main
status = main(sys.argv[1:])
with open("/proc/self/status") as status_file:
    print("maxrss", [line.split()[1] for line in status_file if line.startswith("VmHWM:")][0])
sys.exit(status)
"""


def _grade_in_child(sub: Path, out: Path, limits: list[str]) -> tuple[float, int, dict]:
    """Grade in a child process; returns its wall time, the grader's own peak RSS (KB), the report.

    VmHWM, not ru_maxrss: the grader alone, without the sandbox's processes it waited for or the
    pages it shared with this process before exec.
    """
    argv = ["grade", str(sub), "--out", str(out), "--isolation", "auto", *limits]
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", GRADE_AND_MEASURE, *argv],
        cwd=PACK, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    seconds = time.monotonic() - start
    assert done.returncode == 0, done.stderr[-2000:]
    peak = int(done.stdout.split("maxrss")[-1])
    report = json.loads((out / sub.name / "results.json").read_text(encoding="utf-8"))
    return seconds, peak, report


@pytest.mark.skipif(AUTO == "none", reason="without bwrap or root nothing isolates files")
def test_output_accumulation_keeps_the_grader_small(tmp_path, listener, secrets):
    """7 MB of output per call with the worker's cap lifted: the grader keeps output_chars.

    Before the grader cut each reply's output and each check's log, this run peaked at
    333 MB (474 MB with a 20 s lesson) and grew with every call; now about 120 MB.
    """
    out = tmp_path / "reports"
    sub = _prepare("out_accumulate", tmp_path, "evaccum", out, listener.port, secrets["file"])
    seconds, peak_kb, report = _grade_in_child(sub, out, LIMITS)
    assert seconds < BUDGET
    assert peak_kb < 230_000, f"the grader peaked at {peak_kb >> 10} MB"
    ours = [t for t in report["tests"] if t["name"].startswith("03-")]
    assert any("evaccum yyy" in t["output"] for t in ours)
    assert all(len(t["output"]) < 2000 + 1000 for t in ours)


@pytest.mark.skipif(AUTO == "none", reason="without bwrap or root nothing isolates files")
def test_grader_work_on_a_reply_stops_at_the_lesson_limit(tmp_path, listener, secrets):
    """A reply of 4.5 million one-item lists (18 MB) costs the grader ~12 s to take in; the
    per-check deadline stops that work when the lesson's 2.5 s are up, and kills the worker.

    Before the deadline this run took 15 s; now under 5 s.
    """
    out = tmp_path / "reports"
    sub = _prepare("slow_compare", tmp_path, "evslow", out, listener.port, secrets["file"])
    path = sub / "similarity.py"
    path.write_text(path.read_text().replace("1_900_000", "4_500_000"))
    limits = [*LIMITS, "--limit", "reply_mb=20", "--limit", "memory_mb=1024"]
    seconds, _, report = _grade_in_child(sub, out, limits)
    assert seconds < 2.5 + 5.0, f"grading took {seconds:.1f} s"
    ours = [t for t in report["tests"] if t["name"].startswith("03-")]
    assert report["score"] == 0.0 and all(t["status"] == "failed" for t in ours)
    assert "ran past the lesson's 2.5 s time limit" in ours[0]["output"]


READER = """
import os


def _peek():
    seen = []
    for path in @@PATHS@@:
        try:
            if os.path.isdir(path):
                seen.append(f"{path}: {sorted(os.listdir(path))}")
            else:
                with open(path, encoding="utf-8", errors="replace") as f:
                    seen.append(f"{path}: {f.read()[:300]}")
        except OSError as exc:
            seen.append(f"{path}: {type(exc).__name__}")
    raise ValueError(" | ".join(seen))


def cosine_similarity(a, b):
    _peek()
"""


@pytest.mark.skipif(not IS_ROOT, reason="the uid fallback needs the grader to run as root")
def test_uid_fallback_closes_this_runs_reports_secret_and_submissions():
    """Under the uid fallback, files the instructor left open to every user (a classmate's
    submission, the reports written so far, the secret file) are closed before any student code
    runs, and the student's code is told PermissionError for each."""
    marker = f"open{uuid.uuid4().hex[:10]}"
    base = Path(tempfile.mkdtemp(prefix="embedlab-open-"))
    try:
        base.chmod(0o755)
        secret = base / "secret.txt"
        secret.write_text(f"secret-{marker}\n", encoding="utf-8")
        alice, reader, out = base / "alice", base / "reader", base / "out"
        for folder in (alice, reader, out):
            folder.mkdir(mode=0o755)
        source = (PACK / "solutions" / "03-similarity" / "similarity.py").read_text()
        (alice / "similarity.py").write_text(f"# source-{marker}\n" + source)
        paths = [str(out / "alice" / "results.json"), str(out), str(secret),
                 str(alice / "similarity.py")]  # fmt: skip
        (reader / "similarity.py").write_text(READER.replace("@@PATHS@@", repr(paths)))
        for file in (secret, alice / "similarity.py", reader / "similarity.py"):
            file.chmod(0o644)
        argv = ["grade", str(alice), str(reader), "--out", str(out), "--isolation", "uid",
                "--lesson", "03", "--secret-file", str(secret), *LIMITS]  # fmt: skip
        assert main(argv) == 0
        report = json.loads((out / "reader" / "results.json").read_text(encoding="utf-8"))
        text = "\n".join(t["output"] for t in report["tests"])
        assert f"{out}: PermissionError" in text and f"{secret}: PermissionError" in text
        assert f"{alice / 'similarity.py'}: PermissionError" in text
        assert marker not in text and '"score"' not in text
        for path in (out, secret, alice, reader):
            assert path.stat().st_mode & 0o007 == 0, f"{path} is still open to other users"
        alice_report = json.loads((out / "alice" / "results.json").read_text(encoding="utf-8"))
        assert alice_report["score"] == 20.0  # closing the paths cost the grading nothing
    finally:
        shutil.rmtree(base, ignore_errors=True)
