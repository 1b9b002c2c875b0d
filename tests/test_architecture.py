"""The architecture, checked on the import graph so it cannot erode unnoticed.

Each subpackage of `signage` is a part; `ALLOWED` says which other parts it may import (the
same rules as the parts' own docstrings and docs/architecture.md). Every import counts:
module level, inside functions and under TYPE_CHECKING alike.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "signage"

ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "formats": frozenset({"core"}),
    "typeset": frozenset({"core"}),
    "schedule": frozenset({"core"}),
    "appliance": frozenset({"core"}),
    "render": frozenset({"core", "typeset", "formats"}),
    "workers": frozenset({"core", "formats", "typeset", "render", "schedule"}),
    "content": frozenset({"core", "formats", "schedule", "workers"}),
    "screen": frozenset(
        {"core", "typeset", "render", "content", "schedule", "appliance", "workers"}
    ),
    "sites": frozenset({"core", "appliance"}),
    "commands": frozenset(
        {
            "core",
            "formats",
            "typeset",
            "render",
            "content",
            "schedule",
            "appliance",
            "screen",
            "workers",
            "sites",
        }
    ),
    # The package itself: signage/__init__.py and __main__.py (python -m signage).
    "": frozenset({"commands"}),
}

DISPLAY_PARTS = frozenset({"screen", "commands"})
"""Only these may open a window, read events or hide the mouse."""


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        yield ".".join(parts), path


def part_of(module: str) -> str:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 2 or (len(pieces) == 2 and _is_package(pieces[1])) else ""


def _is_package(name: str) -> bool:
    return (PACKAGE / name / "__init__.py").is_file()


def imports_of(path: Path) -> set[str]:
    """Every signage module this file imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("signage")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("signage"):
            found.add(node.module)
            # `from signage.formats import text` imports a module, not a name.
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if _module_exists(candidate):
                    found.add(candidate)
    return found


def _module_exists(module: str) -> bool:
    rel = Path(*module.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").is_file() or (PACKAGE / rel / "__init__.py").is_file()


GRAPH = {name: imports_of(path) for name, path in modules()}


def test_every_part_is_declared_and_documented() -> None:
    parts = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert parts == set(ALLOWED) - {""}
    for part in parts:
        doc = ast.get_docstring(ast.parse((PACKAGE / part / "__init__.py").read_text("utf-8")))
        assert doc and len(doc) > 120, f"signage/{part}/__init__.py needs a docstring"
    loose = {p.name for p in PACKAGE.glob("*.py")} - {"__init__.py", "__main__.py"}
    assert not loose, f"modules outside any part: {sorted(loose)}"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_follow_the_layers(module: str) -> None:
    part = part_of(module)
    allowed = ALLOWED[part] | {part}
    wrong = sorted(m for m in GRAPH[module] if part_of(m) not in allowed and m != "signage")
    assert not wrong, f"{module} ({part or 'package'}) may not import {wrong}"


def test_no_import_cycles() -> None:
    """Not between modules either: a cycle hides which one is the lower layer."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for dep in sorted(GRAPH.get(module, ())):
            if dep not in GRAPH or dep == module:
                continue
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_only_the_screen_touches_the_display(module: str) -> None:
    if part_of(module) in DISPLAY_PARTS:
        return
    source = dict(modules())[module].read_text(encoding="utf-8")
    for name in ("pygame.display", "pygame.event", "pygame.mouse", "pygame.key"):
        assert name not in source, f"{module} uses {name}: only the screen may"
