"""Check files as the grader runs them: every test function and parametrized case, no pytest session.

Students run the same files with pytest. Grading loads them itself: a pytest session costs
about 20 ms to start and a millisecond per check in hooks, reports and fixture bookkeeping,
which was a good part of grading a submission. The cases, their order and their names (and
so the hidden checks' seeds) are the ones pytest collects; tests/test_checkfiles.py holds
the two to that for every check file of the pack.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import itertools
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# Arguments the grader gives a check (plugin.py gives the same ones to pytest).
FIXTURES = ("lesson", "student", "student_source", "reference", "rng", "minilm")
_NON_PRINTABLE = {i: f"\\x{i:02x}" for i in range(128) if i not in range(32, 127)}


class CheckFileError(ValueError):
    """A check file the grader cannot load or run: the grader's failure, never the student's."""


@dataclass(frozen=True)
class CheckCase:
    """One check as graded: a test function, with the values of one parametrized case."""

    path: Path
    name: str  # the function's name, with the case's id in brackets
    nodeid: str  # <path relative to the pack>::<name>, as pytest names it
    function: Callable = field(repr=False)
    params: dict = field(default_factory=dict, repr=False)
    argnames: tuple[str, ...] = ()  # the arguments the check function takes


def load_cases(path: Path, root: Path) -> list[CheckCase]:
    """Every check of a file, in pytest's order, named as pytest names them relative to root."""
    return list(_cases(Path(path), Path(root)))


@functools.cache
def _cases(path: Path, root: Path) -> tuple[CheckCase, ...]:
    # Loaded before the graders fork and again by each lesson's run: built once per process.
    module = _import(path.resolve())
    try:
        where = path.resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        where = path.resolve().as_posix()
    cases = []
    for name, function in list(vars(module).items()):
        if not name.startswith("test") or not inspect.isfunction(function):
            continue
        argnames = tuple(inspect.signature(function).parameters)
        for suffix, params in _parametrized(function, f"{where}::{name}"):
            case_name = f"{name}[{suffix}]" if suffix is not None else name
            nodeid = f"{where}::{case_name}"
            case = CheckCase(path, case_name, nodeid, function, params, argnames)
            unknown = [a for a in case.argnames if a not in FIXTURES and a not in params]
            if unknown:
                raise CheckFileError(
                    f"{case.nodeid} asks for {', '.join(unknown)}, which the grader does not "
                    f"give (it gives {', '.join(FIXTURES)} and parametrized values)"
                )
            cases.append(case)
    return tuple(cases)


@functools.cache
def _import(path: Path):
    """Import a check file once per process, under a name no other module uses."""
    name = "embedlab_checks." + re.sub(r"\W", "_", path.with_suffix("").as_posix())
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CheckFileError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise CheckFileError(f"the checks in {path} could not be loaded: {exc!r}") from exc
    return module


def _parametrized(function: Callable, nodeid: str) -> list[tuple[str | None, dict]]:
    """The cases of a function: (id, values) for each, or one (None, {}) if not parametrized."""
    marks = getattr(function, "pytestmark", [])
    grids = []
    for mark in marks:
        if mark.name != "parametrize":
            raise CheckFileError(f"{nodeid}: the grader runs no @pytest.mark.{mark.name}")
        if set(mark.kwargs) or len(mark.args) != 2:
            raise CheckFileError(f"{nodeid}: the grader takes parametrize(names, values) only")
        names, values = mark.args
        names = [n.strip() for n in names.split(",")] if isinstance(names, str) else list(names)
        rows = []
        for index, value in enumerate(values):
            if type(value).__name__ == "ParameterSet":
                raise CheckFileError(f"{nodeid}: the grader takes plain values, not pytest.param")
            row = tuple(value) if len(names) > 1 else (value,)
            if len(row) != len(names):
                raise CheckFileError(
                    f"{nodeid}: case {index} has {len(row)} values, not {len(names)}"
                )
            ids = [_idval(v, n, index) for v, n in zip(row, names, strict=True)]
            rows.append(("-".join(ids), dict(zip(names, row, strict=True))))
        grids.append(rows)
    if not grids:
        return [(None, {})]
    # pytest applies the mark nearest the function first; its ids come first in the name
    cases = []
    for combo in itertools.product(*grids):
        cases.append(
            ("-".join(i for i, _ in combo), {k: v for _, d in combo for k, v in d.items()})
        )
    seen = [i for i, _ in cases]
    if len(set(seen)) != len(seen):
        raise CheckFileError(f"{nodeid}: two cases share an id; give them distinct values")
    return cases


def _idval(value: object, argname: str, index: int) -> str:
    """The id pytest gives one parametrized value."""
    if isinstance(value, str):
        return value.encode("unicode_escape").decode("ascii").translate(_NON_PRINTABLE)
    if isinstance(value, bytes):
        return value.decode("ascii", "backslashreplace").translate(_NON_PRINTABLE)
    if value is None or isinstance(value, float | int | bool | complex):
        return str(value)
    if isinstance(value, re.Pattern):
        return _idval(value.pattern, argname, index)
    name = getattr(value, "__name__", None)
    if isinstance(name, str):
        return name
    return f"{argname}{index}"
