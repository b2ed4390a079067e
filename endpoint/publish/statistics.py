"""VoID statistics of the served data, computed once per `backend.version()`.

Counted through the backend with fixed queries: distinct triples, entities
(subjects under `<base>id/`, the `void:uriSpace`), distinct subjects and
objects, entities per class, triples per property, triples per named graph, and the
range of `mkg:year` values (the temporal coverage).
Results are kept in memory and on disk (`STORE/publish-cache/`, keyed by the
version), so a restart does not recount and a load recounts once.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from museum_kg.endpoint.publish.sparql import select, values
from rdflib import Literal

from museum_kg.settings import Settings
from museum_kg.store.base import Backend

CACHE_FOLDER = "publish-cache"
KEEP_FILES = 6

TOTALS = """SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects)
       (COUNT(DISTINCT ?o) AS ?objects) WHERE {
  { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }
}"""
ENTITIES = """SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {
  %s
  GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?s), ?space))
}"""
CLASSES = """SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } }
GROUP BY ?c ORDER BY ?c"""
PROPERTIES = """SELECT ?p (COUNT(*) AS ?n) WHERE {
  { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }
} GROUP BY ?p ORDER BY ?p"""
YEARS = """SELECT (MIN(STR(?y)) AS ?first) (MAX(STR(?y)) AS ?last) WHERE {
  GRAPH ?g { ?s mkg:year ?y } FILTER(REGEX(STR(?y), "^[0-9]{4}$"))
}"""
GRAPHS = """SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"""


@dataclass(frozen=True)
class Statistics:
    version: str
    triples: int
    entities: int
    distinct_subjects: int
    distinct_objects: int
    classes: dict[str, int]
    properties: dict[str, int]
    graphs: dict[str, int]
    first_year: str | None = None  # range of `mkg:year` values: the temporal coverage
    last_year: str | None = None

    @property
    def vocabularies(self) -> list[str]:
        """Namespaces of the classes and properties used."""
        spaces = set()
        for iri in list(self.classes) + list(self.properties):
            cut = max(iri.rfind("#"), iri.rfind("/"))
            if cut > 0:
                spaces.add(iri[: cut + 1])
        return sorted(spaces)


def _count(rows: list, name: str = "n") -> int:
    return int(rows[0][name]) if rows and name in rows[0] else 0


def compute(backend: Backend, settings: Settings, version: str) -> Statistics:
    totals = select(backend, settings, TOTALS)
    years = (select(backend, settings, YEARS) or [{}])[0]
    space = values("space", Literal(settings.base_iri + "id/"))
    listed = set(backend.graphs())
    return Statistics(
        version=version,
        triples=_count(totals, "triples"),
        entities=_count(select(backend, settings, ENTITIES % space)),
        distinct_subjects=_count(totals, "subjects"),
        distinct_objects=_count(totals, "objects"),
        classes={str(r["c"]): int(r["n"]) for r in select(backend, settings, CLASSES)},
        properties={str(r["p"]): int(r["n"]) for r in select(backend, settings, PROPERTIES)},
        graphs={
            str(r["g"]): int(r["n"])
            for r in select(backend, settings, GRAPHS)
            if str(r["g"]) in listed  # not an engine's own graphs (Virtuoso's, docs/scaling.md)
        },
        first_year=str(years["first"]) if "first" in years else None,
        last_year=str(years["last"]) if "last" in years else None,
    )


_memory: dict[str, Statistics] = {}
_locks: dict[str, threading.Lock] = {}
_guard = threading.Lock()


def _cache_file(settings: Settings, version: str) -> Path:
    key = hashlib.sha256(f"{settings.base_iri}\0{version}".encode()).hexdigest()[:24]
    return Path(settings.store) / CACHE_FOLDER / f"statistics-{key}.json"


def statistics(backend: Backend, settings: Settings, version: str) -> Statistics:
    """The statistics of `version`, computed at most once per version and process."""
    path = _cache_file(settings, version)
    with _guard:
        if path.name in _memory:
            return _memory[path.name]
        lock = _locks.setdefault(path.name, threading.Lock())
    with lock:
        if path.name in _memory:
            return _memory[path.name]
        stats = None
        try:
            stats = Statistics(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            stats = compute(backend, settings, version)
            _save(path, stats)
        with _guard:
            _memory[path.name] = stats
        return stats


def _save(path: Path, stats: Statistics) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(stats)), encoding="utf-8")
        tmp.replace(path)
        old = sorted(path.parent.glob("statistics-*.json"), key=lambda p: p.stat().st_mtime)
        for stale in old[:-KEEP_FILES]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only store folder: the memory cache still holds
