"""The change log's database: SQLite in the store folder, or PostgreSQL shared by instances.

`open_database(store, url)` gives a `Database` that the change log
(`changelog.ChangeLog`), the versions (`versions`) and the feeds' reader
(`museum_kg.endpoint.feeds.versions`) use the same way. Their SQL is written
once, in SQLite's spelling with `?` parameters; the differences between the two
databases live here and nowhere else:

- parameters (`?` -> `%s`), the tables' DDL (`INTEGER PRIMARY KEY AUTOINCREMENT`
  -> `BIGSERIAL`, `BLOB` -> `BYTEA`), inserts that replace or skip a row with the
  same key (`upsert`, `insert_ignore`), a list parameter (`in_list`: a JSON array
  read with `json_each` / a `text[]`), the id of an inserted row (`RETURNING`);
- the read snapshot of one request (`begin_read`: a deferred SQLite transaction /
  `REPEATABLE READ READ ONLY`), the schema version (`PRAGMA user_version` / a row
  of the table `meta`);
- `writing(timeout)`: one writer at a time for every instance sharing the
  database (a PostgreSQL advisory lock held from `recover()` to `publish()`, so
  a writer never settles another live writer's pending record). SQLite has one
  writer by construction (the store's writer process, one load at a time).

SQLite (`STORE/changelog.sqlite`) is the embedded default, unchanged. PostgreSQL
(setting `changelog_url`) is for several instances over one remote engine: each
reads the same change log, and none needs a file of another (docs/scaling.md).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from museum_kg.errors import ConfigError, StoreError, WriteBusy

SQLITE_NAME = "changelog.sqlite"
LOCK_KEY = 0x6D6B67  # the advisory lock of the change log's writers ("mkg")
LOCK_POLL_S = 0.05

TABLES = """
CREATE TABLE IF NOT EXISTS loads (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    snapshot TEXT NOT NULL,
    at TEXT NOT NULL,
    mode TEXT NOT NULL,
    sources TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'published'))
);
CREATE TABLE IF NOT EXISTS changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    load_id INTEGER NOT NULL REFERENCES loads(id),
    iri TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('created', 'updated', 'deleted')),
    at TEXT NOT NULL,
    prev_hash BLOB
);
CREATE INDEX IF NOT EXISTS changes_iri ON changes(iri, id);
CREATE INDEX IF NOT EXISTS changes_at ON changes(at, id);
CREATE INDEX IF NOT EXISTS changes_load ON changes(load_id);  -- a write's own changes
CREATE TABLE IF NOT EXISTS state (
    iri TEXT PRIMARY KEY,
    hash BLOB
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS versions (  -- what each change publishes (`loader/versions.py`)
    id INTEGER PRIMARY KEY,            -- the change id
    label TEXT,
    classes TEXT NOT NULL,             -- JSON list of class IRIs
    triples TEXT                       -- N-Triples; NULL for a deletion
);
"""


class Database:
    """One connection to the change log's database (see the module docstring)."""

    dialect = ""
    shared = False  # whether several instances may use it (they then need no store folder)

    def execute(self, sql: str, args: Iterable[Any] = ()) -> Any:
        raise NotImplementedError

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        raise NotImplementedError

    def transaction(self) -> contextlib.AbstractContextManager:
        raise NotImplementedError

    def insert_id(self, sql: str, args: Iterable[Any]) -> int:
        """Run an INSERT of one row into a table with an `id` sequence; its id."""
        raise NotImplementedError

    def begin_read(self) -> None:
        """Start the read-only transaction one request reads in (one state throughout)."""
        raise NotImplementedError

    def schema_version(self) -> int:
        raise NotImplementedError

    def set_schema_version(self, version: int) -> None:
        raise NotImplementedError

    def writing(self, timeout: float) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()

    def has_tables(self) -> bool:
        return True

    def close(self) -> None:
        raise NotImplementedError

    # --- spellings ----------------------------------------------------------------------

    def upsert(self, table: str, columns: tuple[str, ...], key: str) -> str:
        """An INSERT of `columns` that replaces the row with the same `key`."""
        raise NotImplementedError

    def insert_ignore(self, table: str, columns: tuple[str, ...], select: str | None = None) -> str:
        """An INSERT of `columns` (VALUES, or `select`) that skips rows whose key exists."""
        raise NotImplementedError

    def in_list(self, items: list[str]) -> tuple[str, Any]:
        """A sub-select of the strings `items` (`x IN (<sql>)`) and its one parameter."""
        raise NotImplementedError


class SqliteDatabase(Database):
    dialect = "sqlite"

    def __init__(self, path: Path, read_only: bool = False) -> None:
        self.path = path
        if read_only:
            self.db = sqlite3.connect(path, timeout=30, isolation_level=None,
                                      check_same_thread=False)  # fmt: skip
            self.db.execute("PRAGMA query_only = 1")
            return
        self.db = sqlite3.connect(path, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(TABLES)

    def execute(self, sql: str, args: Iterable[Any] = ()) -> Any:
        return self.db.execute(sql, tuple(args))

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        self.db.executemany(sql, rows)

    def transaction(self) -> contextlib.AbstractContextManager:
        return self.db

    def insert_id(self, sql: str, args: Iterable[Any]) -> int:
        return int(self.db.execute(sql, tuple(args)).lastrowid)

    def begin_read(self) -> None:
        self.db.execute("BEGIN")

    def has_tables(self) -> bool:
        query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'changes'"
        return self.db.execute(query).fetchone() is not None

    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def set_schema_version(self, version: int) -> None:
        self.db.execute(f"PRAGMA user_version = {int(version)}")

    def close(self) -> None:
        self.db.close()

    def upsert(self, table: str, columns: tuple[str, ...], key: str) -> str:
        marks = ", ".join("?" for _ in columns)
        return f"INSERT OR REPLACE INTO {table}({', '.join(columns)}) VALUES ({marks})"

    def insert_ignore(self, table: str, columns: tuple[str, ...], select: str | None = None) -> str:
        rows = select or "VALUES (" + ", ".join("?" for _ in columns) + ")"
        return f"INSERT OR IGNORE INTO {table}({', '.join(columns)}) {rows}"

    def in_list(self, items: list[str]) -> tuple[str, Any]:
        return "SELECT value FROM json_each(?)", json.dumps(items)


POSTGRES_TABLES = (
    TABLES.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
    .replace("INTEGER NOT NULL REFERENCES", "BIGINT NOT NULL REFERENCES")
    .replace("id INTEGER PRIMARY KEY", "id BIGINT PRIMARY KEY")
    .replace("BLOB", "BYTEA")
    .replace(") WITHOUT ROWID;", ");")
    + "CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL);\n"
)


class PostgresDatabase(Database):
    dialect = "postgresql"
    shared = True

    def __init__(self, url: str, read_only: bool = False) -> None:
        try:
            import psycopg
        except ImportError:
            raise ConfigError(
                "changelog_url", _shown(url),
                "usable with psycopg installed (pip install 'museum-kg[postgres]')",
            ) from None  # fmt: skip
        self.url = url
        self._errors = psycopg.Error
        try:
            self.db = psycopg.connect(url, autocommit=True, connect_timeout=10)
            if not read_only:
                with self.db.transaction():  # instances starting together: one creates them
                    self.db.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY + 1,))
                    for statement in _statements(POSTGRES_TABLES):
                        self.db.execute(statement)
        except psycopg.Error as exc:
            raise StoreError(
                f"the change log database at {_shown(url)} cannot be used ({_first_line(exc)}); "
                "check `changelog_url` and that the database server runs and lets this user "
                "create tables"
            ) from None

    def execute(self, sql: str, args: Iterable[Any] = ()) -> Any:
        return self.db.execute(_spelled(sql), tuple(args))

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        with self.db.cursor() as cursor:
            batch: list[tuple] = []
            for row in rows:
                batch.append(tuple(row))
                if len(batch) >= 5_000:
                    cursor.executemany(_spelled(sql), batch)
                    batch = []
            if batch:
                cursor.executemany(_spelled(sql), batch)

    def transaction(self) -> contextlib.AbstractContextManager:
        return self.db.transaction()

    def insert_id(self, sql: str, args: Iterable[Any]) -> int:
        return int(self.db.execute(_spelled(sql) + " RETURNING id", tuple(args)).fetchone()[0])

    def begin_read(self) -> None:
        self.db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def schema_version(self) -> int:
        row = self.db.execute("SELECT value FROM meta WHERE name = 'versions'").fetchone()
        return int(row[0]) if row else SCHEMA_CURRENT  # a new database needs no migration

    def set_schema_version(self, version: int) -> None:
        self.db.execute(
            "INSERT INTO meta(name, value) VALUES ('versions', %s) "
            "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value",
            (int(version),),
        )

    @contextlib.contextmanager
    def writing(self, timeout: float) -> Iterator[None]:
        deadline = time.monotonic() + timeout
        while not self.db.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]:
            if time.monotonic() > deadline:
                raise WriteBusy()
            time.sleep(LOCK_POLL_S)
        try:
            yield
        finally:
            with contextlib.suppress(self._errors):
                self.db.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))

    def has_tables(self) -> bool:
        return self.db.execute("SELECT to_regclass('changes') IS NOT NULL").fetchone()[0]

    def close(self) -> None:
        self.db.close()  # also ends a read transaction and frees the writers' lock

    def upsert(self, table: str, columns: tuple[str, ...], key: str) -> str:
        marks = ", ".join("?" for _ in columns)
        rest = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
        return (
            f"INSERT INTO {table}({', '.join(columns)}) VALUES ({marks}) "
            f"ON CONFLICT ({key}) DO UPDATE SET {rest}"
        )

    def insert_ignore(self, table: str, columns: tuple[str, ...], select: str | None = None) -> str:
        rows = select or "VALUES (" + ", ".join("?" for _ in columns) + ")"
        return f"INSERT INTO {table}({', '.join(columns)}) {rows} ON CONFLICT DO NOTHING"

    def in_list(self, items: list[str]) -> tuple[str, Any]:
        return "SELECT unnest(CAST(? AS text[]))", list(items)


SCHEMA_CURRENT = 1  # `versions.SCHEMA_VERSION`: a PostgreSQL change log starts complete


def _statements(script: str) -> list[str]:
    text = "\n".join(line.split("--")[0] for line in script.splitlines())
    return [s.strip() for s in text.split(";") if s.strip()]


def _spelled(sql: str) -> str:
    return sql.replace("%", "%%").replace("?", "%s")


def _shown(url: str) -> str:
    """The URL without its password (never printed)."""
    head, sep, tail = url.partition("@")
    if not sep:
        return url
    scheme, _, user = head.partition("://")
    return f"{scheme}://{user.split(':')[0]}@{tail}"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def sqlite_path(store: Path | str) -> Path:
    return Path(store) / SQLITE_NAME


def open_database(store: Path | str, url: str | None, read_only: bool = False) -> Database:
    """The change log's database: PostgreSQL at `url`, else `STORE/changelog.sqlite`."""
    if url:
        return PostgresDatabase(url, read_only=read_only)
    return SqliteDatabase(sqlite_path(store), read_only=read_only)


def exists(store: Path | str, url: str | None) -> bool:
    """Whether a change log can be read (a shared database always can)."""
    return bool(url) or sqlite_path(store).is_file()
