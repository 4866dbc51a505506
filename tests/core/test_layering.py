"""The architecture, checked: core never imports Dagster, the Dagster layer uses only core's
public names, and the heavy libraries stay in the one package that needs each."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imports(path: Path) -> list[tuple[str, str | None]]:
    """(module, name) for every import in a file; name is None for ``import module``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.module, alias.name) for alias in node.names]
    return found


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_core_never_imports_dagster():
    offending = [
        f"{_where(path)}: {module}"
        for path in _modules("lineage_core")
        for module, _ in _imports(path)
        if module == "dagster" or module.startswith(("dagster.", "dagster_"))
    ]
    assert not offending


@pytest.mark.parametrize("package", ["lineage_dagster"])
def test_the_dagster_layer_uses_only_public_core_names(package):
    offending = []
    for path in _modules(package):
        for module, name in _imports(path):
            if not module.startswith("lineage_core"):
                continue
            private_module = any(part.startswith("_") for part in module.split("."))
            if private_module or (name or "").startswith("_"):
                offending.append(f"{_where(path)}: from {module} import {name}")
    assert not offending


@pytest.mark.parametrize("package", ["lineage_core", "lineage_dagster"])
def test_no_module_imports_another_modules_private_names(package):
    offending = [
        f"{_where(path)}: from {module} import {name}"
        for path in _modules(package)
        for module, name in _imports(path)
        if module.startswith(("lineage_core", "lineage_dagster")) and (name or "").startswith("_")
    ]
    assert not offending


@pytest.mark.parametrize(
    ("library", "home"),
    [
        ("sqlglot", "lineage_core/sql/"),
        ("polars", "lineage_core/profiling/files.py"),
        ("duckdb", "lineage_core/profiling/duckdb.py"),
        ("jsonschema", "lineage_core/openlineage/validation.py"),
    ],
)
def test_a_heavy_library_is_imported_in_its_one_home_only(library, home):
    offending = [
        _where(path)
        for package in ("lineage_core", "lineage_dagster")
        for path in _modules(package)
        if not _where(path).startswith(home)
        and any(
            module == library or module.startswith(f"{library}.") for module, _ in _imports(path)
        )
    ]
    assert not offending
