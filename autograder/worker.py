"""The sandboxed worker: a trusted root that never runs student code, and one child per check.

The grader starts this script inside the sandbox with two sockets: `ctl`, on which the grader
asks the root for checks and the root reports how each one ended, and `data`, on which the
grader calls the student's functions. For each check the root hands over a child forked
from itself that imports the student's module afresh, and serves calls on `data` until the
root kills it. Children close `ctl` before anything else, drop to the sandbox uid, lose every
privilege, and run under a seccomp filter; so student code can neither speak for the root nor
learn from earlier checks. The root is a child subreaper: whatever a check started is killed
before the root reports the check's end.

To hide the cost of fork and import, the root forks the next check's child while a check runs;
that child waits, and only imports the module once the running check has been reaped.
Runs with the standard library, numpy and the modules copied next to it (WORKER_FILES in
launch.py); it is started as a script, which sets up their imports and starts the root.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PRELOAD = (
    "numpy",
    "numpy.linalg",
    "numpy.random",
    "math",
    "cmath",
    "collections",
    "itertools",
    "functools",
    "heapq",
    "bisect",
    "typing",
    "re",
    "json",
    "unicodedata",
    "dataclasses",
    "string",
    "random",
    "operator",
    "importlib.util",
)


def _reroute_paths(path_fds: dict, uid: int) -> None:
    """Make import folders the sandbox's uid cannot reach usable through descriptors opened here.

    Run once in the root, before any check is forked: /proc/self/fd/N names the same folder in
    every child, which inherits the descriptor, whatever the permissions of the folders above it.
    """
    blocked = []
    os.seteuid(uid)
    try:
        blocked = [p for p in path_fds if not os.access(p, os.X_OK, effective_ids=True)]
    finally:
        os.seteuid(0)
    routes = {p: f"/proc/self/fd/{path_fds[p]}" for p in blocked}
    if not routes:
        return

    def swap(path: str) -> str:
        for prefix, via in routes.items():
            if path == prefix or path.startswith(prefix + os.sep):
                return via + path[len(prefix) :]
        return path

    sys.path[:] = [swap(p) for p in sys.path]
    for module in list(sys.modules.values()):
        paths = getattr(module, "__path__", None)
        if isinstance(paths, list):
            paths[:] = [swap(p) if isinstance(p, str) else p for p in paths]
    sys.path_importer_cache.clear()
    for name in ("collections.abc", "typing", "statistics", "fractions", "decimal", "array"):
        try:
            __import__(name)  # warm the new finders, so that children inherit their caches
        except ImportError:
            pass


def _preload() -> None:
    for name in PRELOAD:
        try:
            __import__(name)
        except ImportError:
            pass


def _open_path_fds(config: dict) -> None:
    """When the root will drop privileges, keep descriptors to the import folders it can read."""
    if not config.get("drop") or not config.get("reroute"):
        return
    fds = {}
    for path in sys.path:
        if path and os.path.isdir(path):
            fds[path] = os.open(path, os.O_PATH | os.O_DIRECTORY)
    config["path_fds"] = fds
    _reroute_paths(fds, config["drop"][0])


def main(argv: list[str] | None = None) -> None:
    """Entry point: `worker.py CONFIG_JSON`; serves checks until the grader hangs up."""
    argv = sys.argv[1:] if argv is None else argv
    config = json.loads(argv[0])
    for path in reversed([HERE, *config.get("site", [])]):
        sys.path.insert(0, path)
    import codec
    from processes import PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE, prctl
    from root import Root

    codec.CACHING = True
    _preload()
    sys.path.append(config["dir"])
    ctl = socket.socket(fileno=config["ctl_fd"])
    data = socket.socket(fileno=config["data_fd"])
    config["reply_bytes"] = int(config.get("reply_bytes", 1 << 30))
    config["protect"] = [int(p) for p in config.get("protect", [])] + [os.getpid()]
    _open_path_fds(config)
    prctl(PR_SET_DUMPABLE, 0)
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    import gc

    from child import rehearse

    rehearse()
    gc.collect()
    gc.freeze()  # the children's collections then leave the root's objects (and pages) alone
    Root(config, ctl, data).serve()


if __name__ == "__main__":
    main()
