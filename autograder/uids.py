"""The sandbox's uids: the user namespace mapping one, a worker's uid slot, what they may read."""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import stat
import tempfile
from pathlib import Path

from autograder.processes import libc, sweep_uid

INNER_UID = 1000
UID_SLOTS = 256
CLONE_NEWUSER = 0x10000000

_USERNS: dict[int, int] = {}


def is_root() -> bool:
    """Whether the grader runs as root (only root can give the sandbox a uid of its own)."""
    return os.geteuid() == 0


class SandboxError(RuntimeError):
    """The sandbox could not be set up: a problem of the grading machine, not of the student."""


def userns_fd(outer_uid: int) -> int:
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
            if libc.unshare(CLONE_NEWUSER) != 0:
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


SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")
SKIP_SCAN = ("/proc", "/sys")


@functools.cache
def shared_folders(depth: int = 3) -> tuple[str, ...]:
    """Folders every user may write to (the usual temporary ones, and any other found down to
    `depth` levels below /, such as /run/lock): what a sandbox uid writes there outlives its
    check unless the grader removes it. Found once per process (a few ms)."""
    found = set(SHARED_TMP)
    todo = [("/", 0)]
    while todo:
        folder, level = todo.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.path in SKIP_SCAN:
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if not stat.S_ISDIR(info.st_mode):
                continue
            if info.st_mode & stat.S_IWOTH:
                found.add(entry.path)
            if level + 1 < depth:
                todo.append((entry.path, level + 1))
    return tuple(sorted(found))


def protect_paths(paths: list[Path]) -> None:
    """Make files and folders unreadable by other users (the sandbox uid is one); a folder's
    content is left as it is, closed behind it."""
    for path in paths:
        with contextlib.suppress(OSError):
            mode = path.stat().st_mode
            if mode & 0o007:
                os.chmod(path, stat.S_IMODE(mode) & ~0o007)


def hide_workspaces(uid: int | None = None, keep: Path | None = None) -> None:
    """Close other submissions' workspaces that this sandbox's uid could still read.

    A worker gives its own workspace to its sandbox uid's group when it starts; a workspace
    still group root and readable by others belongs to no running sandbox yet, and one whose
    group is `uid` (the uid slot this worker holds, so no other live worker has it) was left
    by a grader that was killed: no sandbox may read either.
    """
    mine = Path(keep).resolve() if keep is not None else None
    for path in Path(tempfile.gettempdir()).glob("embedlab-ws-*"):
        if path.resolve() == mine:
            continue
        with contextlib.suppress(OSError):
            info = path.lstat()
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0:
                continue
            stale = uid is not None and info.st_gid == uid
            if stale or (info.st_gid == 0 and info.st_mode & 0o007):
                os.chown(path, 0, 0)
                os.chmod(path, 0o700)
