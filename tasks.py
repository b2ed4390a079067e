#!/usr/bin/env python3
"""Set up and run museum-kg from a fresh clone, with nothing but Python 3.11+.

    python3 tasks.py serve [ARGS...]   # set up, load the bundled graph, serve it
    python3 tasks.py test  [ARGS...]   # set up, run the test suite (pytest ARGS)

Setting up means: a virtual environment in `.venv`, this project installed
into it (editable, with its test extras), re-done only when pyproject.toml
changes; for tests, also Debian's `chromium` for the browser tests when the
machine allows installing it.
"""

from __future__ import annotations

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
    if sys.version_info < (3, 11):
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


def ensure_chromium() -> None:
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    if shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0:
        print("installing Debian's chromium for the browser tests ...", flush=True)
        quiet = {"stdout": subprocess.DEVNULL}
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        if run("apt-get", "update", "-q", env=env, **quiet) == 0:
            run("apt-get", "install", "-y", "-q", "chromium", env=env, **quiet)
    if not shutil.which("chromium"):
        print("note: chromium is not installed; browser tests will be skipped", flush=True)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("serve", "test"):
        print(__doc__)
        return 2
    task, rest = argv[0], argv[1:]
    if task == "serve":
        setup("")
        return run(BIN / "museum-kg", "serve", *rest)
    setup("test")
    ensure_chromium()
    return run(BIN / "python", "-m", "pytest", *rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
