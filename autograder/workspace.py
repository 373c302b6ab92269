"""Turn a submission (folder, .zip, .py files, .ipynb) into a workspace: one module file per lesson."""

from __future__ import annotations

import difflib
import hashlib
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder.lessons import Lesson, load_lessons

MAX_MODULE_BYTES = 1 << 20
MAX_ZIP_BYTES = 50 << 20
MAX_ZIP_FILES = 2000
MAX_ZIP_DEPTH = 32


class SubmissionError(ValueError):
    """The submission cannot be read at all (not a folder, zip, .py or .ipynb; a broken zip)."""


@dataclass
class Workspace:
    """A private folder holding only the student's lesson modules, and what was found."""

    name: str
    path: Path
    found: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # A hash of every lesson module the submission holds, graded this time or not.
    content: str = ""

    def copy(self) -> Workspace:
        """The same workspace in a folder of its own (for a second sandbox, with its own uid)."""
        path = Path(tempfile.mkdtemp(prefix="embedlab-ws-"))
        for entry in self.path.iterdir():
            if entry.is_file() and not entry.is_symlink():
                shutil.copy2(entry, path / entry.name)
        return replace(self, path=path)

    def cleanup(self) -> None:
        """Remove the workspace folder."""
        shutil.rmtree(self.path, ignore_errors=True)


_FUTURE = re.compile(r"^from __future__ import [\w, ()]+$")


def notebook_source(path: Path) -> str:
    """The code cells of a notebook as one module; IPython magics and shell lines commented out."""
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
    except Exception as exc:  # nbformat raises many kinds for a broken file
        raise SubmissionError(f"{path.name} is not a readable notebook: {exc}") from None
    chunks, future = [], []
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        lines = []
        for line in str(cell.get("source", "")).splitlines():
            if line.lstrip().startswith(("%", "!")):
                line = "# " + line
            elif _FUTURE.match(line):  # fine at the top of any cell, but only first in a module
                future.append(line.strip())
                line = "# " + line + "  (moved to the top)"
            lines.append(line)
        chunks.append("\n".join(lines))
    head = "\n".join(dict.fromkeys(future)) + "\n\n" if future else ""
    return head + "\n\n".join(chunks) + "\n"


def _plain_file(root: Path, *parts: str) -> Path | None:
    """root/parts if every step below root is a real folder or file, never a symlink."""
    path = root
    for part in parts:
        path = path / part
        if path.is_symlink():  # a link could reach solutions/ or a classmate's folder
            return None
    return path if path.is_file() else None


def _linked(root: Path, lesson: Lesson) -> bool:
    """Whether a lesson's module would be found by following a symbolic link."""
    places = (root, root / lesson.slug, root / "exercises" / lesson.slug)
    return any((place / f"{lesson.module}.py").exists() for place in places)


def _candidates(root: Path, lesson: Lesson) -> list[Path]:
    names = (f"{lesson.module}.py", f"{lesson.module}.ipynb")
    places = ((), (lesson.slug,), ("exercises", lesson.slug))
    found = (_plain_file(root, *place, name) for place in places for name in names)
    return [path for path in found if path is not None]


def _extract_zip(path: Path, into: Path) -> Path:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if len(infos) > MAX_ZIP_FILES:
                raise SubmissionError(
                    f"{path.name} holds {len(infos)} files (limit {MAX_ZIP_FILES})"
                )
            if sum(i.file_size for i in infos) > MAX_ZIP_BYTES:
                raise SubmissionError(f"{path.name} unpacks to more than {MAX_ZIP_BYTES >> 20} MB")
            for info in infos:
                if info.is_dir() or info.external_attr >> 28 == 0o12:  # never make a symlink
                    continue
                if info.filename.count("/") > MAX_ZIP_DEPTH:
                    continue
                target = (into / info.filename).resolve()
                if not target.is_relative_to(into.resolve()):
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    except SubmissionError:
        raise
    except zipfile.BadZipFile as exc:
        raise SubmissionError(f"{path.name} is not a valid zip file: {exc}") from None
    except Exception as exc:  # encrypted, unknown compression, corrupt data, odd names...
        raise SubmissionError(
            f"{path.name} cannot be unpacked ({type(exc).__name__}: {exc})"
        ) from None
    if not into.is_dir():
        raise SubmissionError(f"{path.name} holds no files")
    return into


def _single_subfolder(root: Path, lessons: Sequence[Lesson]) -> Path:
    """Below folders that hold nothing but one folder (a zip of hw/work/, say): the first
    folder where a lesson module is found or that holds more, so a zip and a folder unwrap
    alike."""
    for _ in range(MAX_ZIP_DEPTH):
        if any(_candidates(root, lesson) for lesson in lessons):
            return root
        entries = [p for p in root.iterdir() if not p.name.startswith((".", "__MACOSX"))]
        if len(entries) != 1 or not entries[0].is_dir() or entries[0].is_symlink():
            return root
        root = entries[0]
    return root


