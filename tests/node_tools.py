"""Command-line clients from npm for the tests, installed on demand (a helper module).

Every package goes into one prefix, `.museum-kg/node` (under `MUSEUM_KG_HOME` when set),
at its pinned exact version, once per machine: later sessions find it there. Installing
holds a file lock, so test runs started at the same time do not write the prefix together.
A test asks `npm_command_or_reason(PACKAGE)` and skips with the reason when Node.js or npm
is absent or npm cannot install the package (no registry access).
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from museum_kg.paths import DEFAULT_STATE_DIR

NODE_DIR = DEFAULT_STATE_DIR / "node"
INSTALL_TIMEOUT_S = 240  # below the per-test timeout of pytest-timeout (pyproject.toml)


@dataclass(frozen=True)
class NpmPackage:
    name: str
    version: str  # exact
    command: str  # the name of its command in node_modules/.bin
    # exact versions of dependencies under this package only (npm "overrides"), for
    # dependencies whose newest release does not run on the Node.js we have
    overrides: tuple[tuple[str, str], ...] = ()

    @property
    def path(self) -> Path:
        return NODE_DIR / "node_modules" / ".bin" / self.command


def npm_command_or_reason(package: NpmPackage) -> tuple[Path | None, str]:
    """The package's command, installing it with npm when needed; else None and why."""
    if not shutil.which("node"):
        return None, f"Node.js is not installed, so {package.command} cannot run"
    if _installed(package):
        return package.path, ""
    if not shutil.which("npm"):
        return None, f"npm is not installed, so {package.name} cannot be installed"
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    with _locked(NODE_DIR / ".install.lock"):
        if _installed(package):  # another run installed it while we waited
            return package.path, ""
        _write_overrides(package)
        try:
            done = subprocess.run(
                [
                    "npm",
                    "install",
                    "--prefix",
                    str(NODE_DIR),
                    "--save-exact",
                    "--no-audit",
                    "--no-fund",
                    "--fetch-retries=1",
                    "--fetch-timeout=30000",
                    f"{package.name}@{package.version}",
                ],
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            return None, f"npm did not install {package.name} within {INSTALL_TIMEOUT_S} s"
    if done.returncode != 0 or not _installed(package):
        tail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        return None, f"npm could not install {package.name} (no registry access?): {tail}"
    return package.path, ""


def _installed(package: NpmPackage) -> bool:
    manifest = NODE_DIR / "node_modules" / package.name / "package.json"
    if not package.path.exists() or not manifest.exists():
        return False
    version = json.loads(manifest.read_text(encoding="utf-8")).get("version")
    return version == package.version and _overrides(package) == dict(package.overrides)


def _overrides(package: NpmPackage) -> dict[str, str]:
    root = NODE_DIR / "package.json"
    if not root.exists():
        return {}
    return json.loads(root.read_text(encoding="utf-8")).get("overrides", {}).get(package.name, {})


def _write_overrides(package: NpmPackage) -> None:
    root = NODE_DIR / "package.json"
    manifest = json.loads(root.read_text(encoding="utf-8")) if root.exists() else {}
    overrides = manifest.setdefault("overrides", {})
    if package.overrides:
        overrides[package.name] = dict(package.overrides)
    else:
        overrides.pop(package.name, None)
    if not overrides:
        del manifest["overrides"]
    root.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
