"""A disposable PostgreSQL server for tests (a helper module, importable by name).

`PostgresServer.start()` runs Debian's PostgreSQL (`apt-get install postgresql`;
`python3 tasks.py test` installs it when root) as a cluster of its own: `initdb` in a
new temporary folder, `pg_ctl start` on a free loopback port, no Unix socket, trust
authentication for 127.0.0.1 only. As root it runs as the `postgres` user (the server
refuses root). `new_database()` gives the URL of a fresh, empty database, so tests do
not see each other's change logs; `stop()` stops the server and removes its folder.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def binaries() -> Path | None:
    """The folder of `initdb` and `pg_ctl` (Debian keeps them out of PATH), newest first."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(folder, "initdb").is_file() and Path(folder, "pg_ctl").is_file():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, folder: Path, port: int, bin_dir: Path, as_postgres: bool) -> None:
        self.folder, self.port, self.bin_dir, self.as_postgres = folder, port, bin_dir, as_postgres
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        self._databases = 0

    @classmethod
    def start(cls) -> PostgresServer:
        """Start a new cluster; `RuntimeError` with the reason when it cannot."""
        bin_dir = binaries()
        if bin_dir is None:
            raise RuntimeError("Debian's PostgreSQL is not installed (apt-get install postgresql)")
        as_postgres = hasattr(os, "geteuid") and os.geteuid() == 0
        folder = Path(tempfile.mkdtemp(prefix="museum-kg-postgres-"))
        if as_postgres:
            try:
                shutil.chown(folder, "postgres", "postgres")
            except (LookupError, OSError) as exc:
                raise RuntimeError(f"there is no usable `postgres` user ({exc})") from None
        server = cls(folder, _free_port(), bin_dir, as_postgres)
        data = folder / "data"
        server._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--no-sync")  # fmt: skip
        options = f"-c listen_addresses=127.0.0.1 -p {server.port} -c unix_socket_directories="
        options += " -c fsync=off -c max_connections=200"
        server._run("pg_ctl", "-D", str(data), "-l", str(folder / "server.log"), "-o", options,
                    "-w", "-t", "60", "start")  # fmt: skip
        return server

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, cwd=self.folder,
                              env={k: v for k, v in os.environ.items()
                                   if not k.startswith(("PG", "MUSEUM_KG_"))})  # fmt: skip
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-800:] if log.is_file() else ""
            shutil.rmtree(self.folder, ignore_errors=True)
            raise RuntimeError(f"{program} failed: {(done.stderr or done.stdout)[-800:]} {tail}")

    def new_database(self) -> str:
        """The URL of a new, empty database of this server."""
        import psycopg

        self._databases += 1
        name = f"changelog_{self._databases}"
        with psycopg.connect(self.url, autocommit=True) as db:
            db.execute(f"CREATE DATABASE {name}")
        return self.url.rsplit("/", 1)[0] + "/" + name

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
