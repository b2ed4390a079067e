"""One worker process as the parent sees it: start it, send it a request, demote or kill it.

A worker is a new interpreter (`python -m museum_kg.store.workers FD`, the code that
runs inside it), never a fork of a process that may hold a RocksDB open; it talks to
the parent over a socket pair with `multiprocessing.connection` framing. Unlike the
multiprocessing "spawn" context, this does not re-import the parent's `__main__`, so
any program may create a backend at import time. `museum_kg.store.pool` keeps several.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from typing import Any

DEMOTED_NICE = 10  # CPU priority of a worker whose request runs long (0 = normal)
BUSY_SAMPLE_S = 0.25  # window in which a long request must use the CPU to be demoted


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) process `pid` has used so far; None without Linux's /proc."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class Deadline(Exception):
    """The request was still running at its deadline; its worker was killed."""


def _main_thread_exited(pid: int) -> bool:
    """The main thread of `pid` is a zombie (Linux /proc; False where it cannot be read)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except (OSError, IndexError):
        return False


class WorkerDied(Exception):
    """The worker process exited while serving a request."""


class Worker:
    """One worker process and the parent's end of its socket."""

    def __init__(self, name: str, light: bool = False, nice: int = 0) -> None:
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "museum_kg.store.workers", str(theirs.fileno()), name],
                pass_fds=(theirs.fileno(),),
                env=env,
                stdin=subprocess.DEVNULL,
                close_fds=True,
            )
        finally:
            theirs.close()
        self.conn = Connection(ours.detach())
        # `Connection.poll` builds a selector on every call; one poll object serves them all
        self._ready = select.poll()
        self._ready.register(self.conn.fileno(), select.POLLIN)
        self.name, self.light, self.nice = name, light, nice
        self.demoted = False
        self.idle_since = time.monotonic()
        if nice:
            with contextlib.suppress(OSError, AttributeError):
                os.setpriority(os.PRIO_PROCESS, self.process.pid, nice)

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        """Whether the process runs: not reaped, and its main thread has not exited. A
        killed worker whose other threads are still exiting (RocksDB's, on a busy
        machine: seen for minutes) is dead to the pool: its socket stays open until
        the last thread goes, so a request sent to it would wait for its deadline."""
        return self.process.poll() is None and not _main_thread_exited(self.process.pid)

    def _answered(self, seconds: float) -> bool:
        """Whether a reply (or the end of the connection) arrives within `seconds`."""
        return bool(self._ready.poll(max(0.0, seconds) * 1000.0))

    def call(
        self, op: str, payload: Any, deadline: float, demote_after: float | None = None
    ) -> Any:
        """Send one request and return the reply; `Deadline` or `WorkerDied` otherwise.

        A request still running after `demote_after` seconds lowers the worker's CPU
        priority (`demote`), so that short requests on other workers keep theirs. A
        worker that already runs at a lower priority is left as it is: long queries are
        its normal work, and retiring it after each would throw its caches away.
        """
        try:
            self.conn.send((op, payload))
            remaining = deadline - time.monotonic()
            if demote_after is not None and not self.nice and remaining > demote_after:
                if not self._answered(demote_after):
                    self._demote_when_busy(deadline)
                remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._answered(remaining):
                raise Deadline()
            return self.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            raise WorkerDied(str(exc)) from exc

    def _demote_when_busy(self, deadline: float) -> None:
        """`demote` once the request is seen using the CPU (half of a `BUSY_SAMPLE_S`
        window or more), not merely waiting for one on a loaded machine: demoting a worker
        costs a fresh one with cold caches. Returns when demoted, answered or at the
        deadline; without /proc the worker is demoted at once."""
        before = cpu_seconds(self.pid)
        while before is not None:
            wait = min(BUSY_SAMPLE_S, deadline - time.monotonic())
            if wait <= 0 or self._answered(wait):
                return
            after = cpu_seconds(self.pid)
            if after is None or after - before >= BUSY_SAMPLE_S / 2:
                break
            before = after
        self.demote()

    def demote(self) -> None:
        """Run this worker at nice `DEMOTED_NICE` from now on (it cannot be undone without
        privileges, so the pool retires a demoted worker once its request ends)."""
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, self.process.pid, DEMOTED_NICE)
            self.demoted = True

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.conn.send(("stop", None))
        try:
            self.process.wait(2)
        except subprocess.TimeoutExpired:
            self.kill()
        else:
            self.conn.close()
