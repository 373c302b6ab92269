"""Choose the isolation, describe it for reports, and build the bubblewrap command line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import numpy as np

from autograder.cgroup import memory_cgroups
from autograder.limits import Limits
from autograder.uids import INNER_UID, UID_SLOTS, SandboxError, is_root, userns_fd

HERE = Path(__file__).resolve().parent
SANDBOX_DIR = "/submission"
SANDBOX_RUNTIME = "/embedlab"
SANDBOX_SITE = "/site"
ISOLATIONS = ("bwrap", "uid", "none")

_ISOLATION: dict[str, str] = {}


def bwrap_path() -> str | None:
    """The bubblewrap binary, if installed."""
    return shutil.which("bwrap")


def _bwrap_works(bwrap: str) -> bool:
    cmd = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--die-with-parent"]
    fds: tuple[int, ...] = ()
    try:
        if is_root():
            fd = userns_fd(Limits().sandbox_uid + UID_SLOTS)
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
        if is_root():
            raise RuntimeError("--isolation none would run student code as root; use uid or bwrap")
        return "none"
    if wanted == "uid":
        if not is_root():
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
    return "uid" if is_root() else "none"


def describe_isolation(kind: str, limits: Limits | None = None) -> str:
    """One line for reports: what isolated the student's code."""
    lim = limits or Limits()
    if kind != "none" and memory_cgroups() is not None:
        together = f"all its processes together {lim.sandbox_memory_mb} MB of memory (a cgroup); "
    else:
        together = "no limit on its processes' memory together (no memory cgroup here); "
    common = (
        "seccomp (no sockets, ptrace, IPC, memfds or namespaces); " + together + "per process "
        f"{lim.memory_mb} MB of memory, {lim.cpu_seconds} s of CPU, files up to "
        f"{lim.file_size_mb} MB, {lim.open_files} open files; "
        f"{lim.call_timeout:g} s per call, {lim.import_timeout:g} s to import, "
        f"{lim.lesson_timeout:g} s per lesson; "
        "a fresh process per check, killed with all it started"
    )
    if kind == "bwrap":
        who = "a dedicated unprivileged uid" if is_root() else "the grader's uid mapped"
        return (
            "bwrap: bubblewrap with new user, pid, network, ipc and uts namespaces; a read-only "
            "view of the system libraries, the interpreter, numpy and the submission only; "
            f"private /tmp of {lim.tmp_mb} MB; checks run as {who}, at most "
            f"{lim.processes} processes; " + common
        )
    if kind == "uid":
        return (
            "uid: no namespaces (bubblewrap not used); checks run as a dedicated unprivileged "
            "uid that cannot read the hidden checks, solutions, reports, secret file or "
            "the run's other submissions (closed to other users), but can read what every "
            f"user may; at most {lim.processes} processes; " + common
        )
    return (
        "none: no namespaces and no separate uid (bubblewrap not used, grader not root); "
        "the student's code can read what the grader's user can; " + common
    )


def sensitive_paths() -> list[Path]:
    """What the student's code must never read: the pack (hidden checks, solutions, examples,
    tests) and the grader's package; under the uid fallback they lose every permission for
    other users, which is what the sandbox's uid is."""
    from autograder.lessons import pack_root

    root = pack_root()
    return [root, root / "autograder" / "hidden", root / "solutions", HERE, HERE / "hidden"]


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


def numpy_dirs() -> list[Path]:
    """numpy's folder and that of the libraries it ships, which the worker needs."""
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
    for path in numpy_dirs():
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
