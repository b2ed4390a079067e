"""Whether a process is still alive, read from /proc (Linux), for tests that kill workers.

A process killed with SIGKILL shows its main thread as a zombie while its other threads
(RocksDB's, for a query worker) are still exiting; its sockets close and its exit status
can be collected only once every thread is gone. `gone` therefore looks at every thread.
"""

from __future__ import annotations

import time
from pathlib import Path


def _state(stat: Path) -> str:
    return stat.read_text().rsplit(")", 1)[1].split()[0]


def gone(pid: int) -> bool:
    """True once no thread of `pid` runs any more (reaped, or a zombie whose threads exited)."""
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
        return all(_state(task / "stat") in ("Z", "X") for task in tasks)
    except (FileNotFoundError, ProcessLookupError):
        return True


def alive(pid: int) -> bool:
    """True while the main thread of `pid` has not exited."""
    try:
        return _state(Path(f"/proc/{pid}/stat")) not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return False


def wait_gone(pid: int, within: float = 120.0) -> None:
    """Block until `pid` is `gone` (synchronisation, not a timing check; fails after `within` s).

    Killed processes usually go within milliseconds; one CI run saw a killed idle query
    worker outlive 30 s (a thread still exiting on a machine busy with disk work), hence
    the generous bound and the thread states in the message."""
    deadline = time.monotonic() + within
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gone(pid), f"process {pid} still runs {within} s after it was killed: {_states(pid)}"


def wait_dead(pid: int, within: float = 30.0) -> None:
    """Block until the main thread of `pid` has exited (`alive` is False): what the pool
    of query workers looks at; the other threads of a killed worker may take longer."""
    deadline = time.monotonic() + within
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not alive(pid), f"process {pid} still runs {within} s after the kill: {_states(pid)}"


def _states(pid: int) -> dict[str, str]:
    """Thread id -> state letter and kernel wait channel, to say why a process lingers."""
    out = {}
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                wchan = (task / "wchan").read_text().strip()
            except OSError:
                wchan = "?"
            out[task.name] = f"{_state(task / 'stat')} {wchan}"
    except OSError as exc:
        out["error"] = str(exc)
    return out
