"""Grading speed with and without the sandbox: one full submission, a batch, and the overhead.

    python benchmarks/bench_grading.py                  # every mode, a batch of 50
    python benchmarks/bench_grading.py --batch 10 --modes bwrap,direct

Modes: `bwrap` and `uid` grade through `embedlab grade` (the real path, reports written;
under bwrap the lessons are spread over the CPUs, `bwrap-j1` grades one lesson at a time);
`direct` runs the same public and hidden checks on the same modules imported into the
checking process, as `embedlab check` does for students: no sandbox at all. The submissions
are the pack's reference solutions, so every check runs to its end; each copy of the batch
differs by a comment, so each draws its own hidden inputs. Each measurement runs in a fresh
Python process and reports wall time, CPU time (user + system, the process and everything it
waited for) and peak memory (the largest resident set of the process or any of its children).
The last table is the sandbox's own cost: a trivial module, one call per check.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
    passed = 0
    for sub in subs:
        data = json.loads((out / sub.name / "results.json").read_text(encoding="utf-8"))
        passed += sum(t["status"] == "passed" for t in data["tests"])
    return passed


def measure(mode: str, count: int) -> dict:
    """One measurement in this (fresh) process."""
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
        start = time.perf_counter()
        for n in range(checks):
            worker.begin_check("tiny")
            worker.call("add", (n, 1), {})
            worker.end_check()
        per_check = (time.perf_counter() - start) / checks
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
            "call_ms": per_call * 1000}  # fmt: skip


def child(kind: str, mode: str, count: int) -> dict:
    """Run one measurement in a fresh interpreter, so that each starts cold and alone."""
    here, extra = str(Path(__file__).parent), f", {count}" if kind == "measure" else ""
    code = (
        f"import json, sys; sys.path.insert(0, {here!r}); import bench_grading as b; "
        f"print(json.dumps(b.{kind}({mode!r}{extra})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{kind} {mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    """Print the three tables."""
    from autograder.isolation import choose_isolation

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=50, help="submissions in the batch")
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
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"auto isolation here: {choose_isolation('auto')}")  # fmt: skip
    print(f"\n{'mode':8} {'submissions':>11} {'wall s':>8} {'s each':>8} {'CPU s':>8} "
          f"{'peak MB':>8} {'checks passed':>14}")  # fmt: skip
    for mode in modes:
        for count in (1, args.batch):
            r = child("measure", mode, count)
            print(f"{mode:8} {count:>11} {r['wall']:>8.2f} {r['wall'] / count:>8.2f} "
                  f"{r['cpu']:>8.2f} {r['peak_mb']:>8.0f} {r['passed']:>14}")  # fmt: skip
    print(f"\n{'mode':8} {'start ms':>9} {'per check ms':>13} {'per call ms':>12}")
    for mode in (m for m in modes if m != "direct" and "-j" not in m):
        r = child("overhead", mode, 0)
        print(f"{mode:8} {r['start_ms']:>9.0f} {r['check_ms']:>13.2f} {r['call_ms']:>12.3f}")


if __name__ == "__main__":
    main()
