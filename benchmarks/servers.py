"""Starting, watching and stopping the servers the serving benchmark compares.

Every server listens on loopback only, on a free port. `Server.rss()` is the
resident memory of the server's whole process tree (for museum-kg: the
waitress process and its query worker processes); `RssSampler` records the
peak of it while a phase runs. A server with an `engine` (museum-kg over the
remote backend, `remote()`) starts and stops that engine with itself; the
engine's memory is sampled on its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    command: list[str]
    port: int
    sparql_path: str = "/sparql"
    env: dict[str, str] = field(default_factory=dict)
    ready_path: str = "/sparql?query=ASK%7B%7D"
    process: subprocess.Popen | None = None
    log: Path | None = None
    engine: Server | None = None  # the SPARQL engine this server sends its queries to

    def start(self, logs: Path, wait: float = 600.0) -> None:
        if self.engine is not None:
            self.engine.start(logs, wait)
        self.log = logs / f"{self.name}.log"
        env = {**os.environ, **self.env}
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                self.command, stdout=out, stderr=subprocess.STDOUT, env=env,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
        deadline = time.monotonic() + wait
        url = f"http://127.0.0.1:{self.port}{self.ready_path}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: see {self.log}")
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                raise RuntimeError(f"{self.name} answered {exc.code} to {url}") from None
            except OSError:
                time.sleep(0.25)
        raise RuntimeError(f"{self.name} did not answer within {wait:.0f} s: see {self.log}")

    def pids(self) -> list[int]:
        if self.process is None or self.process.poll() is not None:
            return []
        try:
            root = psutil.Process(self.process.pid)
            return [root.pid] + [p.pid for p in root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss(self) -> int:
        """Resident memory summed over the process tree (pages shared by processes, such
        as the store files several workers map, count once per process)."""
        total = 0
        for pid in self.pids():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                total += psutil.Process(pid).memory_info().rss
        return total

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the tree has used so far: its live processes, and the
        children the server has reaped (query workers retired when idle, or killed),
        whose time the kernel adds to the server's own `children_*` times."""
        total = 0.0
        for pid in self.pids():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                times = psutil.Process(pid).cpu_times()
                total += times.user + times.system
                if pid == self.process.pid:
                    total += times.children_user + times.children_system
        return total

    def pss(self) -> int:
        """Proportional set size summed over the tree: each shared page counts once in all,
        so the sum is what the tree really holds (Linux; 0 where unavailable)."""
        total = 0
        for pid in self.pids():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied, AttributeError):
                total += psutil.Process(pid).memory_full_info().pss
        return total

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.engine is not None:
            self.engine.stop()


class RssSampler:
    """Peak resident memory of some servers' process trees, sampled every `every` s."""

    def __init__(self, servers: list[Server], every: float = 0.1) -> None:
        self.servers, self.every = servers, every
        self.peak = {s.name: 0 for s in servers}
        self.peak_pss = {s.name: 0 for s in servers}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            for server in self.servers:
                self.peak[server.name] = max(self.peak[server.name], server.rss())
                self.peak_pss[server.name] = max(self.peak_pss[server.name], server.pss())
            self._stop.wait(self.every)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def ours(store: Path, workers: int | None, cache_bytes: int | None, timeout: float) -> Server:
    port = free_port()
    cmd = [str(BIN / "museum-kg"), "serve", "--store", str(store), "--port", str(port),
           "--timeout", str(timeout)]  # fmt: skip
    if workers:
        cmd += ["--workers", str(workers)]
    env = {"MUSEUM_KG_CACHE_BYTES": str(cache_bytes)} if cache_bytes is not None else {}
    name = "museum-kg" if not cache_bytes else "museum-kg+cache"
    return Server(name, cmd, port, env=env)


def oxigraph(
    snapshot: Path, timeout: float | None, name: str = "oxigraph", union: bool = True
) -> Server:
    """`oxigraph serve-read-only` over `snapshot`; `union`: the union default graph for
    every query (as a peer); without it, clients ask per query (museum-kg does).
    `timeout=None` sets no deadline: Oxigraph server 0.5 starts a thread per query that
    waits out its deadline, so thousands of short queries a second exhaust the threads."""
    binary = shutil.which("oxigraph", path=str(BIN)) or shutil.which("oxigraph")
    if not binary:
        sys.exit("the Oxigraph server is missing: .venv/bin/pip install -e '.[bench]'")
    port = free_port()
    cmd = [binary, "serve-read-only", "--location", str(snapshot), "--bind", f"127.0.0.1:{port}"]
    if timeout is not None:
        cmd += ["--timeout-s", str(int(timeout))]
    if union:
        cmd.append("--union-default-graph")
    return Server(name, cmd, port, sparql_path="/query", ready_path="/query?query=ASK%7B%7D")


