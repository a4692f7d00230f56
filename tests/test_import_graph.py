"""The top-level packages import downwards only, and never in a cycle.

The graph is read from the source with `ast`, not from what an import loads: every
`import` and `from ... import` counts, at the top of a module, inside a function, or
under `if TYPE_CHECKING:` (a type-only import still ties the two packages together:
the lower one cannot be read, typed or shipped without the upper one). Relative
imports stay inside their package and are not edges.

The order, from the bottom (README.md "Layers"):

    core < firmware_bridge < sim < robot < models, benchmarks

An edge from a package to one of the same rank or higher fails, naming the file and
line, so a new upward import is caught even before it closes a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RANK: dict[str, int] = {
    "core": 0,
    "firmware_bridge": 1,
    "sim": 2,
    "robot": 3,
    "models": 4,
    "benchmarks": 4,
}
"""Each top-level package's layer; a package imports only packages of a lower rank
(models and benchmarks are tools on top: neither imports the other)."""

Edges = dict[str, dict[str, list[str]]]
"""importer -> imported -> the places ("file:line") that import it."""


def imported_modules(tree: ast.AST) -> Iterable[tuple[str, int]]:
    """(absolute module name, line) of every import in the tree, wherever it is."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module, node.lineno


def import_edges(root: Path, packages: Iterable[str]) -> Edges:
    """The imports between `packages` (folders under `root`), from their source."""
    packages = set(packages)
    edges: Edges = {p: {} for p in packages}
    for package in sorted(packages):
        for path in sorted((root / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for module, line in imported_modules(tree):
                top = module.partition(".")[0]
                if top in packages and top != package:
                    where = f"{path.relative_to(root)}:{line}"
                    edges[package].setdefault(top, []).append(where)
    return edges


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A cycle of `graph` as [a, b, ..., a], or None if it has none (depth-first)."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if cycle := visit(nxt):
                return cycle
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        if cycle := visit(start):
            return cycle
    return None


def upward_imports(edges: Edges, rank: Mapping[str, int]) -> list[str]:
    """One line per import of a package that is not below the importer."""
    return [
        f"{importer} (layer {rank[importer]}) imports {imported} (layer {rank[imported]}) "
        f"at {', '.join(places)}"
        for importer, targets in sorted(edges.items())
        for imported, places in sorted(targets.items())
        if rank[imported] >= rank[importer]
    ]


def describe(cycle: list[str], edges: Edges) -> str:
    """The cycle, with one import that makes each of its edges."""
    steps = [f"{a} -> {b} ({edges[a][b][0]})" for a, b in pairwise(cycle)]
    return "import cycle: " + "; ".join(steps)


# -- the stack ----------------------------------------------------------------------------


def test_every_top_level_package_has_a_layer() -> None:
    """A new top-level package must be given its place (else it escapes this test)."""
    tops = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert tops - {"tests"} == set(RANK), "add the new package to RANK and README.md Layers"


def test_no_import_cycle_between_top_level_packages() -> None:
    edges = import_edges(ROOT, RANK)
    cycle = find_cycle(edges)
    assert cycle is None, describe(cycle, edges)


def test_packages_import_only_the_layers_below() -> None:
    upward = upward_imports(import_edges(ROOT, RANK), RANK)
    assert not upward, "imports against the layering (core < firmware_bridge < sim < robot):\n" + (
        "\n".join(upward)
    )


def test_the_layers_below_robot_are_in_use() -> None:
    """The edges the layering promises exist: the graph is read, not empty by mistake."""
    edges = import_edges(ROOT, RANK)
    assert {"core", "firmware_bridge", "sim"} <= set(edges["robot"])
    assert "core" in edges["sim"] and "firmware_bridge" in edges["sim"]


# -- the checks themselves can fail ---------------------------------------------------------


def test_find_cycle_finds_a_cycle_and_none_where_there_is_none() -> None:
    assert find_cycle({"a": ["b"], "b": ["c"], "c": []}) is None
    assert find_cycle({"a": ["b", "c"], "b": ["c"], "c": []}) is None  # a diamond
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"x": ["a"], "a": ["b"], "b": ["a"]}) == ["a", "b", "a"]


def test_a_synthetic_tree_with_a_cycle_and_an_upward_import_fails(tmp_path: Path) -> None:
    files = {
        "low/__init__.py": "",
        "low/base.py": "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from high.top import Thing\n",
        "high/__init__.py": "",
        "high/top.py": "import os\n\ndef f():\n    import low.base\n    from . import x\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    edges = import_edges(tmp_path, ["low", "high"])
    assert edges == {"low": {"high": ["low/base.py:3"]}, "high": {"low": ["high/top.py:4"]}}
    cycle = find_cycle(edges)
    assert cycle == ["high", "low", "high"]
    assert describe(cycle, edges) == (
        "import cycle: high -> low (high/top.py:4); low -> high (low/base.py:3)"
    )
    assert upward_imports(edges, {"low": 0, "high": 1}) == [
        "low (layer 0) imports high (layer 1) at low/base.py:3"
    ]
