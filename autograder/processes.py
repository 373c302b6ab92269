"""Find, kill and reap processes through /proc and prctl, for the grader and the worker alike.

The worker imports this file from its folder in the sandbox, so it needs only the standard library.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import time

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_CHILD_SUBREAPER = 36

libc = ctypes.CDLL(None, use_errno=True)
_libc_gil = ctypes.PyDLL(None, use_errno=True)  # calls that keep the GIL held: fork below


def bare_fork() -> int:
    """fork(2) without CPython's at-fork work, for the worker's single-threaded root only.

    os.fork() reinitialises threads, locks and the random module in the child and runs every
    registered at-fork hook; in a forked interpreter each page that work writes to is copied,
    which costs a check about 200 page faults. The root runs no other thread and holds no
    lock across the call, so the child needs none of it; the GIL stays held throughout.
    """
    pid = _libc_gil.fork()
    if pid < 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))
    return pid


_ULONGS: dict[int, ctypes.c_ulong] = {}


def _ulong(value: int) -> ctypes.c_ulong:
    if value not in _ULONGS:
        _ULONGS[value] = ctypes.c_ulong(value)
    return _ULONGS[value]


def prepare_prctl(*args: int) -> None:
    """Make the ctypes arguments of prctl calls with these values now, before forking checks.

    In a forked check every object made writes to pages that are then copied; arguments made
    once in the root are shared by every check.
    """
    for arg in (0, *args):
        _ulong(arg)


def prctl(option: int, arg: int = 0) -> int:
    """Call prctl(2); returns its result (-1 on error)."""
    zero = _ulong(0)
    return libc.prctl(option, _ulong(arg), zero, zero, zero)


def pidfd(pid: int) -> int | None:
    """A pidfd for `pid` (readable once the process has ended), or None where there is none."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


# --- reading /proc --------------------------------------------------------------------------
def _stat(pid: int | str) -> list[bytes]:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces and ')')."""
    with open(f"/proc/{pid}/stat", "rb") as f:
        data = f.read()
    return data[data.rindex(b")") + 2 :].split()


def _status(pid: int | str) -> dict[bytes, list[bytes]]:
    """The first word of each field of /proc/<pid>/status (State, Uid: the real uid, ...)."""
    with open(f"/proc/{pid}/status", "rb") as f:
        lines = f.read(2048).split(b"\n")
    return {line.split(b":")[0]: line.split()[1:2] for line in lines if b":" in line}


def state(pid: int) -> str:
    """The state letter of a process (R, S, Z, ...), or "" if it is gone."""
    try:
        return _stat(pid)[0][:1].decode()
    except (OSError, ValueError, IndexError):
        return ""


def children(pid: int | None = None) -> list[int]:
    """The children of a process (of this one by default; orphans come here: we are a subreaper)."""
    found: list[int] = []
    where = "self" if pid is None else str(pid)
    try:
        for tid in os.listdir(f"/proc/{where}/task"):
            with open(f"/proc/{where}/task/{tid}/children", "rb") as f:
                found += [int(x) for x in f.read().split()]
        return found
    except FileNotFoundError:
        if pid is not None:
            return found
    except OSError:
        return found
    me = os.getpid() if pid is None else pid
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if int(_stat(name)[1]) == me:
                    found.append(int(name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def descendants(pid: int, skip: set[int] | frozenset[int] = frozenset()) -> list[int]:
    """The children of a process, their children, and so on down (leaving out `skip`'s trees)."""
    out, todo = [], [pid]
    while todo:
        kids = [k for k in children(todo.pop()) if k not in skip]
        out += kids
        todo += kids
    return out


def processes_of_uid(uid: int) -> list[int]:
    """Live processes (not zombies) whose real uid is `uid`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = _status(name)
        except OSError:
            continue
        alive = fields.get(b"State") not in ([b"Z"], [b"X"])
        if fields.get(b"Uid") == [str(uid).encode()] and alive:
            found.append(int(name))
    return found


# --- killing ----------------------------------------------------------------------------------
def kill_as(uid: int) -> None:
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


def reap_all(keep: set[int] = frozenset()) -> None:
    """Kill and reap every process below this one but those in `keep`.

    Every process is stopped before any is killed, so a fork bomb cannot outrun the killing:
    a stopped process cannot fork, and each round finds the few born since the last.
    """
    stopped: set[int] = set()
    for _ in range(10000):
        todo, seen, new = [p for p in children() if p not in keep], set(), []
        while todo:
            pid = todo.pop()
            if pid in seen:
                continue
            seen.add(pid)
            if pid not in stopped:
                new.append(pid)
            todo += children(pid)
        if not new:
            break
        for pid in new:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                pass
        stopped.update(new)
    for pid in stopped:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    while True:
        pids = [p for p in children() if p not in keep]
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def nuke(uid: int) -> None:
    """Kill every process of `uid` at once: kill(-1) is atomic, so even a fork bomb cannot escape.

    A helper forked from the root takes the uid and signals everything it may signal; the root
    then reaps what comes back to it.
    """
    kill_as(uid)
    reap_all()


# --- the grader's side ------------------------------------------------------------------------
ORPHANS: set[int] = set()  # a killed worker's processes, which may come to the grader late
# Graders forked by spread(): never a sandbox's orphan, whatever pid a dead orphan had.
FORKED: set[int] = set()
_SUBREAPER: list[bool] = []


def become_subreaper() -> None:
    """Orphans of the sandbox come to the grader, which kills them, instead of to init."""
    if not _SUBREAPER:
        prctl(PR_SET_CHILD_SUBREAPER, 1)
        _SUBREAPER.append(True)


def sweep_uid(uid: int, timeout: float = 5.0) -> None:
    """Kill every process of `uid` and wait until none is left (root only)."""
    deadline = time.monotonic() + timeout
    while True:
        pids = processes_of_uid(uid)
        if not pids or time.monotonic() > deadline:
            break
        kill_as(uid)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        reap_orphans(uid)
        time.sleep(0.002)
    reap_orphans(uid)


def reap_orphans(uid: int | None = None) -> None:
    """Reap zombie children that sandbox processes left to the grader (a child subreaper)."""
    for pid in children(os.getpid()):
        if pid in FORKED:
            continue
        with contextlib.suppress(OSError):
            fields = _status(pid)
            if fields.get(b"State") != [b"Z"]:
                continue
            if pid in ORPHANS or (uid is not None and fields.get(b"Uid") == [str(uid).encode()]):
                os.waitpid(pid, os.WNOHANG)
                ORPHANS.discard(pid)


def prune_orphans() -> None:
    """Forget orphans that are no longer our children: their pids may be reused by anyone."""
    ORPHANS.intersection_update(set(children(os.getpid())) - FORKED)