def remote(snapshot: Path, folder: Path, changelog: Path, timeout: float) -> Server:
    """`museum-kg serve --backend` in front of its own `oxigraph serve-read-only` over the
    same snapshot (what `load --backend` pushes: the same graphs). `folder` becomes the
    server's `--store`, holding a copy of the loader's change log, as docs/scaling.md says."""
    engine = oxigraph(snapshot, timeout, name="oxigraph-engine", union=False)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(changelog, folder / "changelog.sqlite")
    port = free_port()
    cmd = [str(BIN / "museum-kg"), "serve", "--store", str(folder), "--port", str(port),
           "--timeout", str(timeout),
           "--backend", f"http://127.0.0.1:{engine.port}/query"]  # fmt: skip
    env = {"MUSEUM_KG_BACKEND_ENGINE": "oxigraph", "MUSEUM_KG_CACHE_BYTES": "0"}
    return Server("museum-kg-remote", cmd, port, env=env, engine=engine)


def rdflib_endpoint(data: Path) -> Server:
    binary = BIN / "rdflib-endpoint"
    if not binary.exists():
        sys.exit("rdflib-endpoint is missing: .venv/bin/pip install -e '.[bench]'")
    port = free_port()
    cmd = [str(binary), "serve", str(data), "--host", "127.0.0.1", "--port", str(port)]
    return Server("rdflib-endpoint", cmd, port, sparql_path="/", ready_path="/?query=ASK%7B%7D")


def virtuoso_available() -> bool:
    return shutil.which("virtuoso-t") is not None


class Running(Server):
    """A server started before the benchmark (the Virtuoso of `virtuoso()`): `start` waits
    until it answers, `stop` leaves it running; `shut` stops it at the very end."""

    def start(self, logs: Path, wait: float = 600.0) -> None:
        url = f"http://127.0.0.1:{self.port}{self.ready_path}"
        with urllib.request.urlopen(url, timeout=wait) as response:
            if response.status != 200:
                raise RuntimeError(f"{self.name} answered {response.status} to {url}")

    def stop(self) -> None:
        pass

    def shut(self) -> None:
        super().stop()


def virtuoso(folder: Path, snapshot: Path) -> Running:
    """A disposable Virtuoso (Debian's `virtuoso-opensource-7-bin`, set up as the tests set
    it up: `tests/virtuoso.py`) holding the graphs of the Oxigraph store `snapshot`, pushed
    as `museum-kg load --backend` pushes them (graph by graph, Graph Store `PUT`s)."""
    import pyoxigraph as ox

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from virtuoso import start_virtuoso

    from museum_kg.settings import Settings
    from museum_kg.store.remote.push import push_snapshot

    if not virtuoso_available():
        sys.exit("Virtuoso is missing: apt-get install virtuoso-opensource-7-bin")
    shutil.rmtree(folder, ignore_errors=True)
    engine = start_virtuoso(folder)
    server = Running("virtuoso", [], int(engine.url.rsplit(":", 1)[1].strip("/")),
                     process=engine.process)  # fmt: skip
    settings = Settings.load(env={}, store=folder / "push-store", backend=engine.query_url,
                             backend_engine="virtuoso")  # fmt: skip
    started = time.monotonic()
    try:
        report = push_snapshot(settings, ox.Store.read_only(str(snapshot)), snapshot.name, None)
    except BaseException:
        server.shut()
        raise
    print(f"{report.summary()} in {time.monotonic() - started:.0f} s", flush=True)
    return server


def remote_over(engine: Running, kind: str, folder: Path, changelog: Path,
                timeout: float) -> Server:  # fmt: skip
    """`museum-kg serve --backend` in front of a running engine (result cache off)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(changelog, folder / "changelog.sqlite")
    port = free_port()
    cmd = [str(BIN / "museum-kg"), "serve", "--store", str(folder), "--port", str(port),
           "--timeout", str(timeout),
           "--backend", f"http://127.0.0.1:{engine.port}{engine.sparql_path}"]  # fmt: skip
    env = {"MUSEUM_KG_BACKEND_ENGINE": kind, "MUSEUM_KG_CACHE_BYTES": "0"}
    return Server(f"museum-kg-{kind}", cmd, port, env=env, engine=engine)
