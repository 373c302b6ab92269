"""Reading a student's module: are the named functions built by hand, or do they hand the
work to Python's codec? Used by lesson 01's public and hidden "built by hand" checks.

It only parses the source (ast); nothing of the module runs. Its work is linear in the size of
the source: each name is followed once per root, whatever the number of its uses or bindings.
"""

from __future__ import annotations

import ast
import functools

CODEC_MODULE = "codecs"
_FROM_CODECS = "\0from-codecs"  # a key no name can be: the bindings' cache of _from_codecs
BLOCKS = (ast.If, ast.Try, ast.TryStar, ast.With, ast.For, ast.While, ast.ExceptHandler)


def _module_bindings(tree: ast.Module) -> dict[str, list[ast.AST]]:
    """Every statement binding a name at module level: also in if/try/with/for, or by `global`."""
    found: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Global):
            for name in node.names:
                found.setdefault(name, []).append(node)

    def visit(body: list) -> None:
        for node in body:
            names: list[str] = []
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names = [node.name]
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = [(a.asname or a.name).split(".")[0] for a in node.names]
            elif isinstance(node, ast.AnnAssign) and node.value is None:
                names = []  # a bare annotation binds nothing
            elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.For | ast.With):
                targets = list(node.targets) if isinstance(node, ast.Assign) else []
                targets += [getattr(node, "target", None)]
                targets += [i.optional_vars for i in getattr(node, "items", [])]
                names = [
                    n.id
                    for t in targets
                    if t is not None
                    for n in ast.walk(t)
                    if isinstance(n, ast.Name)
                ]
            for name in names:
                found.setdefault(name, []).append(node)
            if isinstance(node, BLOCKS):
                for field in ("body", "orelse", "finalbody", "handlers"):
                    visit(getattr(node, field, []))

    visit(tree.body)
    return found


def _alias_target(node: ast.AST) -> ast.expr | None:
    """The value of a plain `name = value` (or `name: T = value`), else None."""
    if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
        return node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.value
    return None


def _resolve(name: str, bindings: dict, problems: list[str]) -> list[ast.AST]:
    """The defs and lambdas a module-level name stands for, following `name = other_name`."""
    bodies: list[ast.AST] = []
    seen: set[str] = set()
    todo = [(name, name)]
    while todo:
        current, chain = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if current not in bindings:
            problems.append(f"{chain} is not a function defined in your module")
            continue
        for node in bindings[current]:
            value = _alias_target(node)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                bodies.append(node)
            elif isinstance(value, ast.Lambda):
                bodies.append(value)
            elif isinstance(value, ast.Name):
                todo.append((value.id, f"{chain} (= {value.id})"))
            else:
                text = ast.unparse(node).splitlines()[0]
                text = text if len(text) <= 60 else text[:60] + " ..."
                problems.append(f"{chain} is bound at line {node.lineno} by `{text}`, not by a def")
    return bodies


def _codec_use(node: ast.AST, bindings: dict) -> str | None:
    """How a piece of code hands the work to Python's codec (".encode", "codecs.encode"), or None."""
    if isinstance(node, ast.Attribute):
        if node.attr in ("encode", "decode"):
            return f".{node.attr}"
        if isinstance(node.value, ast.Name) and _is_codecs(node.value.id, bindings):
            return f"{node.value.id}.{node.attr}"
    if isinstance(node, ast.Import | ast.ImportFrom):
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
        if CODEC_MODULE in modules:
            return f"an import of {CODEC_MODULE}"
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
        if node.id in _from_codecs(bindings):
            return f"{node.id} from {CODEC_MODULE}"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if (
            node.func.id in ("bytes", "bytearray", "str")
            and len(node.args) + len(node.keywords) >= 2
        ):
            return f"{node.func.id}(..., encoding)"  # bytes(text, "utf-8"), str(data, "utf-8")
    return None


def _from_codecs(bindings: dict) -> set[str]:
    """The names bound by `from codecs import ...` (worked out once per module)."""
    cached = bindings.get(_FROM_CODECS)
    if cached is None:
        cached = {
            name
            for name, nodes in bindings.items()
            if name != _FROM_CODECS
            and any(isinstance(b, ast.ImportFrom) and b.module == CODEC_MODULE for b in nodes)
        }
        bindings[_FROM_CODECS] = cached
    return cached


def _is_codecs(name: str, bindings: dict) -> bool:
    """Whether a name is the codecs module (imported as itself or under another name)."""
    if name == CODEC_MODULE:
        return True
    imports = [b for b in bindings.get(name, []) if isinstance(b, ast.Import)]
    return any(a.name == CODEC_MODULE and a.asname == name for b in imports for a in b.names)


def by_hand_problems(source: str, roots: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """What keeps the named functions from being checked or shows them using Python's codec.

    The first list says which root is not a def (or an alias of one, or a lambda) of the
    module; the second lists codec uses in the roots and in every module-level function,
    class or value their code refers to.
    """
    not_defs, found = _problems(source, tuple(roots))
    return list(not_defs), list(found)


@functools.lru_cache(maxsize=4)
def _problems(source: str, roots: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # A public and a hidden check both analyse the same module: parse and walk it once.
    tree = ast.parse(source)
    bindings = _module_bindings(tree)
    not_defs: list[str] = []
    found: list[str] = []
    for root in roots:
        todo = [(body, root) for body in _resolve(root, bindings, not_defs)]
        seen: set[int] = {id(code) for code, _ in todo}
        followed: set[str] = set()  # names whose bindings are queued already, for this root
        while todo:
            code, path = todo.pop()
            for node in ast.walk(code):
                how = _codec_use(node, bindings)
                if how is not None:
                    found.append(f"{path} uses {how} at line {node.lineno}")
                if not (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)):
                    continue
                if node.id in followed:
                    continue
                followed.add(node.id)
                for bound in bindings.get(node.id, []):
                    if isinstance(bound, ast.Import | ast.ImportFrom | ast.Global):
                        continue
                    value = _alias_target(bound)
                    target = bound if value is None else value
                    if id(target) not in seen:
                        seen.add(id(target))
                        todo.append((target, f"{path} (through {node.id})"))
    return tuple(dict.fromkeys(not_defs)), tuple(dict.fromkeys(found))
