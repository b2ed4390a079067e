"""Worker processes: deadlines kill runaway queries, workers are replaced, snapshots followed."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from embedded_helpers import EX, items, publish
from listener import Listener
from procs import alive, wait_dead, wait_gone

from museum_kg.errors import ForbiddenOperation, Overloaded, QueryTimeout, StoreError
from museum_kg.settings import Settings
from museum_kg.store import handle
from museum_kg.store.base import QueryRequest
from museum_kg.store.embedded import GENERAL_NICE, EmbeddedBackend, lane_size
from museum_kg.store.handle import DEMOTED_NICE
from museum_kg.store.workers import CLOSE_AFTER_IDLE_S, TRIM_AFTER_IDLE_S

# 2000^3 solutions: runs for hours unless stopped.
RUNAWAY = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{EX}p> ?x . ?b <{EX}p> ?y . ?c <{EX}p> ?z }}"
LIGHT = f"SELECT ?o WHERE {{ <{EX}item/7> <{EX}p> ?o }}"
PATH_BLOWUP = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a (<{EX}p>|^<{EX}p>)* ?b . ?c ?d ?e }}"


def light(backend) -> list[str]:
    body = backend.query(QueryRequest(LIGHT, "json", 30)).read()
    return [b["o"]["value"] for b in json.loads(body)["results"]["bindings"]]


def test_a_runaway_query_is_stopped_at_its_deadline_and_its_worker_killed(backend) -> None:
    before = set(backend.worker_pids())
    with pytest.raises(QueryTimeout) as caught:
        backend.query(QueryRequest(RUNAWAY, "json", 1.0))
    assert caught.value.limit_s == 1.0
    after = set(backend.worker_pids())
    (killed,) = before - after
    assert not alive(killed)  # SIGKILLed: its CPU and memory are released
    assert len(after) == 2
    assert light(backend) == ["7"]  # the next query succeeds


def test_a_result_cut_by_the_deadline_leaves_no_spool_file(backend) -> None:
    # 4 million rows: the worker is still writing its spool file when it is killed.
    query = f"SELECT ?a ?b WHERE {{ ?a <{EX}p> ?x . ?b <{EX}p> ?y }}"
    with pytest.raises(QueryTimeout):
        backend.query(QueryRequest(query, "tsv", 1.0))
    assert not list(backend._spool_dir.iterdir())
    assert light(backend) == ["7"]


def test_a_property_path_blowup_is_stopped_too(backend) -> None:
    with pytest.raises(QueryTimeout):
        backend.query(QueryRequest(PATH_BLOWUP, "json", 1.0))
    assert light(backend) == ["7"]


def _start_runaway(backend) -> tuple[threading.Thread, list[BaseException]]:
    """Run RUNAWAY in a thread until it holds one of the two workers; what it raises is
    appended to the returned list."""
    outcome: list[BaseException] = []

    def runaway() -> None:
        try:
            backend.query(QueryRequest(RUNAWAY, "json", 20.0))
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion
            outcome.append(exc)

    thread = threading.Thread(target=runaway)
    thread.start()
    while backend._pool.idle() != 1:  # synchronisation: the runaway has its worker
        threading.Event().wait(0.01)
    return thread, outcome


def test_light_queries_are_answered_by_another_worker_while_one_runs_away(backend) -> None:
    thread, outcome = _start_runaway(backend)
    try:
        assert light(backend) == ["7"]
        assert light(backend) == ["7"]
    finally:
        busy = set(backend.worker_pids())
        for pid in busy:  # end the runaway early by killing its worker from outside
            if pid not in _idle_pids(backend):
                os.kill(pid, signal.SIGKILL)
        thread.join()
    assert len(outcome) == 1 and isinstance(outcome[0], StoreError)
    assert light(backend) == ["7"]


def _idle_pids(backend) -> set[int]:
    with backend._pool._cond:
        return {w.pid for w in backend._pool._idle}


def test_workers_killed_from_outside_are_replaced_transparently(backend) -> None:
    pids = backend.worker_pids()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    for pid in pids:
        wait_dead(pid)  # the pool replaces a worker whose main thread exited
    assert light(backend) == ["7"]
    assert light(backend) == ["7"]
    assert not set(pids) & set(backend.worker_pids())


def _occupy_the_only_worker(one) -> tuple[threading.Thread, list[BaseException]]:
    """Start a runaway query (2 s deadline) in a thread; return once no worker is idle.
    The thread's error (the query's timeout) lands in the returned list."""
    started = threading.Event()
    errors: list[BaseException] = []

    def runaway() -> None:
        started.set()
        try:
            one.query(QueryRequest(RUNAWAY, "json", 2.0))
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=runaway)
    thread.start()
    started.wait()
    while one._pool.idle() != 0:
        threading.Event().wait(0.01)
    return thread, errors


def test_a_request_waits_for_a_free_worker_then_is_overloaded(shared_store: Path) -> None:
    # every query to the workers: a lookup would otherwise be answered in this process
    settings = Settings(store=shared_store, workers=1, timeout=60, point_budget=0)
    with EmbeddedBackend(settings) as one:
        thread, errors = _occupy_the_only_worker(one)
        with pytest.raises(Overloaded):
            one.query(QueryRequest(LIGHT, "json", 0.5))
        thread.join()
        assert isinstance(errors[0], QueryTimeout)
        assert light(one) == ["7"]


def test_a_new_snapshot_is_used_by_the_next_query(tmp_path: Path) -> None:
    root = tmp_path / "store"
    first = publish(root, items(10))
    with EmbeddedBackend(Settings(store=root, workers=1)) as backend:
        assert backend.version() == first
        assert light(backend) == ["7"]
        second = publish(root, f'<{EX}item/7> <{EX}p> "seven" .\n')
        assert backend.version() == second != first
        assert light(backend) == ["seven"]


def test_an_empty_store_says_to_run_load(tmp_path: Path) -> None:
    with EmbeddedBackend(Settings(store=tmp_path / "empty", workers=1)) as backend:
        with pytest.raises(StoreError) as caught:
            light(backend)
        assert "museum-kg load" in caught.value.message
        with pytest.raises(StoreError):
            backend.version()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    sock = Listener()
    yield sock
    sock.close()


@pytest.fixture(scope="module")
def allowing_loopback(shared_store: Path, listener: Listener) -> Iterator[EmbeddedBackend]:
    """A backend whose allow-list names the local listener (the guard must still refuse)."""
    allow = (f"http://127.0.0.1:{listener.port}/", f"http://localhost:{listener.port}/")
    settings = Settings(store=shared_store, workers=1, service_allow=allow)
    with EmbeddedBackend(settings) as backend:
        yield backend


@pytest.mark.parametrize(
    "target",
    ["<http://127.0.0.1:{port}/sparql>", "<http://localhost:{port}/sparql>", "l:sparql"],
)
def test_service_to_a_local_listener_never_connects_even_when_allow_listed(
    allowing_loopback: EmbeddedBackend, listener: Listener, target: str
) -> None:
    prologue = f"PREFIX l: <http://127.0.0.1:{listener.port}/> "
    target = target.format(port=listener.port)
    with pytest.raises(ForbiddenOperation):
        allowing_loopback.query(
            QueryRequest(
                prologue + f"SELECT * WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}", "json", 10
            )
        )
    with pytest.raises(ForbiddenOperation):
        allowing_loopback.update(
            prologue + f"INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE {target} {{ ?s ?p ?o }} }}", 10
        )
    with pytest.raises(ForbiddenOperation):
        allowing_loopback.update(f"LOAD <http://127.0.0.1:{listener.port}/data.ttl>", 10)
    assert listener.connections == 0


def test_the_backend_implements_the_store_interface_and_close_ends_its_processes(
    fresh_store: Path,
) -> None:
    from museum_kg.store.base import Backend

    backend = EmbeddedBackend(Settings(store=fresh_store, workers=2))
    assert isinstance(backend, Backend)
    backend.update(f'INSERT DATA {{ <{EX}a> <{EX}b> "c" }}', 10)  # starts the writer too
    pids = backend.worker_pids() + backend._writer.pids()
    spool = backend._spool_dir
    backend.close()
    assert not any(alive(pid) for pid in pids)  # close() waits for (and reaps) each one
    assert not spool.exists()
    with pytest.raises(StoreError):
        backend.version()


def test_a_long_query_gives_its_cpu_priority_to_short_ones(backend) -> None:
    """Past `demote_after` the worker runs at a lower priority (nice); once the query
    ends the worker is replaced, since an unprivileged process cannot undo a nice."""
    before = set(backend.worker_pids())
    thread, _ = _start_runaway(backend)
    (busy,) = set(backend.worker_pids()) - _idle_pids(backend)
    try:
        while os.getpriority(os.PRIO_PROCESS, busy) != DEMOTED_NICE:  # synchronisation
            assert alive(busy) and thread.is_alive()
            threading.Event().wait(0.05)
        (idle,) = _idle_pids(backend)
        assert os.getpriority(os.PRIO_PROCESS, idle) == 0  # the others keep their priority
        assert light(backend) == ["7"]
    finally:
        os.kill(busy, signal.SIGKILL)
        thread.join()
    assert busy not in backend.worker_pids() and len(backend.worker_pids()) == 2
    assert before - {busy} <= set(backend.worker_pids())


def test_a_demoted_worker_that_answers_is_replaced_by_a_fresh_one(backend, monkeypatch) -> None:
    # 4 million pairs to count: far longer than the 0.05 s after which it counts as long,
    # and than the 0.05 s in which it must be seen computing
    pairs = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{EX}p> ?x . ?b <{EX}p> ?y }}"
    monkeypatch.setattr(handle, "BUSY_SAMPLE_S", 0.05)
    backend._pool.demote_after = 0.05
    try:
        before = set(backend.worker_pids())
        body = backend.query(QueryRequest(pairs, "json", 60)).read()
        after = set(backend.worker_pids())
    finally:
        backend._pool.demote_after = 1.0
    assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == str(2000 * 2000)
    assert len(after) == 2 and len(before - after) == 1  # the worker that answered was retired
    (retired,) = before - after
    wait_gone(retired)
    assert light(backend) == ["7"]


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(x for x in status.splitlines() if x.startswith("VmRSS")).split()[1]) / 1024


def test_an_idle_worker_gives_back_the_memory_its_last_query_freed(shared_store: Path) -> None:
    # ORDER BY keeps its 90,000 solutions in memory: about 17 MB freed when it ends.
    sorted_pairs = (
        f"SELECT ?a ?b WHERE {{ ?a <{EX}p> ?x . ?b <{EX}p> ?y "
        f'FILTER(STRLEN(?x) = 3 && STRLEN(?y) = 3 && ?x < "4" && ?y < "4") }} '
        "ORDER BY ?a ?b LIMIT 1"
    )
    # every query to the workers: the warm-up lookup must open the worker's store
    settings = Settings(store=shared_store, workers=1, timeout=60, point_budget=0)
    with EmbeddedBackend(settings) as one:
        assert light(one) == ["7"]
        (pid,) = one.worker_pids()
        threading.Event().wait(TRIM_AFTER_IDLE_S * 2)  # the warm-up's own trim
        rested = _rss_mb(pid)
        one._pool.demote_after = None  # a slow machine must not retire this worker
        one.query(QueryRequest(sorted_pairs, "json", 60)).read()
        assert one.worker_pids() == [pid]
        deadline = time.monotonic() + 10
        while _rss_mb(pid) > rested + 6 and time.monotonic() < deadline:
            threading.Event().wait(0.05)  # synchronisation: the trim follows the idle wait
        assert _rss_mb(pid) <= rested + 6


@pytest.mark.parametrize(("workers", "lane"), [(2, 0), (3, 0), (4, 1), (5, 2), (8, 2), (12, 3)])
def test_the_lookup_lane_keeps_two_workers_once_three_remain_for_the_rest(
    workers: int, lane: int
) -> None:
    assert lane_size(workers) == lane


def _open_store_files(pid: int, store: Path) -> list[str]:
    fds = Path(f"/proc/{pid}/fd")
    targets = []
    for fd in fds.iterdir():
        try:
            targets.append(os.readlink(fd))
        except OSError:  # closed meanwhile
            continue
    return [t for t in targets if t.startswith(str(store))]


def test_an_idle_worker_closes_its_store_and_opens_it_again_for_the_next_query(
    shared_store: Path,
) -> None:
    settings = Settings(store=shared_store, workers=1, timeout=60, point_budget=0)
    with EmbeddedBackend(settings) as one:
        assert light(one) == ["7"]
        (pid,) = one.worker_pids()
        assert _open_store_files(pid, shared_store)  # the engine holds the snapshot's files
        deadline = time.monotonic() + TRIM_AFTER_IDLE_S + CLOSE_AFTER_IDLE_S + 10
        while _open_store_files(pid, shared_store) and time.monotonic() < deadline:
            threading.Event().wait(0.1)  # synchronisation: the close follows the idle wait
        assert not _open_store_files(pid, shared_store)  # its caches went with the handle
        assert light(one) == ["7"]  # the same worker opens the snapshot again
        assert one.worker_pids() == [pid]


def test_a_long_query_keeps_a_worker_that_already_runs_at_lower_priority(
    shared_store: Path,
) -> None:
    # 4 workers: one lane worker at normal priority, the others at GENERAL_NICE
    pairs = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a <{EX}p> ?x . ?b <{EX}p> ?y }}"
    with EmbeddedBackend(Settings(store=shared_store, workers=4, timeout=60)) as four:
        four._pool.demote_after = 0.05  # far shorter than counting 4 million pairs
        (other,) = [w for w in four._pool._idle if not w.light]  # the pool rests at 2
        body = four.query(QueryRequest(pairs, "json", 60)).read()
        assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == str(2000 * 2000)
        assert other.pid in four.worker_pids()  # it ran the query and was kept, caches and all
        assert not other.demoted and other.process.poll() is None
        assert os.getpriority(os.PRIO_PROCESS, other.pid) == GENERAL_NICE


def test_lookups_are_answered_while_every_worker_is_busy(shared_store: Path) -> None:
    with EmbeddedBackend(Settings(store=shared_store, workers=1, timeout=60)) as one:
        thread, errors = _occupy_the_only_worker(one)
        assert light(one) == ["7"]  # a point query: answered in this process
        thread.join()
        assert isinstance(errors[0], QueryTimeout)
