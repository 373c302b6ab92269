"""Run independent tasks on several cores: forked copies of this process share one queue.

The queue is a pipe holding one byte per task, filled and closed before any fork: each
process reads one byte at a time (a pipe read of one byte is atomic), so every task is taken
exactly once, and a process that finishes early takes more. Each forked process writes a JSON
line per finished task to a file of its own; the parent reads them once the process is gone.
A task whose process died or ran past its time is run again by the parent, so none is lost.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

from autograder import processes

# A session: entered once per process, it yields the function that runs one task (by index)
# and returns a JSON-able result; leaving it frees what the process held (e.g. its sandbox).
Session = Callable[[], AbstractContextManager[Callable[[int], Any]]]

MAX_TASKS = 256


def available_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def spread(order: Sequence[int], jobs: int, session: Session, budget: float) -> dict[int, Any]:
    """Run the tasks `order` (indices, most expensive first) on `jobs` processes; index -> result.

    `budget` bounds, in seconds, how long the parent waits for a forked process once its own
    share is done; past it the process is killed and its unfinished tasks run in the parent.
    """
    tasks = list(order)
    if len(tasks) > MAX_TASKS or any(not 0 <= i < MAX_TASKS for i in tasks):
        raise ValueError(
            f"at most {MAX_TASKS} tasks can be spread, numbered 0 to {MAX_TASKS - 1}: got "
            f"{len(tasks)} tasks, numbered {min(tasks)} to {max(tasks)}"
        )
    jobs = max(1, min(jobs, len(tasks)))
    if jobs == 1:
        with session() as run:
            return {i: run(i) for i in tasks}
    queue_r, queue_w = os.pipe()
    os.write(queue_w, bytes(tasks))  # at most 256 bytes: never blocks
    os.close(queue_w)
    forked = []
    try:
        for _ in range(jobs - 1):
            forked.append(_fork(queue_r, session))
        results = dict(_take_all(queue_r, session))
    finally:
        os.close(queue_r)
        done = _collect(forked, budget)
    for i, result in done.items():
        results.setdefault(i, result)
    lost = [i for i in tasks if i not in results]
    if lost:  # a forked process died or hung: the parent runs its tasks again
        with session() as run:
            results.update({i: run(i) for i in lost})
    return results


def _take(queue: int) -> Iterator[int]:
    while True:
        byte = os.read(queue, 1)
        if not byte:
            return
        yield byte[0]


def _take_all(queue: int, session: Session) -> Iterator[tuple[int, Any]]:
    taken = _take(queue)
    first = next(taken, None)
    if first is None:
        return
    with session() as run:
        yield first, run(first)
        for i in taken:
            yield i, run(i)


def _fork(queue: int, session: Session) -> tuple[int, int | None, Any]:
    """Fork a process that runs tasks from the queue into a private file of results."""
    out = tempfile.TemporaryFile()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - measured through the parent's results
        code = 0
        try:
            processes._SUBREAPER.clear()  # the subreaper flag is not inherited: set it again
            processes.ORPHANS.clear()  # the parent's, not ours
            processes.FORKED.clear()
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: end quietly; parent reports
            for i, result in _take_all(queue, session):
                out.write(json.dumps([i, result]).encode() + b"\n")
                out.flush()
        except BaseException:  # noqa: BLE001 - the parent runs the rest again
            traceback.print_exc(file=sys.stderr)
            code = 1
        finally:
            with contextlib.suppress(BaseException):
                sys.stderr.flush()
            os._exit(code)
    processes.FORKED.add(pid)  # the parent's orphan reaping leaves it alone
    return pid, processes.pidfd(pid), out


def _collect(forked: list[tuple[int, int | None, Any]], budget: float) -> dict[int, Any]:
    """Wait for each forked process (killing it past the budget) and read its results."""
    deadline = time.monotonic() + budget
    results: dict[int, Any] = {}
    for pid, fd, out in forked:
        try:
            _wait(pid, fd, deadline)
        finally:
            processes.FORKED.discard(pid)
            if fd is not None:
                os.close(fd)
        with out:
            out.seek(0)
            for line in out.read().splitlines():
                with contextlib.suppress(ValueError, TypeError):
                    i, result = json.loads(line)
                    results[int(i)] = result
    return results


def _wait(pid: int, fd: int | None, deadline: float) -> None:
    """Reap `pid`, killing it and all it started once the deadline has passed.

    The pidfd, opened right after the fork, names this very process even if its pid were
    reused; the pid is ours until we reap it, so killing by pid is safe until then.
    """
    while True:
        try:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                return
        except ChildProcessError:  # already reaped: nothing of ours to kill under that pid
            return
        left = deadline - time.monotonic()
        if left <= 0:
            break
        if fd is not None:
            select.select([fd], [], [], left)
        else:
            time.sleep(min(left, 0.01))
    family = processes.descendants(pid)
    processes.ORPHANS.update(family)  # they come back to us, the subreaper, once their parent dies
    for p in family:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(p, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if fd is not None:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    time.sleep(0.01)  # let the killed ones become zombies of ours, then reap them
    processes.reap_orphans()
