"""The one lesson loader: folder names give slug and order, lesson.toml the metadata."""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

LANGS = ("en", "zh")
_SLUG = re.compile(r"^(\d\d)-([a-z0-9-]+)$")


class LessonError(ValueError):
    """A lesson folder or its lesson.toml is malformed."""


def pack_root() -> Path:
    """Return the pack's root folder (EMBEDLAB_ROOT overrides the installed location)."""
    env = os.environ.get("EMBEDLAB_ROOT")
    return Path(env).resolve() if env else Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Lesson:
    """One lesson: its slug, metadata and the paths of its files."""

    slug: str
    order: int
    module: str
    points: float
    title: dict[str, str]
    hints: dict[str, list[str]]
    model_words: tuple[str, ...]
    model_sentences: tuple[str, ...]
    folder: Path
    root: Path

    @property
    def stub(self) -> Path:
        """Path of the student stub."""
        return self.folder / f"{self.module}.py"

    @property
    def public_tests(self) -> Path:
        """Path of the public checks students run."""
        return self.folder / f"test_{self.module}.py"

    @property
    def hidden_tests(self) -> Path:
        """Path of the hidden checks, never shipped to students."""
        return self.root / "autograder" / "hidden" / f"test_{self.module}.py"

    @property
    def solution(self) -> Path:
        """Path of the reference solution."""
        return self.root / "solutions" / self.slug / f"{self.module}.py"

    def instructions(self, lang: str) -> str:
        """Return the lesson's instructions in `lang` (en or zh)."""
        if lang not in LANGS:
            raise LessonError(f"unknown language {lang!r}; expected one of {LANGS}")
        return (self.folder / f"instructions.{lang}.md").read_text(encoding="utf-8")


def _require(table: dict, key: str, kind: type, where: Path):
    if key not in table:
        raise LessonError(f"{where}: missing key {key!r}")
    value = table[key]
    if not isinstance(value, kind):
        raise LessonError(f"{where}: {key!r} must be {kind.__name__}, got {type(value).__name__}")
    return value


def _per_lang(table: dict, key: str, where: Path) -> dict:
    sub = _require(table, key, dict, where)
    missing = [lang for lang in LANGS if lang not in sub]
    if missing:
        raise LessonError(f"{where}: [{key}] lacks {', '.join(missing)}")
    return {lang: sub[lang] for lang in LANGS}


def load_lesson(folder: Path, root: Path | None = None) -> Lesson:
    """Load one lesson folder, raising LessonError that names the problem."""
    folder = Path(folder)
    match = _SLUG.match(folder.name)
    if not match:
        raise LessonError(f"{folder}: lesson folders are named NN-slug, e.g. 03-similarity")
    toml_path = folder / "lesson.toml"
    if not toml_path.is_file():
        raise LessonError(f"{folder}: no lesson.toml")
    try:
        meta = tomllib.loads(toml_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise LessonError(f"{toml_path}: {exc}") from exc
    module = _require(meta, "module", str, toml_path)
    if not module.isidentifier():
        raise LessonError(f"{toml_path}: module {module!r} is not a Python identifier")
    points = _require(meta, "points", (int, float), toml_path)
    if points <= 0:
        raise LessonError(f"{toml_path}: points must be positive")
    title = _per_lang(meta, "title", toml_path)
    hints = _per_lang(meta, "hints", toml_path)
    for lang, items in hints.items():
        if not isinstance(items, list) or not all(isinstance(h, str) for h in items):
            raise LessonError(f"{toml_path}: hints.{lang} must be a list of strings")
    model = meta.get("model", {})
    return Lesson(
        slug=folder.name,
        order=int(match.group(1)),
        module=module,
        points=float(points),
        title=title,
        hints=hints,
        model_words=tuple(model.get("words", ())),
        model_sentences=tuple(model.get("sentences", ())),
        folder=folder,
        root=Path(root) if root else folder.parent.parent,
    )


def holds_lessons(folder: Path) -> bool:
    """Whether `folder` is an exercises folder: it holds NN-slug/lesson.toml lesson folders."""
    try:
        return any(_SLUG.match(p.name) and (p / "lesson.toml").is_file() for p in folder.iterdir())
    except OSError:
        return False


def lessons_in(exercises: Path, root: Path | None = None) -> tuple[Lesson, ...]:
    """Load every lesson folder of an exercises folder, in order (the pack's, or a copy's)."""
    exercises = Path(exercises)
    if not exercises.is_dir():
        raise LessonError(
            f"{exercises.parent}: no exercises/ folder. Grading needs a checkout of the pack (its "
            "exercises/, solutions/ and hidden checks); an installed wheel holds only what "
            "students get: set EMBEDLAB_ROOT to a checkout, or install one (pip install -e .)"
        )
    folders = sorted(p for p in exercises.iterdir() if p.is_dir() and _SLUG.match(p.name))
    lessons = tuple(load_lesson(p, root or exercises.parent) for p in folders)
    modules = [lesson.module for lesson in lessons]
    if len(set(modules)) != len(modules):
        raise LessonError(f"{exercises}: two lessons share a module name")
    return lessons


@functools.cache
def _load_all(root: Path) -> tuple[Lesson, ...]:
    return lessons_in(root / "exercises", root)


def load_lessons(root: Path | None = None) -> tuple[Lesson, ...]:
    """Load every lesson of the pack, in order."""
    return _load_all(Path(root).resolve() if root else pack_root())


def pick_lessons(keys: Sequence[str], lessons: Sequence[Lesson]) -> list[Lesson]:
    """The lessons named by slug, number ("03") or module name, among `lessons`; the error
    names every key that names none."""
    picked, unknown = [], []
    for key in keys:
        found = [
            lesson
            for lesson in lessons
            if key in (lesson.slug, lesson.module, f"{lesson.order:02d}", str(lesson.order))
        ]
        picked += found[:1]
        unknown += [] if found else [repr(key)]
    if unknown:
        known = ", ".join(lesson.slug for lesson in lessons)
        raise LessonError(f"no lesson {', '.join(unknown)}; the lessons are: {known}")
    return picked


def pick_lesson(key: str, lessons: Sequence[Lesson]) -> Lesson:
    """The lesson named by slug, number ("03") or module name, among `lessons`."""
    return pick_lessons([key], lessons)[0]


def find_lesson(key: str, root: Path | None = None) -> Lesson:
    """Find a lesson of the pack by slug, number ("03") or module name."""
    return pick_lesson(key, load_lessons(root))
