"""A disposable Virtuoso for the remote tests (Debian's `virtuoso-opensource-7-bin`).

`start_virtuoso(folder)` writes `folder/virtuoso.ini`, starts `virtuoso-t` in the
foreground (our child process, stopped by `Virtuoso.stop()`), waits until its
`/sparql` answers, then applies the grants museum-kg needs with `isql-vt` and
replaces the `dba` password by a random one. Each instance has its own database
folder and two free loopback ports; nothing of the package's own service (port
1111/8890, /var/lib/virtuoso-opensource-7) is used. docs/scaling.md explains every
setting of `INI`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from remote_engines import EngineProcess

# The engine-wide limits are above museum-kg's own: museum-kg sends its deadline with each
# query (the `timeout` parameter, milliseconds) and stops waiting at it.
MAX_QUERY_EXECUTION_S = 30
RESULT_SET_MAX_ROWS = 1_000_000

INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
ServerThreads = 20
CheckpointInterval = 60
NumberOfBuffers = 20000
MaxDirtyBuffers = 15000
DirsAllowed = {db}
MaxSortedTopRows = {max_rows}
ThreadCleanupInterval = 0
ResourcesCleanupInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerThreads = 20
MaxClientConnections = 20
KeepAliveTimeout = 10
MaxKeepAlives = 20
EnabledDavVSP = 0
HTTPProxyEnabled = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = {max_seconds}
"""

# The anonymous SPARQL user may update (`/sparql`) and write graphs (`/sparql-graph-crud`):
# read and write on every graph (3), not the sponger (4), which fetches URLs. Then the
# default `dba` password goes.
GRANTS = (
    'GRANT SPARQL_UPDATE TO "SPARQL"; '
    "DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 3); "
    'SET PASSWORD "dba" "{password}"; '  # old, new (of the user connected)
)


@dataclass
class Virtuoso(EngineProcess):
    """A disposable Virtuoso: it reads a query by GET or form only (see `engines`), and shuts
    down cleanly on SIGTERM, which may take a while."""

    sql_port: int = 0
    kind = "virtuoso"
    query_path = "sparql"
    stop_wait_s = 20.0

    def post_query(self, query: str):
        import requests

        return requests.post(
            self.query_url,
            data={"query": query},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )


def binaries() -> tuple[str, str] | None:
    """`(virtuoso-t, isql-vt)` when both are installed."""
    server, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    return (server, isql) if server and isql else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ready(server: Virtuoso, log: Path, within: float) -> bool:
    """True once the log says the HTTP server is online and `/sparql` answers."""
    import requests

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        if log.exists() and b"Server online at" in log.read_bytes():
            with contextlib.suppress(requests.RequestException):
                answer = requests.get(server.query_url, params={"query": "ASK {}"}, timeout=5)
                if answer.ok:
                    return True
        time.sleep(0.1)
    return False


def start_virtuoso(folder: Path, within: float = 120.0) -> Virtuoso:
    """A new, empty Virtuoso on 127.0.0.1 over `folder` (see the module docstring);
    `RuntimeError` with the log's tail when it does not start."""
    found = binaries()
    if found is None:
        raise RuntimeError("virtuoso-t or isql-vt is not installed")
    server_bin, isql = found
    tail = ""
    for attempt in range(3):  # another program may take a free port before Virtuoso binds it
        db = folder / f"db{attempt}"
        db.mkdir(parents=True)
        sql_port, http_port = _free_port(), _free_port()
        ini = db / "virtuoso.ini"
        ini.write_text(
            INI.format(
                db=db,
                sql_port=sql_port,
                http_port=http_port,
                max_rows=RESULT_SET_MAX_ROWS,
                max_seconds=MAX_QUERY_EXECUTION_S,
            )
        )
        process = subprocess.Popen(
            [server_bin, "+configfile", str(ini), "+foreground"],
            cwd=db,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
            env={k: v for k, v in os.environ.items() if not k.startswith("MUSEUM_KG_")},
        )
        server = Virtuoso(process, f"http://127.0.0.1:{http_port}/", db, sql_port)
        log = db / "virtuoso.log"
        if _ready(server, log, within):
            grants = GRANTS.format(password="p" + secrets.token_hex(12))  # an identifier
            done = subprocess.run(
                [isql, f"127.0.0.1:{sql_port}", "dba", "dba", f"exec={grants}"],
                capture_output=True,
                text=True,
                timeout=60,
            )
            if done.returncode == 0 and "Error" not in done.stdout + done.stderr:
                return server
            server.stop()
            raise RuntimeError(f"isql-vt could not set Virtuoso up: {done.stdout[-500:]}")
        else:
            tail = log.read_text(errors="replace")[-500:] if log.exists() else "no log"
        server.stop()
    raise RuntimeError(f"Virtuoso did not start on 127.0.0.1: {tail}")
