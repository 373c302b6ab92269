"""Start and talk to the sandboxed worker: isolation, resource limits, the request protocol.

Three isolations, strongest first (`choose_isolation("auto")` takes the first that works):
- `bwrap`: bubblewrap with new user, pid, network, ipc and uts namespaces and a read-only
  view holding only the system libraries, the interpreter's standard library, numpy, the
  worker and the student's modules; a private /tmp of limited size. When the grader is root,
  the sandbox's user namespace maps the checks to a dedicated unprivileged uid, so the
  process-count limit holds (the kernel never applies it to uid 0).
- `uid`: no namespaces (for root, where bubblewrap cannot run); checks run as a dedicated
  unprivileged uid that cannot read the pack, the grader or other workspaces.
- `none`: a process of the grader's own user (never for root: it would run student code as
  root); only the limits and the seccomp filter hold, files are not isolated.
In every isolation the worker's root never runs student code: each check runs in a child that
imports the module afresh, drops to the sandbox's uid and privileges, and runs under a seccomp
filter (no sockets, ptrace, SysV IPC, keyrings, namespaces or signals to the grader); the root
kills everything a check started before the next one begins, and the grader kills everything
the worker started when it closes it (the grader is a child subreaper besides).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import resource
import secrets
import select
import shutil
import signal
import socket
import stat
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from autograder import channel
from autograder.student import StudentCrash, StudentImportFailed, StudentTimeout

WORKER_FILES = ("worker.py", "channel.py")
HERE = Path(__file__).resolve().parent
SANDBOX_DIR = "/submission"
SANDBOX_RUNTIME = "/embedlab"
SANDBOX_SITE = "/site"
INNER_UID = 1000
UID_SLOTS = 256
START_TIMEOUT = 30.0
CLONE_NEWUSER = 0x10000000
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")
ISOLATIONS = ("bwrap", "uid", "none")


@dataclass(frozen=True)
class Limits:
    """Every limit the grader puts on student code; each can be configured (`--limit k=v`)."""

    call_timeout: float = 2.0  # seconds of wall time per call (a check may ask for more)
    import_timeout: float = 5.0  # seconds of wall time to import the module, per check
    lesson_timeout: float = 60.0  # seconds of wall time for all of a lesson's checks
    memory_mb: int = 1024  # address space per process
    processes: int = 16  # processes of the sandbox's uid at once (bwrap/uid as root)
    file_size_mb: int = 8  # largest file a check may write
    tmp_mb: int = 16  # size of the private /tmp (bwrap)
    cpu_seconds: int = 120  # CPU time per process
    reply_mb: int = 64  # largest reply a call may send back
    output_chars: int = 2000  # characters of the student's output kept per check
    sandbox_uid: int = 61000  # first uid of the dedicated sandbox uids (root only)

    @classmethod
    def parse(cls, items: list[str] | None, base: Limits | None = None) -> Limits:
        """Apply `name=value` overrides; raises ValueError naming an unknown or bad one."""
        base = base or cls()
        kinds = {f.name: f.type for f in fields(cls)}
        values = dict(base.__dict__)
        for item in items or []:
            name, eq, text = item.partition("=")
            name = name.strip().replace("-", "_")
            if not eq or name not in kinds:
                known = ", ".join(kinds)
                raise ValueError(
                    f"unknown limit {item!r}; use name=value with a name among {known}"
                )
            try:
                value = float(text) if kinds[name] in (float, "float") else int(text)
            except ValueError:
                raise ValueError(f"limit {name} needs a number, got {text!r}") from None
            if value <= 0:
                raise ValueError(f"limit {name} must be positive, got {text!r}")
            values[name] = value
        return cls(**values)


class SandboxError(RuntimeError):
    """The sandbox could not be set up: a problem of the grading machine, not of the student."""


# --- choosing the isolation ---------------------------------------------------------------
def bwrap_path() -> str | None:
    """The bubblewrap binary, if installed."""
    return shutil.which("bwrap")


_libc = ctypes.CDLL(None, use_errno=True)
_ISOLATION: dict[str, str] = {}
_USERNS: dict[int, int] = {}


def _is_root() -> bool:
    return os.geteuid() == 0


def _bwrap_works(bwrap: str) -> bool:
    cmd = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--die-with-parent"]
    fds: tuple[int, ...] = ()
    try:
        if _is_root():
            fd = _userns_fd(Limits().sandbox_uid + UID_SLOTS)
            cmd += ["--userns", str(fd)]
            fds = (fd,)
        else:
            cmd += ["--unshare-user"]
        cmd += ["--ro-bind", "/", "/", "--proc", "/proc", "true"]
        done = subprocess.run(cmd, capture_output=True, timeout=20, pass_fds=fds)
    except (OSError, subprocess.TimeoutExpired, SandboxError):
        return False
    return done.returncode == 0


def choose_isolation(wanted: str = "auto") -> str:
    """Pick the isolation: bwrap where it runs, else a separate uid when root, else none."""
    if wanted not in (*ISOLATIONS, "auto"):
        raise RuntimeError(f"unknown isolation {wanted!r}; choose auto, bwrap, uid or none")
    if wanted == "none":
        if _is_root():
            raise RuntimeError("--isolation none would run student code as root; use uid or bwrap")
        return "none"
    if wanted == "uid":
        if not _is_root():
            raise RuntimeError("--isolation uid needs the grader to run as root")
        return "uid"
    if "bwrap" not in _ISOLATION:
        bwrap = bwrap_path()
        _ISOLATION["bwrap"] = "yes" if bwrap and _bwrap_works(bwrap) else "no"
    if _ISOLATION["bwrap"] == "yes":
        return "bwrap"
    if wanted == "bwrap":
        raise RuntimeError(
            "bubblewrap was asked for but cannot run here (apt-get install bubblewrap; "
            "it needs user namespaces)"
        )
    return "uid" if _is_root() else "none"


def describe_isolation(kind: str, limits: Limits | None = None) -> str:
    """One line for reports: what isolated the student's code."""
    lim = limits or Limits()
    common = (
        f"seccomp (no sockets, ptrace, IPC or namespaces); per process {lim.memory_mb} MB of "
        f"memory, {lim.cpu_seconds} s of CPU, files up to {lim.file_size_mb} MB; "
        f"{lim.call_timeout:g} s per call, {lim.lesson_timeout:g} s per lesson; "
        "a fresh process per check, killed with all it started"
    )
    if kind == "bwrap":
        who = "a dedicated unprivileged uid" if _is_root() else "the grader's uid mapped"
        return (
            "bwrap: bubblewrap with new user, pid, network, ipc and uts namespaces; a read-only "
            "view of the system libraries, the interpreter, numpy and the submission only; "
            f"private /tmp of {lim.tmp_mb} MB; checks run as {who}, at most "
            f"{lim.processes} processes; " + common
        )
    if kind == "uid":
        return (
            "uid: no namespaces (bubblewrap unavailable); checks run as a dedicated unprivileged "
            "uid that cannot read the hidden checks, solutions or reports, at most "
            f"{lim.processes} processes; " + common
        )
    return (
        "none: no namespaces and no separate uid (bubblewrap unavailable, grader not root); "
        "the student's code can read what the grader's user can; " + common
    )


