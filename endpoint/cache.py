"""A result cache for repeated identical GET queries on `/sparql`.

Dashboards and harvesters send the same GET again and again; between two loads
the answer cannot change, so the server keeps finished answers in memory and
sends them again without evaluating the query.

- Key: the data version (`Backend.version()`, which changes with every new
  snapshot), the query text (surrounding whitespace and line endings
  normalized), every other parameter except `timeout` (dataset IRIs,
  `format`...), and the request's `Accept` header. A deadline never changes a
  complete answer, so `timeout` is not part of the key.
- Kept: only complete `200` answers to GET/HEAD queries, not capped by
  `max_rows`, without SERVICE calls (their answers depend on another server),
  and no larger than `entry_limit` (a quarter of the cache, at most 1 MiB:
  larger results are streamed from the worker's spool as before).
- Bounded: at most `settings.cache_bytes` bytes of bodies, least recently used
  entries go first; `cache_bytes = 0` turns the cache off.
- Invalidated: a new snapshot gives a new version; the first request that sees
  it empties the cache. Updates are never cached.

`answering.answer_query` looks answers up and keeps them; this module only holds them.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

EXTENSION_KEY = "museum_kg.result_cache"
ENTRY_MAX = 1 << 20  # results up to this size arrive from the worker in memory
CACHEABLE_METHODS = ("GET", "HEAD")


@dataclass(frozen=True)
class Entry:
    body: bytes
    content_type: str
    etag: str | None
    cache_control: str


class ResultCache:
    """A byte-bounded LRU map from request keys to finished answers of one data version."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self.entry_limit = min(ENTRY_MAX, self.max_bytes // 4)
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._version: str | None = None
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.entry_limit > 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size(self) -> int:
        """Bytes of cached bodies."""
        return self._bytes

    def get(self, key: tuple) -> Entry | None:
        with self._lock:
            self._switch(key[0])
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: tuple, entry: Entry) -> bool:
        """Keep `entry` unless it is too big; True when kept."""
        cost = len(entry.body)
        if not self.enabled or cost > self.entry_limit:
            return False
        with self._lock:
            if key[0] != self._version:
                return False  # the data changed while this answer was computed
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= len(old.body)
            self._entries[key] = entry
            self._bytes += cost
            while self._bytes > self.max_bytes and self._entries:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)
            return key in self._entries

    def _switch(self, version: str) -> None:
        """Forget everything cached for an older data version (call with the lock held)."""
        if version != self._version:
            self._entries.clear()
            self._bytes = 0
            self._version = version


def cache_of(app) -> ResultCache:
    """The app's cache, sized by the `cache_bytes` setting."""
    found = app.extensions.get(EXTENSION_KEY)
    if found is None:
        from museum_kg.endpoint.app import SETTINGS_KEY

        found = app.extensions.setdefault(
            EXTENSION_KEY, ResultCache(app.extensions[SETTINGS_KEY].cache_bytes)
        )
    return found


def request_key(operation, method: str, accept: str | None, version: str) -> tuple | None:
    """The cache key of a `/sparql` query request, or None when it cannot be cached."""
    if method not in CACHEABLE_METHODS or operation.kind != "query":
        return None
    text = operation.text.strip().replace("\r\n", "\n")
    params = tuple(sorted((k, v) for k, v in operation.params.items(multi=True) if k != "timeout"))
    return (version, text, params, accept or "")
