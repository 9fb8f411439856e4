"""The layers hold: a lower layer never imports a higher one (issue 9, part 3; shared/DESIGN.md).

core (plumbing) <- workflows (deterministic code, pure rules) <- schema (tables, repositories) and
activities (thin adapters) <- api, workers and devstack (composition); workers (what runs in
production) never import devstack (local tooling). Every import counts: module
level, inside functions, under ``TYPE_CHECKING`` and inside ``workflow.unsafe.imports_passed_through()``;
relative imports are resolved, and ``importlib.import_module("...")`` with a literal name counts too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "workflows", "schema", "activities", "api", "workers", "devstack")
COMPOSITION = {"api", "workers", "devstack"}
FORBIDDEN = {
    "core": {"workflows", "schema", "activities"} | COMPOSITION,
    "workflows": {"schema", "activities"} | COMPOSITION,
    "schema": {"activities"} | COMPOSITION,
    "activities": COMPOSITION,
    "api": {"activities", "workers", "devstack"},
    "workers": {"devstack"},  # production entry points never depend on the local-stack tooling
}


def _module_name(path: Path, root: Path) -> list[str]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imports(path: Path, root: Path = ROOT) -> Iterator[tuple[str, int]]:
    """(imported module, line) for every import in ``path``, wherever it sits in the file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = _module_name(path, root)
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                yield ".".join([*base, *([node.module] if node.module else [])]), node.lineno
            elif node.module:
                yield node.module, node.lineno
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value, node.lineno


def crossings(layer: str, root: Path = ROOT) -> list[str]:
    """``file:line imports module`` for each import from ``layer`` into a forbidden package."""
    found = []
    for path in sorted((root / layer).rglob("*.py")):
        for module, line in imports(path, root):
            if module.split(".")[0] in FORBIDDEN[layer]:
                found.append(f"{path.relative_to(root)}:{line} imports {module}")
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_layer_imports_a_higher_one(layer: str) -> None:
    bad = crossings(layer)
    assert not bad, f"{layer} must not import {sorted(FORBIDDEN[layer])}:\n" + "\n".join(bad)


def test_the_walk_sees_every_kind_of_import(tmp_path: Path) -> None:
    """The checker itself: nested, passed-through, relative and dynamic imports are all found."""
    source = (
        "from temporalio import workflow\n"
        "with workflow.unsafe.imports_passed_through():\n"
        "    from activities.cycle import run\n"
        "def f():\n"
        "    import api.app\n"
        "    importlib.import_module('workers.run')\n"
        "from .models import X\n"
    )
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "w.py").write_text(source)
    assert crossings("workflows", tmp_path) == [
        "workflows/w.py:3 imports activities.cycle",
        "workflows/w.py:5 imports api.app",
        "workflows/w.py:6 imports workers.run",
    ]
    assert ("workflows.models", 7) in set(imports(tmp_path / "workflows" / "w.py", tmp_path))


def test_every_layer_has_modules() -> None:
    """A renamed or moved package would make its rule vacuous."""
    assert all(any((ROOT / p).rglob("*.py")) for p in PACKAGES)
