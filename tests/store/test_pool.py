"""The worker pool: workers kept for light requests, waiting up to the deadline."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

import pytest

from museum_kg.errors import Overloaded
from museum_kg.store.handle import Worker
from museum_kg.store.pool import Pool


@pytest.fixture
def pool():
    pool = Pool(3, "test-pool", reserve=1)
    yield pool
    pool.close()


def _hold(pool: Pool, count: int, light: bool = False) -> list:
    return [pool._acquire(time.monotonic() + 5, light) for _ in range(count)]


def test_a_heavy_request_does_not_take_the_reserved_worker(pool):
    held = _hold(pool, 2)
    with pytest.raises(Overloaded):
        pool.run("ping", None, time.monotonic() + 0.3)
    assert pool.run("ping", None, time.monotonic() + 5, light=True)[0] == "ok"
    for worker in held:
        pool._release(worker, True)


def test_a_light_request_gets_the_reserved_worker_at_once(pool):
    held = _hold(pool, 2)
    began = time.monotonic()
    reply = pool.run("ping", None, began + 5, light=True)
    assert reply[0] == "ok"
    assert pool.idle() == 1  # the reserved worker came back
    for worker in held:
        pool._release(worker, True)


def test_a_waiting_heavy_request_gets_the_next_released_worker(pool):
    held = _hold(pool, 2)
    replies = []
    waiter = threading.Thread(
        target=lambda: replies.append(pool.run("ping", None, time.monotonic() + 5))
    )
    waiter.start()
    time.sleep(0.2)
    assert replies == []  # one worker is idle, but it is kept for light requests
    pool._release(held.pop(), True)
    waiter.join(5)
    assert replies and replies[0][0] == "ok"
    pool._release(held.pop(), True)


def test_light_requests_may_use_every_worker(pool):
    held = _hold(pool, 3, light=True)
    assert pool.idle() == 0
    for worker in held:
        pool._release(worker, True)
    assert pool.idle() == 3


def test_a_reserve_as_large_as_the_pool_is_refused():
    with pytest.raises(ValueError, match="reserve"):
        Pool(2, "test-pool", reserve=2)


@contextlib.contextmanager
def _pool(*args, **kwargs):
    """A pool that is closed after the test, whatever it held."""
    made = Pool(*args, **kwargs)
    try:
        yield made
    finally:
        made.close()


def _release_all(pool: Pool, workers) -> None:
    for worker in workers:
        pool._release(worker, True)


def _wait_for(condition, within: float = 20.0) -> bool:
    """Poll `condition` until it holds (synchronisation, not a timing check)."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_an_elastic_pool_starts_workers_on_demand_up_to_its_size():
    with _pool(3, "test-pool", keep=1) as elastic:
        assert len(elastic.pids()) == 1
        held = _hold(elastic, 3, light=True)
        assert len(elastic.pids()) == 3
        with pytest.raises(Overloaded):  # no fourth worker: the size is the limit
            elastic.run("ping", None, time.monotonic() + 0.3, light=True)
        _release_all(elastic, held)


def test_workers_beyond_keep_stop_after_their_idle_timeout():
    with _pool(3, "test-pool", keep=1, idle_timeout=0.2) as elastic:
        held = _hold(elastic, 3, light=True)
        pids = {w.pid for w in held}
        _release_all(elastic, held)
        assert _wait_for(lambda: len(elastic.pids()) == 1)
        (survivor,) = elastic.pids()
        assert survivor == held[-1].pid  # the last one released was the last one idle
        stopped = [w for w in held if w.pid != survivor]
        assert _wait_for(lambda: all(w.process.poll() is not None for w in stopped))
        assert elastic.run("ping", None, time.monotonic() + 5)[1] in pids


def test_without_an_idle_timeout_started_workers_keep_running():
    with _pool(3, "test-pool", keep=1) as elastic:
        held = _hold(elastic, 3, light=True)
        _release_all(elastic, held)
        time.sleep(0.5)  # what would be long enough for the reaper above
        assert len(elastic.pids()) == 3


def test_the_most_recently_released_worker_is_used_next(pool):
    first, second = _hold(pool, 2)
    pool._release(first, True)
    pool._release(second, True)
    assert pool.run("ping", None, time.monotonic() + 5)[1] == second.pid


def test_keep_outside_one_to_size_is_refused():
    with pytest.raises(ValueError, match="keep"):
        Pool(2, "test-pool", keep=3)


