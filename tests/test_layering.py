"""Imports under ``src/otagai/domain`` run one way (ENGINEERING.md, "Imports run one way").

The imports of every domain module are read with ``ast``, including those inside
functions (a function-local import is as much a dependency as any other; it only hides
the cycle from Python). Imports under ``if TYPE_CHECKING:`` are skipped: they exist for
the type checker's annotations only and are never executed.

- Nothing under ``domain/`` imports the web framework (flask, flask_smorest, marshmallow).
- The modules directly in ``domain/`` (``actors.py``, ``clock.py``, ...) are the bottom
  layer: they import no domain package.
- No two domain packages import each other, nor do several in a circle: each imports
  only packages below it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from tests.conftest import ROOT

DOMAIN = ROOT / "src" / "otagai" / "domain"
PREFIX = "otagai.domain"
WEB_FRAMEWORK = {"flask", "flask_smorest", "marshmallow"}


@dataclass(frozen=True)
class Import:
    module: str  # the imported module, dotted
    line: int


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Imports(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[Import] = []

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.extend(Import(alias.name, node.lineno) for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        assert node.level == 0, f"relative import on line {node.lineno}: write it absolute"
        module = node.module or ""
        self.found.append(Import(module, node.lineno))
        # ``from otagai.domain import clock`` imports the module otagai.domain.clock.
        self.found.extend(Import(f"{module}.{alias.name}", node.lineno) for alias in node.names)


def imports_of(source: str) -> list[Import]:
    """Every import the module would execute, wherever it is in the module."""
    visitor = _Imports()
    visitor.visit(ast.parse(source))
    return visitor.found


PACKAGES = sorted(p.name for p in DOMAIN.iterdir() if (p / "__init__.py").is_file())
BOTTOM = sorted(p.stem for p in DOMAIN.glob("*.py") if p.stem != "__init__")


def _unit(path: Path) -> str:
    """The package a domain module belongs to, or its own name for a bottom module."""
    return path.relative_to(DOMAIN).parts[0].removesuffix(".py")


def _target(module: str) -> str | None:
    """The domain package (or bottom module) an imported module belongs to."""
    parts = module.split(".")
    if parts[:2] != PREFIX.split(".") or len(parts) < 3:
        return None
    return parts[2] if parts[2] in PACKAGES or parts[2] in BOTTOM else None


def _edges() -> dict[tuple[str, str], list[str]]:
    """(importer, imported) -> where, for imports between different packages/modules."""
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for path in sorted(DOMAIN.rglob("*.py")):
        source = _unit(path)
        for found in imports_of(path.read_text(encoding="utf-8")):
            target = _target(found.module)
            if target is not None and target != source:
                edges[source, target].add(f"{path.relative_to(DOMAIN)}:{found.line}")
    return {edge: sorted(where) for edge, where in edges.items()}


EDGES = _edges()


def test_imports_of_sees_function_local_imports_and_skips_type_checking():
    source = (
        "from typing import TYPE_CHECKING\n"
        "import otagai.domain.people.models\n"
        "if TYPE_CHECKING:\n"
        "    from otagai.domain.trust.models import Block\n"
        "def f():\n"
        "    from otagai.domain.matches import models\n"
    )
    modules = {i.module for i in imports_of(source)}
    assert "otagai.domain.people.models" in modules
    assert "otagai.domain.matches.models" in modules
    assert not any(m.startswith("otagai.domain.trust") for m in modules)


def test_the_graph_sees_the_domain():
    assert {"people", "requests", "matching"} <= set(PACKAGES)
    assert ("matching", "requests") in EDGES  # the candidate query reads share requests


def test_domain_imports_no_web_framework():
    offending = [
        f"{path.relative_to(DOMAIN)}:{found.line} imports {found.module}"
        for path in sorted(DOMAIN.rglob("*.py"))
        for found in imports_of(path.read_text(encoding="utf-8"))
        if found.module.split(".")[0] in WEB_FRAMEWORK
    ]
    assert offending == []


def test_bottom_modules_import_no_domain_package():
    offending = {
        edge: where for edge, where in EDGES.items() if edge[0] in BOTTOM and edge[1] in PACKAGES
    }
    assert offending == {}, "a module at the bottom of domain/ imports a domain package"


def _package_edges() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {package: set() for package in PACKAGES}
    for source, target in EDGES:
        if source in PACKAGES and target in PACKAGES:
            graph[source].add(target)
    return graph


def _a_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that ends where it starts, or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        path.append(node)
        for target in sorted(graph[node]):
            found = visit(target)
            if found is not None:
                return found
        path.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        found = visit(node)
        if found is not None:
            return found
    return None


def test_a_cycle_is_found_when_there_is_one():
    assert _a_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _a_cycle({"a": {"b"}, "b": set()}) is None


def test_no_two_domain_packages_import_each_other():
    mutual = {
        " <-> ".join(sorted((a, b))): {f"{a} -> {b}": EDGES[a, b], f"{b} -> {a}": EDGES[b, a]}
        for a, b in EDGES
        if a in PACKAGES and b in PACKAGES and (b, a) in EDGES
    }
    assert mutual == {}, "two domain packages import each other"


def test_domain_packages_import_only_downward():
    cycle = _a_cycle(_package_edges())
    where = {f"{a} -> {b}": EDGES[a, b] for a, b in pairwise(cycle or [])}
    assert cycle is None, f"the domain packages import each other in a circle: {where}"
