"""Configuration, declared once.

`Settings` is the only place a setting exists. `Settings.load(env, **flags)`
reads environment variables (`MUSEUM_KG_<NAME>`) and command-line flags (which
win), converts and checks each value, and returns a frozen object that is
passed in to whatever needs it (`create_app(settings)`, the loader, the CLI).
`docs/configuration.md` documents every field; a test keeps it complete.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from museum_kg.errors import ConfigError
from museum_kg.paths import DEFAULT_STATE_DIR

ENV_PREFIX = "MUSEUM_KG_"
BASE_IRI = "https://w3id.org/museum-kg/"
# RFC 2606 reserves .invalid: this address can never reach anybody.
PLACEHOLDER_EMAIL = "contact-not-configured@museum-kg.invalid"
BACKEND_ENGINES = ("generic", "oxigraph", "virtuoso", "fuseki", "qlever", "graphdb")


def default_workers() -> int:
    """Two per CPU this process may use plus one, at least 4 and at most 32.

    Workers evaluate and spool their answer before the HTTP side streams it, so they never
    wait for a client: more of them than this only adds one engine cache per process
    (docs/performance.md, "The pool's size and export memory")."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return min(32, max(4, 2 * cpus + 1))


def default_threads() -> int:
    """Four HTTP threads per default query worker, at least 32 and at most 128.

    A thread waits while its request waits for a query worker; with fewer threads than
    concurrent requests, aggregations waiting for a worker would hold every thread and
    lookups would queue in the HTTP server instead of taking the lookup lane."""
    return min(128, max(32, 4 * default_workers()))


def _meta(help: str, env: bool = True) -> dict[str, Any]:
    return {"help": help, "env": env}


