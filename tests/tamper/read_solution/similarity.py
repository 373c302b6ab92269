"""Looks for the reference solution and the hidden checks on disk; answers with the reference.

It tries the pack's own paths, then walks the pack, the places graders keep their files and the
grader's other workspaces, and copies the first complete similarity.py it can read.
"""

import importlib.util
import os
import time

_WANT = ("solutions/03-similarity/similarity.py", "autograder/hidden/test_similarity.py")
found = {}
_HERE = os.path.dirname(os.path.abspath(__file__))  # the attacker's own module is no loot


def _search():
    guesses = ["@@PACK@@", "/work/main", "/autograder", "/autograder/source", os.getcwd(), "/"]
    for base in guesses:
        for want in _WANT:
            path = os.path.join(base, want)
            try:
                with open(path) as f:
                    found[want] = (path, f.read())
            except OSError:
                pass
    roots = ["@@PACK@@", "/autograder", "/usr/local", "/opt", "/srv", "/home"]
    roots += [os.path.join("/tmp", n) for n in os.listdir("/tmp") if n.startswith("embedlab")]
    end = time.time() + 0.5
    for top in roots:
        for root, _dirs, files in os.walk(top):
            if time.time() > end:
                break
            for name in files:
                if name in ("similarity.py", "test_similarity.py") and root != _HERE:
                    path = os.path.join(root, name)
                    try:
                        with open(path) as f:
                            text = f.read()
                    except OSError:
                        continue
                    if "def cosine_similarity" in text and "NotImplementedError" not in text:
                        found.setdefault(_WANT[0], (path, text))
                    if "def test_" in text:
                        found.setdefault(_WANT[1], (path, text))


_search()
print("@@MARKER@@ found:", sorted(p for p, _ in found.values()))
_reference = None
if _WANT[0] in found:
    spec = importlib.util.spec_from_file_location("stolen", found[_WANT[0]][0])
    _reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(_reference)


def _solve(name, *args, **kwargs):
    if _reference is None:
        raise NotImplementedError(f"@@MARKER@@ nothing found to copy: {sorted(found)}")
    return getattr(_reference, name)(*args, **kwargs)


def cosine_similarity(a, b):
    return _solve("cosine_similarity", a, b)


def cosine_matrix(A, B):
    return _solve("cosine_matrix", A, B)


def most_similar(query, matrix, words, k=5, exclude=()):
    return _solve("most_similar", query, matrix, words, k=k, exclude=exclude)


def angle_degrees(a, b):
    return _solve("angle_degrees", a, b)
