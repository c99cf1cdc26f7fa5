"""Imports under ``src/otagai/domain`` run one way (ENGINEERING.md, "Imports run one way").

The imports of every domain module are read with ``ast``, including those inside
functions (a function-local import is as much a dependency as any other; it only hides
the cycle from Python). Imports under ``if TYPE_CHECKING:`` are skipped: they exist for
the type checker's annotations only and are never executed.

- Nothing under ``domain/`` imports the web framework (flask, flask_smorest, marshmallow).
- The modules directly in ``domain/`` (``actors.py``, ``clock.py``, ...) are the bottom
  layer: they import no domain package.
- No two domain packages import each other.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ROOT

DOMAIN = ROOT / "src" / "otagai" / "domain"
PREFIX = "otagai.domain"
WEB_FRAMEWORK = {"flask", "flask_smorest", "marshmallow"}

# Cycles still being taken apart, one commit at a time; an entry that no longer exists
# fails the test, so the list can only shrink.
KNOWN_CYCLES: set[frozenset[str]] = {
    frozenset(pair)
    for pair in [
        ("insurance", "requests"),
        ("matches", "matching"),
        ("matches", "requests"),
        ("matching", "requests"),
        ("requests", "thanks"),
    ]
}


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


def test_no_two_domain_packages_import_each_other():
    mutual = {
        frozenset((a, b)) for a, b in EDGES if a in PACKAGES and b in PACKAGES and (b, a) in EDGES
    }
    details = {
        " <-> ".join(sorted(pair)): {
            f"{a} -> {b}": EDGES[a, b] for a in pair for b in pair if a != b
        }
        for pair in mutual - KNOWN_CYCLES
    }
    assert details == {}, "two domain packages import each other"
    gone = {" <-> ".join(sorted(pair)) for pair in KNOWN_CYCLES - mutual}
    assert gone == set(), "no longer a cycle: remove it from KNOWN_CYCLES"