@dataclass(frozen=True)
class Settings:
    """Every setting of museum-kg, with its default."""

    store: Path = field(
        default=DEFAULT_STATE_DIR / "store",
        metadata=_meta("Folder of the embedded store's snapshots."),
    )
    backend: str | None = field(
        default=None,
        metadata=_meta("URL of a remote SPARQL 1.1 query endpoint; unset = embedded store."),
    )
    backend_update: str | None = field(
        default=None,
        metadata=_meta("URL of the remote engine's SPARQL Update endpoint (default: derived)."),
    )
    backend_store: str | None = field(
        default=None,
        metadata=_meta(
            "URL of the remote engine's Graph Store Protocol endpoint (default: derived)."
        ),
    )
    backend_auth: str | None = field(
        default=None,
        metadata=_meta("Authorization header value sent to the remote engine (e.g. `Basic ...`)."),
    )
    backend_engine: str = field(
        default="generic",
        metadata=_meta(
            "Kind of remote engine: generic, oxigraph, virtuoso, fuseki, qlever or graphdb "
            "(its timeout parameter, union default graph, default URLs)."
        ),
    )
    changelog_url: str | None = field(
        default=None,
        metadata=_meta(
            "PostgreSQL database of the change log (`postgresql://...`), shared by every "
            "instance over one remote engine; unset = `changelog.sqlite` in `store`."
        ),
    )
    host: str = field(default="127.0.0.1", metadata=_meta("Address the server binds to."))
    port: int = field(default=8000, metadata=_meta("TCP port the server listens on."))
    threads: int = field(
        default_factory=default_threads,
        metadata=_meta(
            "HTTP threads of the WSGI server; default four per query worker (8 to 128), so "
            "requests waiting for a worker never keep lookups from reaching the pool."
        ),
    )
    workers: int = field(
        default_factory=default_workers,
        metadata=_meta(
            "Most query worker processes (each can be killed at a deadline); default two "
            "per CPU plus one, 4 to 32, started as the load needs them."
        ),
    )
    worker_idle_timeout: float = field(
        default=10.0,
        metadata=_meta(
            "Seconds a query worker beyond the resting pool (2 workers) may stay idle "
            "before it stops; 0 keeps every worker running."
        ),
    )
    point_budget: int = field(
        default=200,
        metadata=_meta(
            "Quads a point query (a lookup or short join from a constant) may read when the "
            "serving process answers it itself; past them it goes to a query worker. "
            "0 sends every query to the workers."
        ),
    )
    timeout: float = field(
        default=30.0,
        metadata=_meta("Query deadline in seconds; clients may lower it, never raise it."),
    )
    max_rows: int | None = field(
        default=None, metadata=_meta("Cap on result rows; announced in a header when applied.")
    )
    max_request_bytes: int = field(
        default=1_048_576, metadata=_meta("Largest accepted request body in bytes.")
    )
    update_token: str | None = field(
        default=None,
        metadata=_meta("Bearer token that enables SPARQL Update and Graph Store writes."),
    )
    union_default_graph: bool = field(
        default=True,
        metadata=_meta("Query the union of all named graphs as the default graph."),
    )
    service_allow: tuple[str, ...] = field(
        default=(),
        metadata=_meta(
            "Comma-separated endpoint IRI prefixes that SERVICE may call; empty = none."
        ),
    )
    base_iri: str = field(
        default=BASE_IRI, metadata=_meta("Persistent base IRI of entities and the ontology.")
    )
    public_url: str | None = field(
        default=None,
        metadata=_meta("External URL of this server, if behind a proxy (default: request host)."),
    )
    asset_base: str = field(
        default="auto",
        metadata=_meta(
            "Where pages load YASGUI and Chart.js: `auto` (local .museum-kg/assets when "
            "installed, else the CDN), an npm CDN URL, or a folder of installed packages."
        ),
    )
    publisher_name: str = field(
        default="museum-kg project",
        metadata=_meta("Publisher named in the dataset description and OAI-PMH Identify."),
    )
    contact_name: str = field(
        default="museum-kg data maintainers",
        metadata=_meta("Name of the publisher's contact point (preferably a team)."),
    )
    contact_email: str = field(
        default=PLACEHOLDER_EMAIL,
        metadata=_meta(
            "Contact e-mail of the publisher; set it before publishing (the default is a "
            "reserved, undeliverable placeholder)."
        ),
    )
    keep_snapshots: int = field(default=3, metadata=_meta("How many store snapshots a load keeps."))
    cors: bool = field(default=True, metadata=_meta("Send CORS headers on read requests."))
    feed_page_size: int = field(
        default=100, metadata=_meta("Members per page of the LDES feed (/feeds/ldes).")
    )
    oai_page_size: int = field(
        default=100, metadata=_meta("Records or headers per OAI-PMH list response (/oai).")
    )
    oai_max_requests: int = field(
        default=4, metadata=_meta("Concurrent OAI-PMH requests; more get 503 with Retry-After.")
    )
    cache_bytes: int = field(
        default=64 * 2**20,
        metadata=_meta("Memory in bytes for answers to repeated identical GET queries; 0 = off."),
    )
    source_documents: Path | None = field(
        default=None,
        metadata=_meta(
            "Folder of the source documents (by file name); when set, pages quote each passage "
            "from its document after checking the document's recorded SHA-256."
        ),
    )

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, **flags: Any) -> Settings:
        """Settings from `env` (default `os.environ`) overridden by non-None `flags`."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        names = {f.name: f for f in fields(cls)}
        for name in flags:
            if name not in names:
                raise ConfigError(name, flags[name], "one of " + ", ".join(names))
        for f in fields(cls):
            raw: Any = flags.get(f.name)
            if raw is None:
                raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is None:
                continue
            values[f.name] = _convert(f, raw)
        settings = cls(**values)
        settings.check()
        return settings

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    def check(self) -> None:
        if not 0 <= self.port < 65536:
            raise ConfigError("port", self.port, "a TCP port between 1 and 65535 (0: any free)")
        for name in (
            "threads",
            "workers",
            "keep_snapshots",
            "max_request_bytes",
            "feed_page_size",
            "oai_page_size",
            "oai_max_requests",
        ):
            if getattr(self, name) < 1:
                raise ConfigError(name, getattr(self, name), "a whole number of at least 1")
        if self.worker_idle_timeout < 0:
            raise ConfigError(
                "worker_idle_timeout",
                self.worker_idle_timeout,
                "a number of seconds such as 10 (0: workers never stop when idle)",
            )
        if self.timeout <= 0:
            raise ConfigError("timeout", self.timeout, "a positive number of seconds such as 30")
        if self.point_budget < 0:
            raise ConfigError(
                "point_budget", self.point_budget, "a number of quads such as 200 (0 = off)"
            )
        if self.cache_bytes < 0:
            raise ConfigError("cache_bytes", self.cache_bytes, "a number of bytes (0 = no cache)")
        if self.max_rows is not None and self.max_rows < 1:
            raise ConfigError("max_rows", self.max_rows, "a whole number of at least 1")
        if self.backend_engine not in BACKEND_ENGINES:
            raise ConfigError(
                "backend_engine", self.backend_engine, "one of " + ", ".join(BACKEND_ENGINES)
            )
        for name in ("backend", "backend_update", "backend_store"):
            url = getattr(self, name)
            if url is not None and not url.startswith(("http://", "https://")):
                raise ConfigError(name, url, "an http:// or https:// URL")
        if self.changelog_url is not None and not self.changelog_url.startswith(
            ("postgresql://", "postgres://")
        ):
            raise ConfigError(
                "changelog_url", self.changelog_url, "a postgresql://HOST/DATABASE URL"
            )
        if self.changelog_url is not None and self.backend is None:
            raise ConfigError(
                "changelog_url",
                "(set)",
                "unset unless `backend` is set too (the embedded store keeps its change log "
                "in its store folder)",
            )
        if "@" not in self.contact_email.strip("@"):
            raise ConfigError("contact_email", self.contact_email, "an e-mail address")
        if not self.base_iri.endswith("/"):
            raise ConfigError("base_iri", self.base_iri, "an IRI ending with '/'")

    @property
    def ontology_iri(self) -> str:
        return self.base_iri + "ontology"


def env_var(name: str) -> str:
    """The environment variable that sets field `name`."""
    return ENV_PREFIX + name.upper()


def _convert(f: dataclasses.Field, raw: Any) -> Any:
    kind = str(f.type)
    if not isinstance(raw, str):
        if "tuple" in kind and isinstance(raw, list | tuple):
            return tuple(raw)
        if "Path" in kind and not isinstance(raw, Path):
            return Path(raw)
        return raw
    text = raw.strip()
    try:
        if "tuple" in kind:
            return tuple(p.strip() for p in text.split(",") if p.strip())
        if "bool" in kind:
            if text.lower() in ("1", "true", "yes", "on"):
                return True
            if text.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(text)
        if "int" in kind:
            return None if text == "" and "None" in kind else int(text)
        if "float" in kind:
            return float(text)
        if "Path" in kind:
            return Path(text).expanduser()
    except ValueError:
        expected = {"bool": "true or false", "int": "a whole number", "float": "a number"}
        key = next((k for k in expected if k in kind), "a valid value")
        raise ConfigError(f.name, raw, expected.get(key, key)) from None
    return text or None if "None" in kind else text