# --- the sandbox's uid --------------------------------------------------------------------
def _userns_fd(outer_uid: int) -> int:
    """A user namespace mapping uid 0 to root and INNER_UID to `outer_uid`, nested ones off."""
    if outer_uid in _USERNS:
        return _USERNS[outer_uid]
    up_r, up_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked helper
        try:
            os.close(up_r)
            os.close(go_w)
            if _libc.unshare(CLONE_NEWUSER) != 0:
                os._exit(1)
            os.write(up_w, b"u")
            os.read(go_r, 1)
            with open("/proc/sys/user/max_user_namespaces", "w") as f:
                f.write("0")
            os._exit(0)
        except BaseException:  # noqa: BLE001
            os._exit(2)
    os.close(up_w)
    os.close(go_r)
    fd = -1
    try:
        if os.read(up_r, 1) == b"u":
            for name in ("uid_map", "gid_map"):
                with open(f"/proc/{pid}/{name}", "w") as f:
                    f.write(f"0 0 1\n{INNER_UID} {outer_uid} 1\n")
            fd = os.open(f"/proc/{pid}/ns/user", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        fd = -1
    finally:
        os.write(go_w, b"g")
        os.close(go_w)
        os.close(up_r)
        _, status = os.waitpid(pid, 0)
    if fd < 0 or status != 0:
        if fd >= 0:
            os.close(fd)
        raise SandboxError("cannot create the sandbox's user namespace")
    _USERNS[outer_uid] = fd
    return fd


class UidSlot:
    """A dedicated uid for one worker, held with a lock so concurrent graders never share one."""

    def __init__(self, base: int):
        folder = Path(tempfile.gettempdir()) / "embedlab-uid-locks"
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
        for n in range(UID_SLOTS):
            fd = os.open(folder / f"{n}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.fd, self.uid = fd, base + n
            sweep_uid(self.uid)
            return
        raise SandboxError(f"all {UID_SLOTS} sandbox uids are in use")

    def release(self) -> None:
        """Let another worker have this uid."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def processes_of_uid(uid: int) -> list[int]:
    """Live processes (not zombies) whose real uid is `uid`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as f:
                text = f.read(2048)
        except OSError:
            continue
        state = uid_line = None
        for line in text.split(b"\n"):
            if line.startswith(b"State:"):
                state = line.split()[1:2]
            elif line.startswith(b"Uid:"):
                uid_line = line.split()[1:2]
                break
        if uid_line == [str(uid).encode()] and state not in ([b"Z"], [b"X"]):
            found.append(int(name))
    return found


def sweep_uid(uid: int, timeout: float = 5.0) -> None:
    """Kill every process of `uid` and wait until none is left (root only)."""
    deadline = time.monotonic() + timeout
    while True:
        pids = processes_of_uid(uid)
        if not pids or time.monotonic() > deadline:
            break
        _kill_as(uid)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        _reap_orphans(uid)
        time.sleep(0.002)
    _reap_orphans(uid)


_ORPHANS: set[int] = set()


def _kill_as(uid: int) -> None:
    """Send SIGKILL to every process of `uid` at once, from a helper that takes that uid."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked helper
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


def _reap_orphans(uid: int | None = None) -> None:
    """Reap zombie children that sandbox processes left to the grader (a child subreaper)."""
    for pid in _children_of(os.getpid()):
        with contextlib.suppress(OSError):
            with open(f"/proc/{pid}/status", "rb") as f:
                lines = f.read(2048).split(b"\n")
            fields_ = {line.split(b":")[0]: line.split()[1:2] for line in lines if b":" in line}
            if fields_.get(b"State") != [b"Z"]:
                continue
            if pid in _ORPHANS or (uid is not None and fields_.get(b"Uid") == [str(uid).encode()]):
                os.waitpid(pid, os.WNOHANG)
                _ORPHANS.discard(pid)


def _children_of(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children", "rb") as f:
                found += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return found


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
        return data[data.rindex(b")") + 2 :][:1].decode()
    except (OSError, ValueError):
        return ""


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        kids = _children_of(todo.pop())
        out += kids
        todo += kids
    return out


def _protect_paths(paths: list[Path]) -> None:
    """Make folders unreadable by other users (the sandbox uid is one) without touching content."""
    for path in paths:
        with contextlib.suppress(OSError):
            mode = path.stat().st_mode
            if mode & 0o007:
                os.chmod(path, stat.S_IMODE(mode) & ~0o007)


def _hide_workspaces() -> None:
    """Close other submissions' workspaces that are still open to every user.

    A worker gives its own workspace to its sandbox uid's group when it starts; a workspace
    still group root and readable by others belongs to no running sandbox yet (or to a grader
    that crashed), and no sandbox may read it.
    """
    for path in Path(tempfile.gettempdir()).glob("embedlab-ws-*"):
        with contextlib.suppress(OSError):
            info = path.lstat()
            if stat.S_ISDIR(info.st_mode) and info.st_uid == 0 and info.st_gid == 0:
                if info.st_mode & 0o007:
                    os.chmod(path, 0o700)


def sensitive_paths() -> list[Path]:
    """What the student's code must never read: the pack (hidden checks, solutions, examples,
    tests) and the grader's package; under the uid fallback they lose every permission for
    other users, which is what the sandbox's uid is."""
    from autograder.lessons import pack_root

    root = pack_root()
    return [root, root / "autograder" / "hidden", root / "solutions", HERE, HERE / "hidden"]


# --- the command line ---------------------------------------------------------------------
def worker_env(home: str = "/tmp") -> dict[str, str]:
    """The worker's whole environment: nothing of the grader's leaks in."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def _numpy_dirs() -> list[Path]:
    numpy_dir = Path(np.__file__).resolve().parent
    return [p for p in (numpy_dir, numpy_dir.parent / "numpy.libs") if p.is_dir()]


def _interpreter() -> tuple[Path, Path, list[Path]]:
    """The real interpreter binary, its standard library folder and its shared libraries."""
    exe = Path(os.path.realpath(sys.executable))
    stdlib = Path(os.path.realpath(sysconfig.get_paths()["stdlib"]))
    libs: list[Path] = []
    libdir = sysconfig.get_config_var("LIBDIR")
    if sysconfig.get_config_var("Py_ENABLE_SHARED") and libdir and Path(libdir).is_dir():
        libs = sorted(Path(libdir).glob("libpython*.so*"))
    return exe, stdlib, libs


def bwrap_command(workspace: Path, runtime: Path, config: dict, limits: Limits, userns: int | None,
                  info_fd: int | None = None) -> list[str]:  # fmt: skip
    """The bubblewrap command line: only the libraries, interpreter, numpy and submission visible."""
    cmd = [bwrap_path() or "bwrap", "--die-with-parent", "--new-session", "--unshare-pid"]
    cmd += ["--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    cmd += ["--hostname", "sandbox"]
    if userns is not None:
        cmd += ["--userns", str(userns), "--cap-drop", "ALL"]
        cmd += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_KILL"]
    else:
        cmd += ["--unshare-user", "--uid", str(INNER_UID), "--gid", str(INNER_UID)]
    made: set[str] = set()
    bound: list[Path] = []

    def parents(dest: str) -> None:
        parts = Path(dest).parts
        for i in range(2, len(parts)):
            folder = str(Path(*parts[:i]))
            if folder not in made:
                made.add(folder)
                cmd.extend(["--perms", "0755", "--dir", folder])

    def bind(src: Path, dest: str) -> None:
        parents(dest)
        cmd.extend(["--ro-bind", str(src), dest])
        made.add(dest)
        bound.append(src)

    for folder in ("/usr/lib", "/usr/lib64", "/usr/lib32", "/usr/libx32"):
        path = Path(folder)
        if path.is_dir() and not path.is_symlink():
            bind(path, folder)
    for link in ("/lib", "/lib64", "/lib32", "/libx32"):
        path = Path(link)
        if path.is_symlink():
            cmd += ["--symlink", os.readlink(path), link]
        elif path.is_dir():
            bind(path, link)
    exe, stdlib, libs = _interpreter()
    for path in (exe, *libs):
        if not any(path.is_relative_to(b) for b in bound):
            bind(path, str(path))
    if not any(stdlib.is_relative_to(b) for b in bound):
        bind(stdlib, str(stdlib))
    masks = [stdlib / "site-packages", stdlib / "dist-packages"]
    for path in _numpy_dirs():
        bind(path, f"{SANDBOX_SITE}/{path.name}")
    bind(workspace, SANDBOX_DIR)
    bind(runtime, SANDBOX_RUNTIME)
    from autograder.lessons import pack_root

    for secret in (pack_root(), HERE, *sensitive_paths()):
        masks.append(secret.resolve() if secret.exists() else secret)
    for mask in masks:
        if mask.is_dir() and any(mask.is_relative_to(b) for b in bound):
            cmd += ["--tmpfs", str(mask), "--remount-ro", str(mask)]
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    cmd += ["--perms", "1777", "--size", str(limits.tmp_mb << 20), "--tmpfs", "/tmp"]
    cmd += ["--chdir", "/tmp", "--clearenv"]
    for key, value in worker_env().items():
        cmd += ["--setenv", key, value]
    if info_fd is not None:
        cmd += ["--info-fd", str(info_fd)]
    cmd += [str(exe), "-I", "-S", "-B", f"{SANDBOX_RUNTIME}/worker.py", json.dumps(config)]
    return cmd


def _limit_resources(limits: Limits, isolation: str):
    processes = limits.processes
    if isolation == "none" or not _is_root():  # the limit counts all the user's processes
        processes += len(processes_of_uid(os.getuid()))

    def apply() -> None:
        mem = limits.memory_mb * 2**20
        for res, value in (
            (resource.RLIMIT_AS, mem),
            (resource.RLIMIT_FSIZE, limits.file_size_mb * 2**20),
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_CPU, limits.cpu_seconds),
            (resource.RLIMIT_NPROC, processes),
        ):
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(res, (value, value))

    return apply


def _prctl(option: int, value: int) -> None:
    _libc.prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), 0)


_SUBREAPER: list[bool] = []


def _become_subreaper() -> None:
    """Orphans of the sandbox come to the grader, which kills them, instead of to init."""
    if not _SUBREAPER:
        _prctl(PR_SET_CHILD_SUBREAPER, 1)
        _SUBREAPER.append(True)


# --- the worker ---------------------------------------------------------------------------
class Worker:
    """One sandboxed worker for one submission; restarts itself when its root dies.

    The protocol: on `ctl` the grader sends {"op": "check", "module", "id"} and, when the check
    is over, {"op": "end"}; the root answers {"event": "exited", "id", ...} once every process of
    the check is dead. On `data` the check's child first sends the import's outcome, then one
    reply per call, each tagged with the call's random id.
    """

    def __init__(self, workspace: Path, limits: Limits | None = None, isolation: str = "auto"):
        self.workspace = Path(workspace)
        self.limits = limits or Limits()
        self.isolation = choose_isolation(isolation)
        self.process: subprocess.Popen | None = None
        self.ctl: socket.socket | None = None
        self.data: socket.socket | None = None
        self.lesson: str | None = None
        self.import_errors: dict[str, str] = {}
        self.restarts = 0
        self._check: dict | None = None
        self._pending_exit: int | None = None
        self._init_pid: int | None = None
        self._info_r: int | None = None
        self._slot: UidSlot | None = None
        self._scratch: Path | None = None
        self._runtime = Path(tempfile.mkdtemp(prefix="embedlab-rt-"))
        for name in WORKER_FILES:
            shutil.copy(HERE / name, self._runtime / name)
        self._runtime.chmod(0o755)

    # --- process --------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker process and wait for its greeting; raises SandboxError on failure."""
        if self.process is not None:
            return
        _become_subreaper()
        ctl_ours, ctl_theirs = socket.socketpair()
        data_ours, data_theirs = socket.socketpair()
        fds = [ctl_theirs.fileno(), data_theirs.fileno()]
        limits = self.limits
        config = {
            "ctl_fd": fds[0],
            "data_fd": fds[1],
            "output_cap": limits.output_chars * 4,
            "reply_bytes": limits.reply_mb << 20,
            "protect": [],
            "need_seccomp": self.isolation != "bwrap",  # bwrap has namespaces besides
        }
        uid = None
        if _is_root() and self.isolation in ("bwrap", "uid"):
            if self._slot is None:
                self._slot = UidSlot(limits.sandbox_uid)
            uid = self._slot.uid
        env, cwd = worker_env(), None
        if uid is not None:  # readable by this sandbox's uid, and by no other sandbox
            os.chown(self.workspace, 0, uid)
            os.chmod(self.workspace, 0o750)
        else:
            os.chmod(self.workspace, 0o700)
        if self.isolation == "bwrap":
            userns = _userns_fd(uid) if uid is not None else None
            config.update(dir=SANDBOX_DIR, site=[SANDBOX_SITE], wipe=["/tmp"])
            if userns is not None:
                config["drop"] = [INNER_UID, INNER_UID]
                fds.append(userns)
            info_r, info_w = os.pipe()
            fds.append(info_w)
            cmd = bwrap_command(self.workspace, self._runtime, config, limits, userns, info_w)
        else:
            info_r = info_w = None
            site = sorted({str(p.parent) for p in _numpy_dirs()})
            config.update(dir=str(self.workspace), site=site)
            config["protect"] = [os.getpid()]
            if self.isolation == "uid":
                for folder in self.workspace.resolve().parents:
                    if not folder.stat().st_mode & stat.S_IXOTH:
                        raise SandboxError(f"the sandbox's uid cannot reach {self.workspace}")
                config.update(drop=[uid, uid], reroute=True, wipe=list(SHARED_TMP))
                _protect_paths(sensitive_paths())
                _hide_workspaces()
            else:
                if self._scratch is None:
                    self._scratch = Path(tempfile.mkdtemp(prefix="embedlab-tmp-"))
                config["wipe"] = [str(self._scratch)]
                env = worker_env(str(self._scratch))
                _prctl(PR_SET_DUMPABLE, 0)  # same uid: keep the student out of /proc/<grader>
            exe = os.path.realpath(sys.executable)
            cmd = [exe, "-I", "-S", "-B", str(self._runtime / "worker.py"), json.dumps(config)]
            cwd = str(self.workspace)
        try:
            self.process = subprocess.Popen(
                cmd,
                pass_fds=tuple(fds),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env,
                cwd=cwd,
                preexec_fn=_limit_resources(limits, self.isolation),
                start_new_session=True,
            )
        except OSError as exc:
            raise SandboxError(f"cannot start the worker: {exc}") from None
        finally:
            ctl_theirs.close()
            data_theirs.close()
            if info_w is not None:
                os.close(info_w)
        self.ctl, self.data, self._info_r = ctl_ours, data_ours, info_r
        self._pending_exit, self._init_pid = None, None
        try:
            hello = self._event(START_TIMEOUT)
        except (channel.ChannelError, OSError) as exc:
            detail = self._stderr()
            self.kill()
            raise SandboxError(f"the worker did not start ({exc}){detail}") from None
        if hello.get("event") != "ready":
            self.kill()
            raise SandboxError("the worker did not start")
        if config["need_seccomp"] and not hello.get("seccomp"):
            self.kill()
            raise SandboxError(f"seccomp filters are unknown for {os.uname().machine}; use bwrap")
        if self.process.stderr is not None:
            self.process.stderr.close()
        self._read_info()

    def _stderr(self) -> str:
        with contextlib.suppress(Exception):
            if self.process and self.process.stderr:
                os.set_blocking(self.process.stderr.fileno(), False)
                text = (self.process.stderr.read(2000) or b"").decode(errors="replace").strip()
                return f": {text}" if text else ""
        return ""

    def _read_info(self) -> None:
        if self._info_r is None:
            return
        with contextlib.suppress(OSError, ValueError):
            if select.select([self._info_r], [], [], 1.0)[0]:
                info = json.loads(os.read(self._info_r, 4096).decode())
                self._init_pid = int(info["child-pid"])
        os.close(self._info_r)
        self._info_r = None

    def kill(self) -> None:
        """Kill the worker and everything it started, and wait until all of it is gone."""
        for sock in (self.ctl, self.data):
            if sock is not None:
                sock.close()
        self.ctl = self.data = None
        if self._info_r is not None:
            os.close(self._info_r)
            self._info_r = None
        process, self.process = self.process, None
        if process is not None:
            family = _descendants(process.pid)
            _ORPHANS.update(family)
            if self._init_pid is not None:  # the sandbox's pid 1: the kernel kills the rest
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(self._init_pid, signal.SIGKILL)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=5.0)  # bwrap leaves once its namespace is empty
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            for pid in [process.pid, *family, *_descendants(process.pid)]:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            process.wait()
            for _ in range(100):  # orphans left to the grader, until none is alive
                alive = [p for p in _descendants(os.getpid()) if p in _ORPHANS]
                alive = [p for p in alive if _state(p) not in ("Z", "X", "")]
                if not alive:
                    break
                for pid in alive:
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
                time.sleep(0.002)
            _reap_orphans()
        if self._slot is not None:
            sweep_uid(self._slot.uid)
            _reap_orphans()
        self._pending_exit, self._init_pid = None, None
        if self._check is not None and self._check["id"] is not None:
            self._check["dead"] = self._check["dead"] or "the sandbox ended"

    def close(self) -> None:
        """Stop the worker, remove its files and whatever its uid left in shared folders."""
        self.kill()
        if self._slot is not None:
            if self.isolation == "uid":
                _remove_owned(SHARED_TMP, self._slot.uid)
            self._slot.release()
            self._slot = None
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
        shutil.rmtree(self._runtime, ignore_errors=True)

    # --- the control channel --------------------------------------------------------------
    def _event(self, timeout: float) -> dict:
        assert self.ctl is not None
        event = channel.receive(self.ctl, timeout, 1 << 20)
        if type(event) is not dict:
            raise channel.ChannelError("the worker's root sent something odd")
        return event

    def _settle(self) -> None:
        """Wait for the end of the check we asked to end: then nothing of it is running."""
        if self._pending_exit is None:
            return
        expected, self._pending_exit = self._pending_exit, None
        try:
            event = self._event(max(5.0, self.limits.import_timeout))
        except (channel.ChannelError, OSError):
            self.kill()
            return
        if event.get("event") != "exited" or event.get("id") != expected:
            self.kill()
            return
        channel.drain(self.data)

    # --- compatibility with the grading session -------------------------------------------
    def enter_lesson(self, module: str) -> None:
        """Raise StudentImportFailed if `module` is already known not to import."""
        if module in self.import_errors:
            raise StudentImportFailed(self.import_errors[module])

    def leave_lesson(self) -> None:
        """End any open check (each check imports its lesson's module afresh)."""
        self.end_check()

    def begin_check(self, module: str) -> None:
        """Open a check on `module`; its process starts with the first call."""
        self.end_check()
        self.enter_lesson(module)
        self.lesson = module
        self._check = {"module": module, "id": None, "imported": False, "dead": None}

    def end_check(self) -> None:
        """End the open check; its processes die before the next check's first call."""
        check, self._check = self._check, None
        if check is None or check["id"] is None or check["dead"] is not None:
            return
        self._end(check, None)

    def _end(self, check: dict, why: str | None) -> None:
        check["dead"] = why or "the check has ended"
        if self.ctl is None:
            return
        try:
            channel.send(self.ctl, {"op": "end"}, timeout=2.0)
            self._pending_exit = check["id"]
        except (channel.ChannelError, OSError):
            self.kill()

    def _open(self, check: dict) -> None:
        if self.process is None:
            self.start()
            self.restarts += 1
        self._settle()
        if self.process is None:
            self.start()
            self.restarts += 1
        check["id"] = secrets.randbits(62)
        try:
            channel.send(
                self.ctl, {"op": "check", "module": check["module"], "id": check["id"]}, 2.0
            )
        except (channel.ChannelError, OSError):
            self.kill()
            raise StudentCrash("the sandbox stopped answering") from None
        check["buffer"] = bytearray()

    # --- calls ----------------------------------------------------------------------------
    def call(self, fn: str, args: tuple, kwargs: dict, timeout: float | None = None) -> dict:
        """Call the student's `fn` in the check's process and return the worker's reply."""
        check = self._check
        if check is None:
            raise StudentCrash("no check is open")
        if check["dead"] is not None:
            raise StudentCrash(f"the process of this check is gone ({check['dead']})")
        if check["id"] is None:
            self._open(check)
        call_id = secrets.randbits(62)
        try:
            frame = channel.pack(
                {"id": call_id, "fn": fn, "args": tuple(args), "kwargs": dict(kwargs)}
            )
        except Exception as exc:
            raise SandboxError(f"the grader cannot send these arguments: {exc}") from None
        timeout = self.limits.call_timeout if timeout is None else timeout
        waiting = timeout + (0.0 if check["imported"] else self.limits.import_timeout)
        try:
            channel.send_frame(self.data, frame, max(waiting, 1.0))
        except (channel.ChannelError, OSError):
            self._end(check, "it stopped reading")
            raise StudentCrash(
                f"your code stopped reading the grader's calls before {fn}()"
            ) from None
        before = ""
        if not check["imported"]:
            reply = self._reply(check, check["id"], self.limits.import_timeout, "importing")
            module = check["module"]
            if reply.get("ok") is not True:
                error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
                message = (
                    f"importing {module}.py raised {error.get('type', 'an error')}: "
                    f"{error.get('message', '')}\n{error.get('traceback', '')}"
                ).rstrip()
                self._import_failed(check, message)
            check["imported"] = True
            before = str(reply.get("out", ""))
        reply = self._reply(check, call_id, timeout, f"{fn}()")
        if before:
            reply["out"] = before + str(reply.get("out", ""))
        return reply

    def _import_failed(self, check: dict, message: str):
        self.import_errors[check["module"]] = message
        self._end(check, "its module did not import")
        raise StudentImportFailed(message)

    def _reply(self, check: dict, want: int, timeout: float, what: str) -> dict:
        """Read the reply tagged `want`, watching the root for the check's process dying."""
        buf: bytearray = check["buffer"]
        cap = self.limits.reply_mb << 20
        deadline = time.monotonic() + timeout
        while True:
            if len(buf) >= 4:
                size = int.from_bytes(buf[:4], "big")
                if size > cap:
                    self._end(check, "its reply was too big")
                    raise StudentCrash(
                        f"{what} sent back {size >> 20} MB, over the {self.limits.reply_mb} MB limit"
                    )
                if len(buf) >= 4 + size:
                    body = bytes(buf[4 : 4 + size])
                    del buf[: 4 + size]
                    return self._check_reply(check, body, want, what)
            left = deadline - time.monotonic()
            ready = (
                select.select([self.data, self.ctl], [], [], max(left, 0))[0] if left > 0 else []
            )
            if self.data in ready:
                try:
                    chunk = self.data.recv(1 << 20)
                except OSError:
                    chunk = b""
                if chunk:
                    buf += chunk
                    continue
            if self.ctl in ready:
                self._died(check, what)
            if not ready:
                self._end(check, "it timed out")
                if what == "importing":
                    self._import_failed(
                        check,
                        f"importing {check['module']}.py did not finish within "
                        f"{self.limits.import_timeout:g} s",
                    )
                raise StudentTimeout(f"{what} did not return within {timeout:g} s")

    def _check_reply(self, check: dict, body: bytes, want: int, what: str) -> dict:
        try:
            reply = channel.unpack(body)
        except channel.ChannelError as exc:
            self._end(check, "it sent a malformed reply")
            raise StudentCrash(f"{what} sent the grader a malformed reply ({exc})") from None
        if type(reply) is not dict or reply.get("id") != want:
            self._end(check, "it sent a stray message")
            raise StudentCrash(
                f"{what}: your code wrote something to the grader that is not a reply"
            )
        if what == "importing" and reply.get("import") is not True:
            self._end(check, "it sent a stray message")
            raise StudentCrash("your module wrote something to the grader while importing")
        if reply.get("too_big"):
            raise StudentCrash(
                f"{what} sent back {int(reply['too_big']) >> 20} MB, "
                f"over the {self.limits.reply_mb} MB limit"
            )
        return reply

    def _died(self, check: dict, what: str):
        """The root reported the check's end, or went away."""
        try:
            event = self._event(1.0)
        except (channel.ChannelError, OSError):
            self.kill()
            check["dead"] = "the sandbox ended"
            raise StudentCrash(f"the sandbox ended during {what}") from None
        if event.get("event") != "exited" or event.get("id") != check["id"]:
            self.kill()
            check["dead"] = "the sandbox misbehaved"
            raise StudentCrash(f"the sandbox misbehaved during {what}")
        check["dead"] = "it ended"
        channel.drain(self.data)
        message = f"your code ended its process during {what} ({_status(event)})"
        if what == "importing":
            self.import_errors[check["module"]] = message.replace(
                " during importing", " while importing"
            )
            raise StudentImportFailed(self.import_errors[check["module"]])
        raise StudentCrash(message)


def _remove_owned(folders: tuple[str, ...], uid: int) -> None:
    """Remove the entries of shared folders that a sandbox uid created."""
    for folder in folders:
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                with contextlib.suppress(OSError):
                    if entry.stat(follow_symlinks=False).st_uid != uid:
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)


def _status(reply: dict) -> str:
    if "signal" in reply:
        try:
            name = signal.Signals(int(reply["signal"])).name
        except (ValueError, TypeError):
            name = str(reply["signal"])
        return f"killed by {name}"
    return f"exit code {reply.get('code')}"
