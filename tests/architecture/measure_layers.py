"""The layer picture of ``faxgw``, measured from the source with the standard library only.

    python3 tests/architecture/measure_layers.py [ROOT]    (ROOT: a checkout, default: this one)

Per package of ``faxgw`` (``faxgw.modem`` and its sub-packages count as ``modem``; top-level
modules as ``(top)``) it prints the module count, then across the tree:

* upward imports: an import (anywhere in a module, also inside functions or under
  ``TYPE_CHECKING``) from a package lower in ``LAYERS`` to one higher up. Packages not in
  ``LAYERS`` (inbound, top-level modules, ...) are not judged. ``g3`` and ``documents`` sit
  beside the layers: importing any layer from them counts as upward.
* cycles, counted twice, as strongly connected components of more than one module:
  "module-level" in the graph of imports at a module's top (not under ``if TYPE_CHECKING``,
  not inside a function or class body): these fail at import time unless ordered just so;
  "held apart" in the graph of all imports, minus the module-level ones: cycles that only
  ``TYPE_CHECKING`` or an import inside a function keeps from being module-level. ``from pkg import name`` counts as importing
  ``pkg.name`` when that is a module, else ``pkg``. A package's ``__init__`` is not counted
  as imported by its own sub-modules (Python runs it first anyway).
* private reaches: an AST approximation of "one module using another's private name":
    - ``mod._name`` where ``mod`` is a name bound by ``import`` of another faxgw module;
    - ``from faxgw.x import _name``;
    - ``expr._attr`` where ``expr`` is not ``self``/``cls`` (so another object's private),
      ``_attr`` is not assigned as ``self._attr`` nor defined by any class of the same
      module (an object of the module's own class may be touched there), and ``expr`` is
      not a name imported from outside faxgw (``argparse._SubParsersAction`` is the
      standard library's business). Printed as uses (each
      occurrence) and as distinct (module, name) pairs. Dunder names are not counted.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

# Highest first; packages on one rank may import each other. ``inbound`` (the receive
# side) sits with the scheduler (the send side): both run above the store.
LAYERS = [("api",), ("webhooks",), ("scheduler", "inbound"), ("store",), ("modem",), ("t30",)]
BESIDE = {"g3", "documents"}


def modules(root: Path) -> dict[str, Path]:
    found = {}
    for path in sorted((root / "faxgw").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and _is_pkg(module)) else "(top)"


_PACKAGES: set[str] = set()


def _is_pkg(module: str) -> bool:
    return module in _PACKAGES


def resolve(name: str, current: str, level: int, known: dict[str, Path]) -> str:
    if level:
        base = current.split(".")
        if not str(known[current]).endswith("__init__.py"):
            base = base[:-1]
        base = base[:len(base) - (level - 1)]
        name = ".".join([*base, name] if name else base)
    return name


def imports_of(module: str, tree: ast.Module, known: dict[str, Path]):
    """(target module, module-level?) for every faxgw import in ``tree``."""
    out = []

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    out.append((nearest(alias.name, known), top))
            elif isinstance(child, ast.ImportFrom):
                base = resolve(child.module or "", module, child.level, known)
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    out.append((sub if sub in known else nearest(base, known), top))
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                visit(child, False)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                    ast.Lambda)):
                visit(child, False)
            else:
                visit(child, top)

    visit(tree, True)
    return [(t, top) for t, top in out if t and t.startswith("faxgw") and t != module]


def nearest(name: str, known: dict[str, Path]) -> str | None:
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def rank(package: str) -> int | None:
    return next((i for i, names in enumerate(LAYERS) if package in names), None)


def is_upward(source: str, target: str) -> bool:
    if source == target:
        return False
    if source in BESIDE:
        return rank(target) is not None
    s, t = rank(source), rank(target)
    return s is not None and t is not None and t < s


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return found


def private_reaches(module: str, tree: ast.Module, known: dict[str, Path]) -> list[str]:
    own = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)
           and isinstance(n.value, ast.Name) and n.value.id in ("self", "cls")
           and isinstance(n.ctx, ast.Store)}
    own |= {n.name for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    imported_modules, outside = {}, set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and node.level == 0 if \
                isinstance(node, ast.ImportFrom) else isinstance(node, ast.Import):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names]
            if not any(n.startswith("faxgw") for n in names):
                outside |= {a.asname or a.name.split(".")[0] for a in node.names}
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    imported_modules[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom):
            base = resolve(node.module or "", module, node.level, known)
            for alias in node.names:
                if f"{base}.{alias.name}" in known:
                    imported_modules[alias.asname or alias.name] = f"{base}.{alias.name}"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("faxgw"):
            found += [f"{module}:{node.lineno} import {a.name}" for a in node.names
                      if _private(a.name)]
        if not isinstance(node, ast.Attribute) or not _private(node.attr):
            continue
        value = node.value
        if isinstance(value, ast.Name) and value.id in ("self", "cls", *outside):
            continue
        if isinstance(value, ast.Name) and value.id in imported_modules:
            found.append(f"{module}:{node.lineno} {value.id}.{node.attr}")
        elif node.attr not in own:
            found.append(f"{module}:{node.lineno} .{node.attr}")
    return found


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def measure(root: Path) -> dict:
    known = modules(root)
    _PACKAGES.clear()
    _PACKAGES.update(m for m, p in known.items() if p.name == "__init__.py")
    counts: dict[str, int] = defaultdict(int)
    upward, reaches = [], []
    graph: dict[str, set[str]] = defaultdict(set)
    everything: dict[str, set[str]] = defaultdict(set)
    for module, path in known.items():
        counts[package_of(module)] += 1
        tree = ast.parse(path.read_text(), str(path))
        for target, top in imports_of(module, tree, known):
            if is_upward(package_of(module), package_of(target)):
                upward.append(f"{module} -> {target}")
            own_package = module.startswith(target + ".") and _is_pkg(target)
            if not own_package:
                everything[module].add(target)
                if top:
                    graph[module].add(target)
        reaches += private_reaches(module, tree, known)
    at_top = cycles(graph)
    held = [c for c in cycles(everything) if c not in at_top]
    return {"counts": dict(counts), "upward": sorted(set(upward)), "cycles": at_top,
            "held": held, "reaches": reaches}


def main(argv: list[str]) -> int:
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[2]
    found = measure(root)
    print(f"faxgw layer picture of {root}")
    print("modules per package:")
    for package, count in sorted(found["counts"].items()):
        print(f"  {package:12} {count}")
    print(f"upward imports: {len(found['upward'])}")
    for line in found["upward"]:
        print(f"  {line}")
    print(f"module-level import cycles: {len(found['cycles'])}")
    for component in found["cycles"]:
        print(f"  {' <-> '.join(component)}")
    print(f"cycles held apart by TYPE_CHECKING or function-level imports: {len(found['held'])}")
    for component in found["held"]:
        print(f"  {' <-> '.join(component)}")
    distinct = {(r.split(":")[0], r.split(" ", 1)[1]) for r in found["reaches"]}
    print(f"private reaches across modules: {len(found['reaches'])} uses, "
          f"{len(distinct)} distinct (module, name)")
    for line in found["reaches"]:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
