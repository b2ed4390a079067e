"""A pool of worker processes the parent can stop at a deadline.

`Pool.run(op, payload, deadline)` borrows an idle worker (waiting until the
deadline, then `Overloaded`), sends the request and waits for the reply. At
the deadline the worker is killed with SIGKILL, which frees its CPU and
memory at once; a fresh worker takes its place and `Deadline` is raised. A
worker that dies on its own is replaced the same way (`WorkerDied`). One
worker process is a `museum_kg.store.handle.Worker`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from museum_kg.errors import Overloaded
from museum_kg.store.handle import Worker

WATCH_S = 0.5  # how often idle workers are checked (dead ones replaced, spare ones stopped)


class Pool:
    """Up to `size` workers, each serving one request at a time.

    `reserve` of them form a lane for light requests (`run(..., light=True)`): a light
    request takes one of them first, starts one while the lane has room, and only then
    borrows any other idle worker; a request that is not light never takes one, so a
    lookup never queues behind a pool full of aggregations. The other workers run at CPU
    priority `nice` (a lower one when positive), so on a busy machine a lookup's worker
    gets the CPU before them. With `demote_after`, a request still running after that
    many seconds on a worker at normal priority (the lane's, or any when `nice` is 0)
    has its worker's priority lowered (`Worker.demote`), and the worker is replaced by a
    fresh one when the request ends.

    The pool is elastic: it starts `keep` workers (one of them in the lane when there is
    one; default `size`), starts more when a request finds none it may take (lane
    workers for light requests, up to `reserve`; others up to `size - reserve`), and
    stops one beyond `keep` that stayed idle for `idle_timeout` seconds: each worker
    holds its own store caches, so memory follows the load. Idle workers are reused
    most recent first, so the ones left idle longest are the ones that stop. An idle
    worker that died (killed from outside) is replaced when a request meets it, or by
    the watch thread within `WATCH_S`, whichever comes first.
    """

    def __init__(
        self,
        size: int,
        name: str = "museum-kg-worker",
        reserve: int = 0,
        demote_after: float | None = None,
        keep: int | None = None,
        idle_timeout: float | None = None,
        nice: int = 0,
    ) -> None:
        if not 0 <= reserve < size:
            raise ValueError(f"reserve must be between 0 and size - 1; got {reserve} of {size}")
        keep = size if keep is None else keep
        if not min(reserve, 1) < keep <= size:
            raise ValueError(f"keep must be from 1 (2 with a lane) to size; got {keep} of {size}")
        self.size, self.name, self.reserve, self.keep = size, name, reserve, keep
        # the lane keeps min(reserve, 1) of its workers when idle, the others keep the rest
        self._least = {True: min(reserve, 1), False: keep - min(reserve, 1)}
        self.demote_after, self.idle_timeout, self.nice = demote_after, idle_timeout, nice
        self._lane: deque[Worker] = deque()  # idle workers of the light lane
        self._idle: deque[Worker] = deque()  # the other idle workers
        self._all: set[Worker] = set()
        self._cond = threading.Condition()
        self._closed = False
        self._stopping = threading.Event()  # wakes the watch thread when the pool closes
        self._serial = 0
        with self._cond:
            for light in (True, False):
                for _ in range(self._least[light]):
                    self._add(light)
        threading.Thread(target=self._watch, name=f"{name}-watch", daemon=True).start()

    def _add(self, light: bool = False) -> None:
        """Start one more worker (call with the condition held)."""
        self._serial += 1
        worker = Worker(f"{self.name}-{self._serial}", light, 0 if light else self.nice)
        self._all.add(worker)
        # a new worker has cold caches: it is taken after the idle ones that served before
        (self._lane if light else self._idle).appendleft(worker)
        self._cond.notify_all()

    def pids(self) -> list[int]:
        """The workers' process ids, idle ones that died replaced first."""
        with self._cond:
            self._replace_dead()
            return [w.pid for w in self._all]

    def run(self, op: str, payload: Any, deadline: float, light: bool = False) -> Any:
        worker = self._acquire(deadline, light)
        healthy = False
        try:
            reply = worker.call(op, payload, deadline, self.demote_after)
            healthy = True
            return reply
        finally:
            self._release(worker, healthy)

    def _acquire(self, deadline: float, light: bool = False) -> Worker:
        with self._cond:
            while True:
                if self._closed:
                    raise Overloaded(1)
                if light and self._lane:
                    worker = self._pop_alive(self._lane)
                    if worker is not None:
                        return worker
                    continue
                # grow (the new worker is taken on the next turn): the lane first, so that
                # a lookup keeps its normal priority while the lane has room
                if light and self._running(True) < self.reserve:
                    self._add(light=True)
                    continue
                if self._idle:
                    worker = self._pop_alive(self._idle)
                    if worker is not None:
                        return worker
                    continue
                if self._running(False) < self.size - self.reserve:
                    self._add()
                    continue
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Overloaded()
                self._cond.wait(remaining)

    def _pop_alive(self, idle: deque[Worker]) -> Worker | None:
        """The most recently idle worker of `idle` if it still runs; a dead one (killed
        from outside) is replaced instead and None returned. Condition held."""
        worker = idle.pop()
        if worker.alive():
            return worker
        self._replace(worker)
        return None

    def _replace_dead(self) -> None:
        """Replace every idle worker that died (killed from outside); condition held."""
        for idle in (self._lane, self._idle):
            for worker in [w for w in idle if not w.alive()]:
                idle.remove(worker)
                self._replace(worker)

    def _replace(self, dead: Worker) -> None:
        """Forget `dead` (already out of the idle queues) and start its successor."""
        self._all.discard(dead)
        dead.conn.close()
        self._add(dead.light)

    def idle(self) -> int:
        """How many workers are waiting for a request."""
        with self._cond:
            return len(self._lane) + len(self._idle)

    def _release(self, worker: Worker, healthy: bool) -> None:
        if not healthy or worker.demoted:
            worker.kill()  # stop it now: its CPU and memory are freed here
        with self._cond:
            if healthy and not worker.demoted:
                worker.idle_since = time.monotonic()
                (self._lane if worker.light else self._idle).append(worker)
                self._cond.notify_all()  # a light waiter may take what a heavy one may not
                return
            self._all.discard(worker)
            if not self._closed:
                self._add(worker.light)

    def _running(self, light: bool) -> int:
        """Workers of the lane (`light`) or the others, busy or idle; condition held."""
        return sum(1 for w in self._all if w.light == light)

    def _watch(self) -> None:
        """Replace idle workers that died (killed from outside) within `WATCH_S`, and
        stop workers beyond `keep` that have been idle for `idle_timeout` seconds."""
        period = WATCH_S
        if self.idle_timeout is not None:
            period = min(period, max(0.05, self.idle_timeout / 4))
        while not self._stopping.wait(period):
            retired: list[Worker] = []
            with self._cond:
                if self._closed:
                    return
                self._replace_dead()
                if self.idle_timeout is not None and self.keep < self.size:
                    retired = self._expired(time.monotonic() - self.idle_timeout)
            for worker in retired:
                worker.stop()

    def _expired(self, limit: float) -> list[Worker]:
        """Take out the workers idle since before `limit` that the pool can spare, those
        idle longest first (a fresh replacement waits at the back of its queue, so the
        queue's order is not the order of idleness)."""
        retired = []
        for light, idle in ((True, self._lane), (False, self._idle)):
            for worker in sorted(idle, key=lambda w: w.idle_since):
                if not (
                    len(self._all) > self.keep
                    and self._running(light) > self._least[light]
                    and worker.idle_since < limit
                ):
                    break
                idle.remove(worker)
                self._all.discard(worker)
                retired.append(worker)
        return retired

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._stopping.set()
            workers = list(self._all)
            self._all.clear()
            self._lane.clear()
            self._idle.clear()
            self._cond.notify_all()
        for worker in workers:
            worker.stop()
