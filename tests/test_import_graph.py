"""The import graph of rvneet (issue 20): no loops, and no lower layer importing a higher one.

Every module under src/rvneet is parsed with `ast`; every import counts, at any depth (inside a
function or an `if TYPE_CHECKING:` block too), since a deferred import still ties two modules
together. An import of a package (`from rvneet.services import audit`) is read as an import of the
module it names. Layers, lowest first: domain, i18n, files and the database layer (db.py,
encryption.py, storage/); then services and reports; then cli.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "rvneet"

# A module of the first group may import none of the second.
LOWER: tuple[str, ...] = (
    "rvneet.db",
    "rvneet.encryption",
    "rvneet.storage",
    "rvneet.domain",
    "rvneet.files",
    "rvneet.i18n",
)
FORBIDDEN: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (LOWER, ("rvneet.services", "rvneet.reports", "rvneet.cli")),
    (("rvneet.services",), ("rvneet.cli",)),
    (("rvneet.reports",), ("rvneet.cli",)),
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted((SRC / PACKAGE).rglob("*.py"))}


def _imported(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    """The rvneet modules that module `name` imports, each as the most specific known module."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # `from package import module` imports that module; `from module import name`, the module.
            targets = [f"{module}.{alias.name}" for alias in node.names] + [module]
            targets = [t for t in targets[:-1] if t in known] or [module]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target.startswith(PACKAGE) and target != name:
                yield target


@functools.cache
def _graph() -> dict[str, set[str]]:
    known = _modules()
    return {name: set(_imported(name, path, known)) for name, path in known.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _loop(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """One closed path through a component, to show which imports make the loop."""
    members = set(component)
    start = component[0]
    path, seen = [start], {start}
    node = start
    while True:
        nxt = sorted(graph[node] & members)
        back = [n for n in nxt if n in seen]
        if back:
            return [*path[path.index(back[0]) :], back[0]]
        node = nxt[0]
        path.append(node)
        seen.add(node)


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def test_the_graph_sees_imports_inside_functions() -> None:
    # Would fail if only module-level imports were read: db.py imports Alembic's users lazily.
    graph = _graph()
    assert "rvneet.encryption" in graph["rvneet.db"]
    assert "rvneet.services.cases" in graph["rvneet.cli.case"]


def test_no_import_loops() -> None:
    graph = _graph()
    loops = [
        f"{' -> '.join(_loop(graph, c))}  (in a loop together: {', '.join(c)})"
        for c in _cycles(graph)
    ]
    assert not loops, "import loops:\n" + "\n".join(loops)


@pytest.mark.parametrize(("lower", "higher"), FORBIDDEN)
def test_no_lower_layer_imports_a_higher_one(
    lower: tuple[str, ...], higher: tuple[str, ...]
) -> None:
    graph = _graph()
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if _within(module, lower)
        for target in targets
        if _within(target, higher)
    )
    assert not wrong, "\n".join(wrong)


def test_the_shared_case_work_lookups_import_no_service() -> None:
    # The eight case-work services share services/lookups.py: it must stay below all of them.
    services = sorted(
        t for t in _graph()["rvneet.services.lookups"] if _within(t, ("rvneet.services",))
    )
    assert services == []


def test_a_loop_is_found_and_shown() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _loop(graph, ["a", "b", "c"]) == ["a", "b", "c", "a"]
