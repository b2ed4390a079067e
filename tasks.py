#!/usr/bin/env python3
"""Set up and run museum-kg from a fresh clone, with nothing but Python 3.11+.

    python3 tasks.py serve [ARGS...]   # set up, load the bundled graph, serve it
    python3 tasks.py test  [ARGS...]   # set up, run the test suite (pytest ARGS)
    python3 tasks.py assets            # install the query page's browser libraries locally

Setting up means: a virtual environment in `.venv`, this project installed
into it (editable, with its test extras), re-done only when pyproject.toml
changes; for tests, also Debian's `chromium` (browser tests),
`libapache-jena-java` (Jena client tests), `postgresql` (the shared change
log's tests, run as a disposable cluster) and `virtuoso-opensource-7-bin` (the
remote backend's tests over Virtuoso, run as disposable instances) when the
machine allows installing them. Both also install the pinned browser libraries
of the query page (endpoint/asset-packages.json) into `.museum-kg/assets` when
`npm` is available, so the page works offline; without npm it uses a CDN. The npm
clients of the tests (ldes-client, Comunica) install themselves into
`.museum-kg/node` at their first use.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".museum-kg-installed"


def run(*cmd: str | Path, **kw) -> int:
    return subprocess.call([str(c) for c in cmd], cwd=ROOT, **kw)


def setup(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (tasks.py runs on any python3)
        sys.exit("museum-kg needs Python 3.11 or newer; run this with python3.11+")
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    print(f"installing museum-kg[{extras}] into .venv ...", flush=True)
    target = f".[{extras}]" if extras else "."
    code = run(BIN / "python", "-m", "pip", "install", "-q", "-e", target)
    if code:
        sys.exit(f"pip install failed with status {code}")
    STAMP.write_text(digest)


# Debian packages of the tests' real clients: (package, installed when this path exists, why)
TEST_PACKAGES = [
    ("chromium", "/usr/bin/chromium", "browser tests"),
    ("libapache-jena-java", "/usr/share/java/jena-arq.jar", "Jena client tests"),
    ("postgresql", "/usr/lib/postgresql/*/bin/initdb", "PostgreSQL change log tests"),
    # Virtuoso's programs alone (virtuoso-t, isql-vt): no service, no debconf questions; the
    # tests start disposable instances of their own (tests/virtuoso.py)
    ("virtuoso-opensource-7-bin", "/usr/bin/virtuoso-t", "Virtuoso tests"),
]


def _present(path: str) -> bool:
    return any(Path(p).exists() for p in glob.glob(path))


def ensure_test_packages() -> None:
    """apt-get install what the tests use and is missing, when root; never fatal."""
    missing = [(name, why) for name, path, why in TEST_PACKAGES if not _present(path)]
    if not shutil.which("java"):  # Jena's jars are no use without a JRE
        missing = [(name, why) for name, why in missing if name != "libapache-jena-java"]
    if not missing:
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("installing Debian packages for the tests:", *(n for n, _ in missing), flush=True)
        quiet = {"stdout": subprocess.DEVNULL}
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if run("apt-get", "update", "-q", env=env, **quiet) == 0:
            for name, _ in missing:  # one at a time: a failure leaves the others installed
                run("apt-get", "install", "-y", "-q", name, env=env, **quiet)
    for name, path, why in TEST_PACKAGES:
        if (name, why) in missing and not _present(path):
            print(f"note: {name} is not installed; {why} will be skipped", flush=True)


def install_assets(required: bool = False) -> None:
    """npm-install the pinned packages of endpoint/asset-packages.json into STATE/assets."""
    state = Path(os.environ.get("MUSEUM_KG_HOME", ROOT / ".museum-kg"))
    target = state / "assets"
    pins = (ROOT / "endpoint" / "asset-packages.json").read_bytes()
    stamp = target / ".installed"
    if stamp.exists() and stamp.read_bytes() == pins:
        return
    npm = shutil.which("npm")
    if npm is None:
        if required:
            sys.exit("npm is not installed; the query page will load its libraries from a CDN")
        return
    print("installing the query page's browser libraries into", target, "...", flush=True)
    target.mkdir(parents=True, exist_ok=True)
    (target / "package.json").write_bytes(pins)
    code = subprocess.call(
        [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--omit=dev", "--silent"],
        cwd=target,
    )
    if code == 0:
        stamp.write_bytes(pins)
    else:
        print("note: npm install failed; the query page will use the CDN", flush=True)
        if required:
            sys.exit(code)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("serve", "test", "assets"):
        print(__doc__)
        return 2
    task, rest = argv[0], argv[1:]
    if task == "assets":
        install_assets(required=True)
        return 0
    install_assets()
    if task == "serve":
        setup("")
        return run(BIN / "museum-kg", "serve", *rest)
    setup("test")
    ensure_test_packages()
    return run(BIN / "python", "-m", "pytest", *rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
