"""A memory cgroup per sandbox: one limit on the memory of all its processes together.

Rlimits bound each process, and a check may start several (up to the process limit), so
without a cgroup a sandbox could hold that many times the per-process limit. Where the grader
may make cgroups (root, with cgroup v1's memory controller mounted writable, as on Debian
with the hybrid hierarchy), each sandbox gets one of its own, made below the grader's own
cgroup, so that whatever accounts for the grader (a service manager, a benchmark) still counts
the sandbox. Elsewhere there is none, and the reports say so.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import signal
import sys
import time
from pathlib import Path

MEMORY = Path("/sys/fs/cgroup/memory")
_NAMES = itertools.count()


@functools.cache
def memory_cgroups() -> Path | None:
    """The grader's own memory cgroup, if sandboxes can have cgroups below it; else None."""
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if "memory" not in controllers.split(","):
                continue
            own = MEMORY / path.lstrip("/")
            limit = own / "memory.limit_in_bytes"
            if limit.is_file() and os.access(own, os.W_OK):
                return own
    return None


class MemoryCgroup:
    """One sandbox's memory cgroup: made with its limit, joined by the sandbox, then removed."""

    def __init__(self, path: Path, limit_mb: int):
        self.path, self.limit_mb = path, limit_mb
        self._oom_seen = self.oom_kills()

    @classmethod
    def create(cls, limit_mb: int) -> MemoryCgroup | None:
        """A new cgroup holding at most `limit_mb` MB; None where sandboxes get no cgroup.

        Raises OSError if cgroups are available but this one cannot be made: a sandbox must
        not run with less isolation than the reports say.
        """
        parent = memory_cgroups()
        if parent is None:
            return None
        path = parent / f"embedlab-{os.getpid()}-{next(_NAMES)}"
        path.mkdir()
        try:
            limit = str(limit_mb << 20)
            (path / "memory.limit_in_bytes").write_text(limit)
            swap = path / "memory.memsw.limit_in_bytes"  # present where swap is accounted
            if swap.is_file():
                swap.write_text(limit)  # memory and swap together: swapping escapes nothing
        except OSError:
            with contextlib.suppress(OSError):
                path.rmdir()
            raise
        return cls(path, limit_mb)

    def join(self) -> None:
        """Move the calling process, and so all it will start, into the cgroup (a preexec_fn)."""
        with open(self.path / "cgroup.procs", "w") as f:
            f.write(str(os.getpid()))

    def oom_kills(self) -> int:
        """How many of its processes the kernel has killed for want of memory so far."""
        with contextlib.suppress(OSError, ValueError):
            for line in (self.path / "memory.oom_control").read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        return 0

    def ran_out(self) -> bool:
        """Whether the kernel killed one of its processes for want of memory since last asked."""
        now = self.oom_kills()
        seen, self._oom_seen = self._oom_seen, now
        return now > seen

    def remove(self) -> None:
        """Kill whatever is still in the cgroup, then remove it (or say it could not)."""
        error: OSError | None = None
        for _ in range(500):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError as exc:  # processes in it still: the sandbox's, so ours to kill
                error = exc
                with contextlib.suppress(OSError, ValueError):
                    for pid in (self.path / "cgroup.procs").read_text().split():
                        with contextlib.suppress(ProcessLookupError, PermissionError):
                            os.kill(int(pid), signal.SIGKILL)
                time.sleep(0.002)
        print(f"embedlab: cannot remove the sandbox's memory cgroup {self.path}: {error}",
              file=sys.stderr)  # fmt: skip
