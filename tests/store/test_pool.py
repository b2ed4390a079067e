"""The worker pool: workers kept for light requests, waiting up to the deadline."""

from __future__ import annotations

import threading
import time

import pytest

from museum_kg.errors import Overloaded
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
