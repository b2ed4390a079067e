"""The architecture rules of the design card, checked on the source itself."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

from museum_kg.paths import ROOT

PACKAGE_DIRS = {
    "museum_kg": ROOT / "museum_kg",
    "museum_kg.loader": ROOT / "loader",
    "museum_kg.endpoint": ROOT / "endpoint",
}


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _imports_any(path: Path, prefixes: tuple[str, ...]) -> list[str]:
    return sorted(
        m for m in _imports(path) if m.split(".")[0] in prefixes or m.startswith(prefixes)
    )


@pytest.mark.parametrize("path", _modules(ROOT / "loader"), ids=lambda p: p.name)
def test_loader_never_imports_endpoint_or_flask(path: Path) -> None:
    bad = [
        m
        for m in _imports(path)
        if m.startswith("museum_kg.endpoint")
        or m.split(".")[0] in ("flask", "werkzeug", "waitress")
    ]
    assert not bad, (
        f"{path.relative_to(ROOT)} imports {bad}: the loader must stay below the endpoint"
    )


@pytest.mark.parametrize(
    "path", [p for p in _modules(ROOT / "museum_kg") if p.name != "cli.py"], ids=lambda p: p.name
)
def test_root_package_imports_neither_loader_nor_endpoint(path: Path) -> None:
    bad = [m for m in _imports(path) if m.startswith(("museum_kg.loader", "museum_kg.endpoint"))]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


@pytest.mark.parametrize(
    "path", _modules(ROOT / "endpoint"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_nothing_above_the_store_interface_imports_pyoxigraph(path: Path) -> None:
    bad = [m for m in _imports(path) if m.split(".")[0] == "pyoxigraph"]
    assert not bad, f"{path.relative_to(ROOT)} imports pyoxigraph; go through museum_kg.store"


def test_every_package_folder_is_listed_in_pyproject() -> None:
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = set()
    for name, folder in PACKAGE_DIRS.items():
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder).parts
            found.add(".".join((name, *rel)))
    assert found - listed == set(), "add these packages to pyproject.toml [tool.setuptools]"
    assert listed - found == set(), "pyproject.toml lists packages that do not exist"


@pytest.mark.parametrize(
    "folder",
    ["ontology", "data", "loader", "endpoint", "queries", "tests", "museum_kg", "docs"]
    + ["benchmarks"],
)
def test_each_top_level_folder_has_a_readme_stating_its_rule(folder: str) -> None:
    readme = ROOT / folder / "README.md"
    assert readme.is_file(), f"{folder}/README.md is missing"
    assert "Rule" in readme.read_text(encoding="utf-8"), f"{folder}/README.md states no rule"


def test_source_passes_ruff() -> None:
    import shutil
    import subprocess
    import sys

    ruff = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed (it comes with the test extras)")
    done = subprocess.run([ruff, "check", "--quiet", str(ROOT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_test_module_names_are_unique_across_folders() -> None:
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    repeated = sorted({n for n in names if names.count(n) > 1})
    assert not repeated, f"rename these test modules, pytest cannot import both: {repeated}"


def _packages() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return sorted(pyproject["tool"]["setuptools"]["packages"])


def test_every_package_imports_on_its_own_without_import_cycles() -> None:
    """A fresh interpreter imports each package first: a cycle between two packages
    shows up as an ImportError only when the 'wrong' one is imported first."""
    import subprocess
    import sys

    script = (
        "import importlib, subprocess, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    r = subprocess.run([sys.executable, '-c', f'import {name}'], capture_output=True,"
        " text=True)\n"
        "    if r.returncode:\n"
        "        failed.append(name + ': ' + r.stderr.strip().splitlines()[-1])\n"
        "print('\\n'.join(failed))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *_packages()], capture_output=True, text=True, timeout=300
    )
    assert result.stdout.strip() == "", result.stdout


def test_query_workers_load_neither_rdflib_nor_flask() -> None:
    """Each query worker is a process of its own: what it imports, every worker holds
    (rdflib alone is about 15 MB of each worker's memory)."""
    import subprocess
    import sys

    script = (
        "import sys, museum_kg.store.workers\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rdflib', 'flask'}))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


@pytest.mark.parametrize(
    "package", ["museum_kg", "museum_kg.store", "museum_kg.loader", "museum_kg.endpoint"]
)
def test_each_package_exports_a_small_public_surface_that_resolves(package: str) -> None:
    import importlib

    module = importlib.import_module(package)
    assert 0 < len(module.__all__) <= 10, f"{package}.__all__ should name its public surface"
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name} does not resolve"


BENCH_MODULES = tuple(p.stem for p in _modules(ROOT / "benchmarks")) + ("benchmarks",)


@pytest.mark.parametrize(
    "path",
    [p for d in PACKAGE_DIRS.values() for p in _modules(d)],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_the_project_never_imports_the_benchmarks(path: Path) -> None:
    bad = sorted(m for m in _imports(path) if m.split(".")[0] in BENCH_MODULES)
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}, which belong to benchmarks/"


@pytest.mark.parametrize(
    "path", _modules(ROOT / "endpoint"), ids=lambda p: str(p.relative_to(ROOT))
)
def test_every_route_reads_accept_with_the_one_negotiation_function(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    bad = [
        name for name in ("accept_mimetypes", "parse_accept_header", "MIMEAccept") if name in text
    ]
    assert not bad, (
        f"{path.relative_to(ROOT)} reads Accept with {bad}; use museum_kg.endpoint.conneg "
        "(best_match, quality, negotiate), which follows RFC 9110 for every route"
    )
