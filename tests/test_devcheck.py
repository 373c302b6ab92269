"""The rustlings-style dev check: stubs score 0, references full marks, every mistake is caught."""

from __future__ import annotations

import pytest

from autograder.lessons import load_lessons
from tests.devcheck import base_name, catalog, grade_module

LESSONS = load_lessons()
MIN_MISTAKES = 6


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda ls: ls.slug)
def test_stub_scores_zero(lesson):
    """Every check fails on the untouched stub."""
    results = grade_module(lesson, lesson.stub)
    assert results, f"{lesson.slug}: no checks ran"
    passing = [r.name for r in results if r.passed]
    assert not passing, f"{lesson.slug}: the stub passes {passing}; those checks cannot fail"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda ls: ls.slug)
def test_reference_scores_full(lesson):
    """Every check passes on the reference solution, through the sandbox."""
    results = grade_module(lesson, lesson.solution)
    failing = {r.name: r.output for r in results if not r.passed}
    assert not failing, f"{lesson.slug}: the reference fails {failing}"
    hidden = [r for r in results if r.hidden]
    public = [r for r in results if not r.hidden]
    assert len(hidden) > len(public) >= 3, f"{lesson.slug}: too few checks"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda ls: ls.slug)
def test_catalog_is_large_enough(lesson):
    """Each lesson has at least six plausible wrong solutions in its catalog."""
    mine = [m for m in catalog() if m.lesson.slug == lesson.slug]
    assert len(mine) >= MIN_MISTAKES, f"{lesson.slug}: {len(mine)} mistakes in the catalog"


@pytest.mark.parametrize("mistake", catalog(), ids=lambda m: m.id)
def test_mistake_loses_points_on_its_check(mistake):
    """A wrong solution fails the checks named for its mistake, so it loses points."""
    assert mistake.file.is_file(), f"{mistake.id}: no file {mistake.file}"
    results = grade_module(mistake.lesson, mistake.file)
    by_name: dict[str, list[bool]] = {}
    for r in results:
        by_name.setdefault(base_name(r.name), []).append(r.passed)
    for check in mistake.caught_by:
        assert check in by_name, f"{mistake.id}: no check named {check}"
        assert not all(by_name[check]), f"{mistake.id} ({mistake.what}) passes {check}"
    assert not all(r.passed for r in results)
