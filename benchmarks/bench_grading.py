"""Grading speed with and without the sandbox: one full submission, a batch, and the overhead.

    python benchmarks/bench_grading.py                  # every mode, a batch of 50
    python benchmarks/bench_grading.py --batch 10 --modes bwrap,direct --runs 3

Modes: `bwrap` and `uid` grade through `embedlab grade` (the real path, reports written;
under bwrap the lessons are spread over the CPUs, `bwrap-j1` grades one lesson at a time);
`direct` runs the same public and hidden checks on the same modules imported into the
checking process, as `embedlab check` does for students: no sandbox at all. The submissions
are the pack's reference solutions, so every check runs to its end; each copy of the batch
differs by a comment, so each draws its own hidden inputs.

Each measurement runs in a fresh interpreter, alone, and reports wall time, CPU time and peak
memory. Where the machine has cgroups (root, cgroup v1 or v2), the measured process runs in a
cgroup of its own, so CPU time and memory count the whole tree, the sandbox's processes too
(their own rusage is lost with their pid namespace); elsewhere they come from rusage.

The first table times `embedlab grade` on one submission from the shell, as a user runs it
(interpreter start included), several runs each; the others are in-process measurements.
The last table is the sandbox's own cost: a trivial module, one call per check (its CPU
column: the whole tree's CPU per check, grader and sandbox together).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CGROUP_V1 = Path("/sys/fs/cgroup")
CGROUP_V2 = Path("/sys/fs/cgroup/unified")


class Tree:
    """CPU seconds and peak memory of a process and everything it starts, via a cgroup."""

    def __init__(self) -> None:
        self.cpu_dir = self.mem_dir = None
        name = f"embedlab-bench-{os.getpid()}-{time.monotonic_ns()}"
        with contextlib.suppress(OSError):
            if (CGROUP_V1 / "cpuacct" / "cgroup.procs").is_file():
                self.cpu_dir = CGROUP_V1 / "cpuacct" / name
                self.cpu_dir.mkdir()
            if (CGROUP_V1 / "memory" / "cgroup.procs").is_file():
                self.mem_dir = CGROUP_V1 / "memory" / name
                self.mem_dir.mkdir()

    @property
    def works(self) -> bool:
        """Whether CPU time can be read for the whole tree."""
        return self.cpu_dir is not None

    def join(self) -> None:
        """Put the calling process (and so all it starts) in the cgroups: a preexec_fn."""
        for folder in (self.cpu_dir, self.mem_dir):
            if folder is not None:
                (folder / "cgroup.procs").write_text(str(os.getpid()))

    def cpu(self) -> float | None:
        """CPU seconds used by the tree so far."""
        if self.cpu_dir is None:
            return None
        return int((self.cpu_dir / "cpuacct.usage").read_text()) / 1e9

    def peak_mb(self) -> float | None:
        """Peak memory of the tree (resident memory and page cache charged to it), in MB."""
        if self.mem_dir is None:
            return None
        return int((self.mem_dir / "memory.max_usage_in_bytes").read_text()) / 2**20

    def close(self) -> None:
        """Remove the cgroups (once the tree has ended)."""
        for folder in (self.cpu_dir, self.mem_dir):
            if folder is not None:
                with contextlib.suppress(OSError):
                    folder.rmdir()


def make_submissions(folder: Path, count: int) -> list[Path]:
    """`count` full five-lesson submissions: the reference solutions, each with its own comment."""
    from autograder.lessons import load_lessons

    subs = []
    for n in range(count):
        sub = folder / f"student{n:03d}"
        sub.mkdir(parents=True)
        for lesson in load_lessons():
            text = lesson.solution.read_text(encoding="utf-8")
            (sub / f"{lesson.module}.py").write_text(f"{text}\n# submission {n}\n", "utf-8")
        subs.append(sub)
    return subs


def grade(mode: str, subs: list[Path], out: Path) -> int:
    """Grade the submissions in this process; returns how many checks passed."""
    if mode == "direct":
        import pytest

        from autograder.checkrun import check_files
        from autograder.lessons import load_lessons

        class Count:
            passed = 0

            def pytest_runtest_logreport(self, report):
                Count.passed += report.when == "call" and report.passed

        os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        files = check_files(load_lessons())
        for sub in subs:
            args = [*files, "-q", "-p", "autograder.plugin", "--noconftest", "-p",
                    "no:cacheprovider", "--import-mode=importlib", f"--student-dir={sub}",
                    "-c", str(ROOT / "autograder" / "grading.ini"), "--rootdir", str(ROOT)]  # fmt: skip
            pytest.main(args, plugins=[Count()])
        return Count.passed
    from autograder.cli import main

    isolation, _, jobs = mode.partition("-j")  # e.g. bwrap-j1: bwrap, one lesson at a time
    argv = ["grade", *map(str, subs), "--out", str(out), "--isolation", isolation]
    argv += ["--jobs", jobs] if jobs else []
    status = main(argv)
    assert status == 0, f"embedlab grade exited {status}"
    return _passed(subs, out)


def _passed(subs: list[Path], out: Path) -> int:
    passed = 0
    for sub in subs:
        data = json.loads((out / sub.name / "results.json").read_text(encoding="utf-8"))
        passed += sum(t["status"] == "passed" for t in data["tests"])
    return passed


def measure(mode: str, count: int) -> dict:
    """One measurement in this (fresh) process: wall time and what rusage sees."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as `embedlab grade` sets it
    work = Path(tempfile.mkdtemp(prefix="embedlab-bench-"))
    try:
        subs = make_submissions(work / "subs", count)
        start = time.perf_counter()
        rs0, rc0 = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        import io
        from contextlib import redirect_stdout

        with redirect_stdout(io.StringIO()):
            passed = grade(mode, subs, work / "out")
        rs1, rc1 = (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
        wall = time.perf_counter() - start
        cpu = sum(getattr(b, f) - getattr(a, f) for a, b in ((rs0, rs1), (rc0, rc1))
                  for f in ("ru_utime", "ru_stime"))  # fmt: skip
        peak = max(rs1.ru_maxrss, rc1.ru_maxrss) / 1024
        return {"mode": mode, "count": count, "wall": wall, "cpu": cpu, "peak_mb": peak,
                "passed": passed}  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _own_cpu() -> float | None:
    """CPU seconds of this process's cpuacct cgroup (this tree), or None outside one."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if "cpuacct" in controllers.split(",") and path != "/":
                usage = CGROUP_V1 / "cpuacct" / path.lstrip("/") / "cpuacct.usage"
                return int(usage.read_text()) / 1e9
    return None


def overhead(mode: str, checks: int = 300) -> dict:
    """The sandbox's own cost: a trivial module, a check per call, and many calls in one check."""
    from autograder.limits import Limits
    from autograder.sandbox import Worker

    folder = Path(tempfile.mkdtemp(prefix="embedlab-ws-"))
    (folder / "tiny.py").write_text("def add(a, b):\n    return a + b\n")
    (folder / "tiny.py").chmod(0o644)
    worker = Worker(folder, Limits(), mode)
    try:
        start = time.perf_counter()
        worker.start()
        started = time.perf_counter() - start
        start, cpu = time.perf_counter(), _own_cpu()
        for n in range(checks):
            worker.begin_check("tiny")
            worker.call("add", (n, 1), {})
            worker.end_check()
        per_check = (time.perf_counter() - start) / checks
        check_cpu = (_own_cpu() - cpu) / checks if cpu is not None else None
        worker.begin_check("tiny")
        start = time.perf_counter()
        for n in range(checks):
            worker.call("add", (n, 1), {})
        per_call = (time.perf_counter() - start) / checks
        worker.end_check()
    finally:
        worker.close()
        shutil.rmtree(folder, ignore_errors=True)
    return {"mode": mode, "start_ms": started * 1000, "check_ms": per_check * 1000,
            "check_cpu_ms": check_cpu * 1000 if check_cpu is not None else None,
            "call_ms": per_call * 1000}  # fmt: skip


def fork_floor(mode: str, forks: int = 300) -> dict:
    """The least a fresh process per check can cost: fork and exit of a warm interpreter.

    The interpreter has imported what the sandbox's root preloads (numpy first); the child
    exits at once, so this is the price of a check's fresh process before it runs anything.
    """
    import gc

    from autograder.processes import bare_fork
    from autograder.worker import PRELOAD

    for name in PRELOAD:
        __import__(name)
    gc.collect()
    gc.freeze()  # as the root does before forking checks

    def each_fork(child=lambda: None) -> float:
        """Seconds per fork whose child runs `child` and exits."""
        start = time.perf_counter()
        for _ in range(forks):
            pid = bare_fork()
            if pid == 0:  # pragma: no cover - the forked child
                child()
                os._exit(0)
            os.waitpid(pid, 0)
        return (time.perf_counter() - start) / forks

    cpu = _own_cpu()
    per_fork = each_fork()
    fork_cpu = (_own_cpu() - cpu) / forks if cpu is not None else None
    # What each page a child writes costs (copied on write, freed at its exit): forks whose
    # child writes one byte in each of 1000 pages, against the forks above.
    pages = bytearray(1000 * 4096)
    pages[::4096] = b"\1" * 1000

    def write_pages() -> None:
        pages[::4096] = b"\2" * 1000

    per_page = (each_fork(write_pages) - per_fork) / 1000
    return {"mode": mode, "check_ms": per_fork * 1000, "page_us": per_page * 1e6,
            "check_cpu_ms": fork_cpu * 1000 if fork_cpu is not None else None}  # fmt: skip


def child(kind: str, mode: str, count: int) -> dict:
    """Run one measurement in a fresh interpreter, so that each starts cold and alone."""
    here, extra = str(Path(__file__).parent), f", {count}"
    code = (
        f"import json, sys; sys.path.insert(0, {here!r}); import bench_grading as b; "
        f"print(json.dumps(b.{kind}({mode!r}{extra})))"
    )
    tree = Tree()
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            cwd=ROOT,
            preexec_fn=tree.join if tree.works else None,
        )
        if done.returncode != 0:
            raise SystemExit(f"{kind} {mode} failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["tree_cpu"], result["tree_mb"] = tree.cpu(), tree.peak_mb()
    finally:
        tree.close()
    return result


def shell(mode: str, runs: int) -> dict:
    """`embedlab grade` of one submission from the shell, `runs` times: as a user sees it."""
    isolation, _, jobs = mode.partition("-j")
    work = Path(tempfile.mkdtemp(prefix="embedlab-bench-"))
    walls, cpus = [], []
    try:
        sub = make_submissions(work / "subs", 1)[0]
        argv = [sys.executable, "-m", "autograder.cli", "grade", str(sub), "--out",
                str(work / "out"), "--isolation", isolation]  # fmt: skip
        argv += ["--jobs", jobs] if jobs else []
        for _ in range(runs):
            tree = Tree()
            try:
                start = time.perf_counter()
                subprocess.run(argv, check=True, capture_output=True, cwd=ROOT,
                               preexec_fn=tree.join if tree.works else None)  # fmt: skip
                walls.append(time.perf_counter() - start)
                cpus.append(tree.cpu())
            finally:
                tree.close()
        passed = _passed([sub], work / "out")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    cpu = statistics.median(cpus) if None not in cpus else None
    return {"mode": mode, "median": statistics.median(walls), "min": min(walls),
            "max": max(walls), "cpu": cpu, "passed": passed}  # fmt: skip


def _num(value: float | None, width: int, digits: int = 2) -> str:
    return f"{value:>{width}.{digits}f}" if value is not None else f"{'-':>{width}}"


def main() -> None:
    """Print the tables."""
    from autograder.isolation import choose_isolation
    from autograder.spread import available_cpus

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=50, help="submissions in the batch")
    parser.add_argument("--runs", type=int, default=5, help="runs of the shell command")
    parser.add_argument(
        "--modes",
        default="bwrap,bwrap-j1,uid,direct",
        help="comma-separated modes; -jN grades N lessons at once (default: the CPUs)",
    )
    args = parser.parse_args()
    modes = []
    for mode in args.modes.split(","):
        try:
            if (
                mode == "direct"
                or choose_isolation(mode.partition("-j")[0]) == mode.partition("-j")[0]
            ):
                modes.append(mode)
        except RuntimeError as exc:
            print(f"skipping {mode}: {exc}")
    tree = Tree()
    whole = "the whole process tree (cgroup)" if tree.works else "rusage (no cgroup here)"
    tree.close()
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"auto isolation here: {choose_isolation('auto')}; CPU and memory: {whole}")  # fmt: skip

    print(f"\n`embedlab grade` of one full submission from the shell, {args.runs} runs each")
    cpus = available_cpus()
    print(f"{'mode':8} {'median s':>9} {'min s':>7} {'max s':>7} {'CPU s':>7} "
          f"{'CPU/' + str(cpus) + ' s':>8} {'checks passed':>14}")  # fmt: skip
    shells = {}
    for mode in (m for m in modes if m != "direct"):
        r = shells[mode] = shell(mode, args.runs)
        floor = r["cpu"] / cpus if r["cpu"] is not None else None
        print(f"{mode:8} {r['median']:>9.2f} {r['min']:>7.2f} {r['max']:>7.2f} "
              f"{_num(r['cpu'], 7)} {_num(floor, 8)} {r['passed']:>14}")  # fmt: skip
    print(f"(CPU/{cpus}: the CPU time spread over every CPU, the least wall time it can take)")

    print(f"\n{'mode':8} {'submissions':>11} {'wall s':>8} {'s each':>8} {'CPU s':>8} "
          f"{'peak MB':>8} {'tree MB':>8} {'checks passed':>14}")  # fmt: skip
    rows = {}
    for mode in modes:
        for count in (1, args.batch):
            r = rows[mode, count] = child("measure", mode, count)
            cpu = r["tree_cpu"] if r["tree_cpu"] is not None else r["cpu"]
            print(f"{mode:8} {count:>11} {r['wall']:>8.2f} {r['wall'] / count:>8.2f} "
                  f"{cpu:>8.2f} {r['peak_mb']:>8.0f} {_num(r['tree_mb'], 8, 0)} "
                  f"{r['passed']:>14}")  # fmt: skip
    if ("direct", 1) in rows:
        print("\nratios to `direct` (no sandbox), wall time per submission:")
        base1 = rows["direct", 1]["wall"]
        baseb = rows["direct", args.batch]["wall"] / args.batch
        for mode in (m for m in modes if m != "direct"):
            one, batch = rows[mode, 1]["wall"], rows[mode, args.batch]["wall"] / args.batch
            print(f"  {mode:8} one: {one / base1:.2f}x   batch: {batch / baseb:.2f}x")

    print(f"\n{'mode':8} {'start ms':>9} {'per check ms':>13} {'CPU per check ms':>17} "
          f"{'per call ms':>12}")  # fmt: skip
    for mode in (m for m in modes if m != "direct" and "-j" not in m):
        r = child("overhead", mode, 300)
        print(f"{mode:8} {r['start_ms']:>9.0f} {r['check_ms']:>13.2f} "
              f"{_num(r['check_cpu_ms'], 17)} "
              f"{r['call_ms']:>12.3f}")  # fmt: skip
    r = child("fork_floor", "floor", 300)
    print(f"{'floor':8} {'-':>9} {r['check_ms']:>13.2f} {_num(r['check_cpu_ms'], 17)} {'-':>12}")
    print("(floor: fork and exit of an interpreter holding what the sandbox preloads, the least "
          "a fresh process per check costs;")  # fmt: skip
    print(f" each page of it that a check's process writes costs {r['page_us']:.2f} us more)")


if __name__ == "__main__":
    main()