def test_lane_workers_keep_normal_priority_and_the_others_run_lower():
    with _pool(4, "test-pool", reserve=1, keep=2, nice=3) as lanes:
        lane, other = (
            lanes._acquire(time.monotonic() + 5, True),
            lanes._acquire(time.monotonic() + 5),
        )
        assert lane.light and not other.light
        assert os.getpriority(os.PRIO_PROCESS, lane.pid) == os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, other.pid) == 3
        _release_all(lanes, (lane, other))


def test_a_light_request_starts_a_lane_worker_before_borrowing_an_idle_other():
    with _pool(4, "test-pool", reserve=2, keep=2, nice=3) as lanes:
        lane = lanes._acquire(time.monotonic() + 5, True)  # the resting lane worker
        grown = lanes._acquire(time.monotonic() + 5, True)  # the resting other one is idle
        assert grown.light and len(lanes.pids()) == 3
        assert os.getpriority(os.PRIO_PROCESS, grown.pid) == os.getpriority(os.PRIO_PROCESS, 0)
        borrowed = lanes._acquire(time.monotonic() + 5, True)  # the lane is full
        assert not borrowed.light and len(lanes.pids()) == 3
        _release_all(lanes, (lane, grown, borrowed))


def test_a_light_request_grows_the_lane_up_to_its_reserve():
    with _pool(6, "test-pool", reserve=2, keep=2) as lanes:
        held = [lanes._acquire(time.monotonic() + 5, True), lanes._acquire(time.monotonic() + 5)]
        grown = lanes._acquire(time.monotonic() + 5, True)  # lane busy, no other idle
        assert grown.light and len(lanes.pids()) == 3
        beyond = lanes._acquire(time.monotonic() + 5, True)  # the lane is full: grow the others
        assert not beyond.light and len(lanes.pids()) == 4
        _release_all(lanes, [*held, grown, beyond])


def test_a_worker_that_waits_rather_than_computes_is_not_demoted():
    worker = Worker("test-pool-waiting")
    try:
        assert worker.call("ping", None, time.monotonic() + 30)[0] == "ok"  # started
        worker._demote_when_busy(time.monotonic() + 0.8)  # idle: no CPU used meanwhile
        assert not worker.demoted
        assert os.getpriority(os.PRIO_PROCESS, worker.pid) == os.getpriority(os.PRIO_PROCESS, 0)
    finally:
        worker.stop()


def test_an_idle_worker_killed_from_outside_is_replaced_without_waiting_for_a_request(pool):
    victim = pool.pids()[0]
    os.kill(victim, signal.SIGKILL)
    # no request meets it: the watch thread notices and starts a new worker
    assert _wait_for(lambda: victim not in {w.pid for w in pool._all} and len(pool._all) == 3)
    assert pool.run("ping", None, time.monotonic() + 5)[0] == "ok"


def test_a_request_that_meets_a_dead_idle_worker_gets_a_live_one(pool):
    held = _hold(pool, 2)
    victim = held[0]
    os.kill(victim.pid, signal.SIGKILL)
    victim.process.wait(5)
    pool._release(victim, True)  # back among the idle ones, most recent, but dead
    reply = pool.run("ping", None, time.monotonic() + 5)
    assert reply[0] == "ok" and reply[1] != victim.pid
    pool._release(held[1], True)


def test_a_replacement_worker_is_taken_after_the_idle_ones_that_served_before(pool):
    first, second = _hold(pool, 2)
    pool._release(first, True)
    pool._release(second, True)
    os.kill(first.pid, signal.SIGKILL)
    assert _wait_for(lambda: first not in pool._all and len(pool._all) == 3)
    # the fresh worker has cold caches: the one that served last is still taken first
    assert pool.run("ping", None, time.monotonic() + 5)[1] == second.pid


def test_a_process_whose_main_thread_exited_is_dead_though_a_thread_still_runs():
    """What a killed worker looks like while its other threads exit: the pool must not
    send it a request (its socket stays open until the last thread is gone)."""
    import subprocess
    import sys

    from museum_kg.store.handle import _main_thread_exited

    script = (
        "import ctypes, threading, time\n"
        "threading.Thread(target=time.sleep, args=(30,)).start()\n"
        "ctypes.CDLL(None).pthread_exit(None)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 10
        while not _main_thread_exited(process.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _main_thread_exited(process.pid)
        assert process.poll() is None  # not reapable yet: a thread still runs
    finally:
        process.kill()
        process.wait()
    assert not _main_thread_exited(os.getpid())
