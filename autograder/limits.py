"""The limits the grader puts on student code, and the rlimits that hold them in the worker."""

from __future__ import annotations

import contextlib
import math
import os
import resource
from collections.abc import Callable
from dataclasses import dataclass, fields

from autograder.cgroup import MemoryCgroup
from autograder.processes import processes_of_uid
from autograder.uids import is_root

OOM_SCORE_ADJ = 1000  # the most: the kernel's first choice when memory runs out
# Below these the sandbox itself cannot start (an interpreter with numpy needs about 150 MB of
# address space and a few dozen descriptors; a check needs its process and the next one's).
MINIMUM = {"memory_mb": 256, "sandbox_memory_mb": 256, "open_files": 32, "processes": 4}


@dataclass(frozen=True)
class Limits:
    """Every limit the grader puts on student code; each can be configured (`--limit k=v`)."""

    call_timeout: float = 2.0  # seconds of wall time per call (a check may ask for more)
    import_timeout: float = 5.0  # seconds of wall time to import the module, per check
    lesson_timeout: float = 60.0  # seconds of wall time for all of a lesson's checks
    memory_mb: int = 1024  # address space per process
    sandbox_memory_mb: int = 1024  # memory of a sandbox's processes together (memory cgroup)
    processes: int = 16  # processes of the sandbox's uid at once (bwrap/uid as root)
    file_size_mb: int = 8  # largest file a check may write
    tmp_mb: int = 16  # size of the private /tmp (bwrap)
    cpu_seconds: int = 120  # CPU time per process
    reply_mb: int = 64  # largest reply a call may send back
    output_chars: int = 2000  # characters of the student's output kept per check
    open_files: int = 128  # descriptors per process; also caps those sent in flight on a socket
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
            if name not in kinds:
                known = ", ".join(kinds)
                raise ValueError(
                    f"unknown limit {item!r}; use name=value with a name among {known}"
                )
            if not eq:
                raise ValueError(f"limit {name} needs a value: {name}=VALUE")
            whole = kinds[name] not in (float, "float")
            try:
                value = int(text) if whole else float(text)
            except ValueError:
                kind = "a whole number" if whole else "a number"
                raise ValueError(f"limit {name} needs {kind}, got {text!r}") from None
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"limit {name} must be a positive finite number, got {text!r}")
            if value < MINIMUM.get(name, 0):
                raise ValueError(
                    f"limit {name} must be at least {MINIMUM[name]}, or the sandbox cannot "
                    f"start, got {text!r}"
                )
            values[name] = value
        return cls(**values)


def limit_resources(
    limits: Limits, isolation: str, cgroup: MemoryCgroup | None = None
) -> Callable[[], None]:
    """What sets the rlimits (and joins the memory cgroup) in the worker's process before it
    starts (its preexec_fn)."""
    processes = limits.processes
    if isolation == "none" or not is_root():  # the limit counts all the user's processes
        processes += len(processes_of_uid(os.getuid()))

    def apply() -> None:
        mem = limits.memory_mb * 2**20
        for res, value in (
            (resource.RLIMIT_AS, mem),
            (resource.RLIMIT_FSIZE, limits.file_size_mb * 2**20),
            (resource.RLIMIT_CORE, 0),
            (resource.RLIMIT_CPU, limits.cpu_seconds),
            (resource.RLIMIT_NPROC, processes),
            (resource.RLIMIT_NOFILE, limits.open_files),
        ):
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(res, (value, value))
        # Should the machine run short of memory, the kernel kills the sandbox's processes
        # (which inherit this, and cannot lower it) before the grader or anything else.
        with contextlib.suppress(OSError), open("/proc/self/oom_score_adj", "w") as f:
            f.write(str(OOM_SCORE_ADJ))
        if cgroup is not None:  # not suppressed: without it the sandbox must not start
            cgroup.join()

    return apply
