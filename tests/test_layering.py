"""The import rules of the architecture, enforced by walking every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {"dynamo", "storage", "expressions", "streams"}
STDLIB = frozenset(__import__("sys").stdlib_module_names)

# package -> (our packages or modules it may import, third-party packages it may import)
RULES: dict[str, tuple[set[str], set[str]]] = {
    "storage": ({"storage"}, {"lmdb", "msgpack"}),
    "expressions": ({"expressions", "storage.values", "storage.errors"}, set()),
    "streams": ({"streams", "storage"}, set()),
}


def imports_of(path: Path) -> set[str]:
    """Absolute names of everything a module imports (relative imports resolved)."""
    names: set[str] = set()
    package = path.relative_to(ROOT).with_suffix("").parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                names.add(node.module)
    return names


def allowed(name: str, ours: set[str], third_party: set[str]) -> bool:
    top = name.split(".")[0]
    if top in OURS:
        return any(name == rule or name.startswith(rule + ".") for rule in ours)
    return top in STDLIB or top == "__future__" or top in third_party


@pytest.mark.parametrize("package", sorted(RULES))
def test_package_imports_follow_the_rules(package: str) -> None:
    # storage: stdlib, lmdb, msgpack; expressions: stdlib and storage.values; streams: storage only.
    ours, third_party = RULES[package]
    bad = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in imports_of(path)
        if not allowed(name, ours, third_party)
    }
    assert not bad, sorted(bad)


def test_only_env_imports_lmdb() -> None:
    # storage/env.py is the only module that talks to LMDB directly.
    users = {
        str(path.relative_to(ROOT))
        for package in OURS
        for path in (ROOT / package).rglob("*.py")
        if any(name.split(".")[0] == "lmdb" for name in imports_of(path))
    }
    assert users == {"storage/env.py"}