def _source_root(submission: Path, scratch: Path, lessons: Sequence[Lesson]) -> Path:
    if submission.is_dir():
        if any(submission.glob("*.py")) or any(submission.glob("*.ipynb")):
            return submission
        return _single_subfolder(submission, lessons)
    if submission.suffix == ".zip":
        return _single_subfolder(_extract_zip(submission, scratch / "unzipped"), lessons)
    if submission.suffix in (".py", ".ipynb"):
        single = scratch / "single"
        single.mkdir()
        shutil.copy(submission, single / submission.name)
        return single
    if not submission.exists():
        raise SubmissionError(f"{submission.name} does not exist")
    raise SubmissionError(
        f"{submission.name}: a submission is a folder, a .zip, a .py or an .ipynb"
    )


def _naming_hints(root: Path, lessons: Sequence[Lesson]) -> list[str]:
    """For a submission where no lesson module was found: which files it had, and what to call them."""
    modules = [lesson.module for lesson in lessons]
    files = sorted(p for p in root.rglob("*") if p.suffix in (".py", ".ipynb") and p.is_file())
    slugs = {lesson.module: lesson.slug for lesson in lessons}
    hints = []
    for file in files[:5]:
        if file.stem in slugs:  # the right name in the wrong place
            hints.append(
                f"{file.relative_to(root)} is in a folder the grader does not look in: put it at "
                f"the top of the submission or at exercises/{slugs[file.stem]}/{file.name}"
            )
            continue
        close = difflib.get_close_matches(file.stem.lower(), modules, n=1, cutoff=0.4)
        better = f"; did you mean {close[0]}{file.suffix}?" if close else ""
        hints.append(
            f"{file.relative_to(root)} is not named after a lesson's module "
            f"({', '.join(m + '.py' for m in modules)}){better}"
        )
    return hints


def _content_digest(root: Path) -> str:
    """A hash of every lesson module the submission holds, for every lesson of the pack.

    It is the base of every lesson's hidden inputs. A check can read all the modules of its
    sandbox, so a lesson's inputs must change whenever any of them does: answers kept in
    another lesson's module must not survive a resubmission. Modules not graded this time
    count too, so a lesson draws the same inputs graded alone (--lesson) or with the others.
    """
    digest = hashlib.sha256()
    for lesson in load_lessons():
        found = _candidates(root, lesson)
        data = b""
        if found and found[0].stat().st_size <= MAX_MODULE_BYTES:
            data = found[0].read_bytes()
        digest.update(f"{lesson.module}\0{len(data)}\0".encode() + data)
    return digest.hexdigest()


def build_workspace(
    submission: Path, lessons: Sequence[Lesson], name: str | None = None
) -> Workspace:
    """Copy the submission's lesson modules, and nothing else, into a fresh private folder."""
    submission = Path(submission)
    path = Path(tempfile.mkdtemp(prefix="embedlab-ws-"))
    scratch = Path(tempfile.mkdtemp(prefix="embedlab-in-"))
    ws = Workspace(name=name or submission.stem or submission.name, path=path)
    try:
        root = _source_root(submission, scratch, load_lessons())  # the same root for any --lesson
        for lesson in lessons:
            found = _candidates(root, lesson)
            expected = (
                f"{lesson.module}.py at the top of the submission or at "
                f"exercises/{lesson.slug}/{lesson.module}.py"
            )
            if not found:
                ws.missing[lesson.module] = f"no {lesson.module}.py found: expected {expected}"
                if _linked(root, lesson):
                    ws.missing[lesson.module] += " (symbolic links are not followed)"
                continue
            chosen = found[0]
            if len(found) > 1:
                others = ", ".join(str(p.relative_to(root)) for p in found[1:])
                ws.notes.append(f"{lesson.module}: graded {chosen.relative_to(root)}, not {others}")
            if chosen.stat().st_size > MAX_MODULE_BYTES:
                ws.missing[lesson.module] = f"{chosen.name} is over {MAX_MODULE_BYTES >> 10} KB"
                continue
            if chosen.suffix == ".ipynb":
                text = notebook_source(chosen)
            else:
                text = chosen.read_bytes().decode("utf-8", errors="replace")
            (path / f"{lesson.module}.py").write_text(text, encoding="utf-8")
            ws.found[lesson.module] = str(chosen.relative_to(root))
        if not ws.found:
            ws.notes += _naming_hints(root, lessons)
        ws.content = _content_digest(root)
    except SubmissionError:
        ws.cleanup()
        raise
    except Exception as exc:  # whatever a submission holds, it costs only its own report
        ws.cleanup()
        raise SubmissionError(
            f"{submission.name}: cannot be read ({type(exc).__name__}: {exc})"
        ) from None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    path.chmod(0o700)  # the sandbox grants its own uid access; nobody else reads it
    for file in path.iterdir():
        file.chmod(0o644)
    return ws
