"""The write path over a remote SPARQL engine: the same steps, on a local copy of what a
change touches.

A remote engine holds the data; museum-kg holds no copy of it. For each change,
`commit_remote()` copies into a small in-memory store the statements the change
can touch (`RemoteSource`: the subjects it writes, the graphs it moves or
clears, the ontology and shapes), then runs the steps of the embedded store on
that copy: the exact delta (`museum_kg.store.delta.apply`, with WHERE clauses
evaluated by the engine), the derived alignments of the affected entities
(`effects.Effects`), the shapes, the change log (pending). Only then is one
update request sent to the engine with every deleted and inserted quad,
asserted and derived, and the new version marker: the engine applies it as one
transaction, and the change log is published once it has.

Limits, refused with a message rather than guessed: a change cannot delete
statements about blank nodes stored in the engine (the engine's blank nodes
cannot be named in an update); each WHERE clause reads the engine's data as it
was before the request (an earlier operation of the same request is not seen).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from museum_kg.loader import versions
from museum_kg.loader.changelog import open_changelog
from museum_kg.loader.inference import Alignments
from museum_kg.loader.pipeline.effects import Effects
from museum_kg.loader.validate import Validator

from museum_kg.errors import RequestError
from museum_kg.store.base import QueryRequest
from museum_kg.store.changes import Change, WriteReport
from museum_kg.store.delta import DEFAULT, Delta, apply
from museum_kg.store.remote.engines import VERSION_GRAPH

BATCH = 200  # subjects per query when copying statements from the engine


class RemoteSource:
    """The engine's data, copied into `mirror` as far as a change needs it."""

    def __init__(self, backend, mirror: ox.Store, timeout: float) -> None:
        self.backend, self.mirror, self.timeout = backend, mirror, timeout
        self.subjects: set = set()
        self.graphs: set[str] = set()  # graphs copied whole (or created / dropped here)
        self._named: list[str] | None = None
        self._blanks: dict[str, ox.BlankNode] = {}  # the engine's labels -> local nodes
        # engines without a default graph of their own (Virtuoso: it is the union of the
        # named graphs) are read as having an empty one, not the union twice
        self.default = backend.engine.has_default_graph
        self.either = "{ ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } }" if self.default else (
            "{ GRAPH ?g { ?s ?p ?o } }")  # fmt: skip

    # --- what `delta.apply` asks -------------------------------------------------------

    def prefetch(self, quads: list[ox.Quad]) -> None:
        self.fetch_subjects({q.subject for q in quads if isinstance(q.subject, ox.NamedNode)})

    def graph_quads(self, node) -> list[ox.Quad]:
        name = node.value if isinstance(node, ox.NamedNode) else DEFAULT
        if name not in self.graphs:
            self.graphs.add(name)
            if name == DEFAULT and not self.default:
                return []
            pattern = "{ ?s ?p ?o }" if name == DEFAULT else f"{{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
            for row in self.select(f"SELECT ?s ?p ?o WHERE {pattern}", {}):
                self.mirror.add(ox.Quad(row["s"], row["p"], row["o"], node))
            if name != DEFAULT and self.has_graph(name):
                self.mirror.add_graph(node)
        return list(self.mirror.quads_for_pattern(None, None, None, node))

    def has_graph(self, name: str) -> bool:
        if name == DEFAULT:
            return True
        if name in self.graphs:
            return self.mirror.contains_named_graph(ox.NamedNode(name))
        return name in self.named_graphs()

    def named_graphs(self) -> list[str]:
        if self._named is None:
            self._named = list(self.backend.graphs())
        known = set(self._named) - {g for g in self.graphs if not self.has_graph(g)}
        return sorted(known | {g.value for g in self.mirror.named_graphs()})

    def select(self, query: str, options: dict) -> list[dict]:
        request = QueryRequest(
            query,
            "json",
            self.timeout,
            default_graphs=tuple(_names(options.get("default_graph", ()))),
            named_graphs=tuple(_names(options.get("named_graphs", ()))),
            base_iri=options.get("base_iri"),
        )
        body = json.loads(self.backend.query(request).read())
        return [
            {name: _term(cell, self._blanks) for name, cell in row.items()}
            for row in body["results"]["bindings"]
        ]

    # --- copying -------------------------------------------------------------------------

    def fetch_subjects(self, subjects) -> None:
        wanted = sorted((s for s in subjects if s not in self.subjects), key=lambda n: n.value)
        self.subjects.update(wanted)
        for start in range(0, len(wanted), BATCH):
            values = " ".join(f"<{s.value}>" for s in wanted[start : start + BATCH])
            query = f"SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values} }} {self.either} }}"
            for row in self.select(query, {}):
                graph = row.get("g")
                if graph is not None and graph.value == VERSION_GRAPH:
                    continue
                self.mirror.add(ox.Quad(row["s"], row["p"], row["o"], graph or ox.DefaultGraph()))

    def fetch_graph(self, name: str) -> None:
        self.graph_quads(ox.NamedNode(name))


def commit_remote(change: Change, backend, settings, label: str | None = None) -> WriteReport:
    """Apply `change` to the engine behind `backend` through the write path.

    The whole write holds the change log's writer lock (`ChangeLog.writing`): with a
    change log shared by several instances (`changelog_url`), their writes to the engine
    take turns, each reads the engine after the previous one was applied, and a pending
    record is only ever settled by its own writer or after that writer died."""
    Path(settings.store).mkdir(parents=True, exist_ok=True)
    changelog = open_changelog(settings)
    try:
        with changelog.writing(settings.timeout):
            return _commit(change, backend, settings, label, changelog)
    finally:
        changelog.close()


def _commit(change, backend, settings, label, changelog) -> WriteReport:
    started = time.monotonic()
    base = settings.base_iri
    inferred = base + "graph/inferred"
    mirror = ox.Store()
    source = RemoteSource(backend, mirror, settings.timeout)
    backend._forget_version()  # another instance may have written a moment ago
    version = backend.version()
    for graph in (base + "ontology", base + "shapes", base + "graph/vocabularies"):
        if source.has_graph(graph):
            source.fetch_graph(graph)
    delta = apply(mirror, change, reserved={inferred}, source=source)
    if not delta:
        return WriteReport(version=version, seconds=time.monotonic() - started)
    _refuse_stored_blank_nodes(delta, source)
    alignments = Alignments.of(mirror, base + "ontology")
    effects = Effects(mirror, inferred, alignments, union=False)
    affected = effects.affected(delta)
    validator = Validator(mirror, base, alignments.classes)
    around = affected | _referencing(source, affected)
    source.fetch_subjects(ox.NamedNode(i) for i in around)
    _fetch_objects(source, around)
    work = Path(tempfile.mkdtemp(prefix="museum-kg-write-"))
    try:
        settled = effects.settle(delta, work)
        validated = 0
        if validator.active:
            focus = validator.targets(among=around)
            validator.check(focus, source=label or change.kind)
            validated = len(focus)
        new_version = backend.new_version()
        changelog.recover(version.removeprefix("remote-"))
        diff = changelog.diff_of(settled.digests)
        now = {i: d for i, d in settled.digests.items() if d is not None}
        load_id = changelog.record(new_version, diff, now, datetime.now(UTC), change.kind,
                                   [label or change.kind])  # fmt: skip
        try:
            versions.record(changelog, load_id, settled.described)
            backend.send_update(_update_text(delta, effects), new_version)
        except BaseException:
            _settle(changelog, backend)
            raise
        changelog.publish(load_id)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    from museum_kg.loader.pipeline.writer import _report

    return _report(delta, settled, diff, validated, "remote-" + new_version, started)


def _settle(changelog, backend) -> None:
    """After a failed request: publish the pending record if the engine applied the update
    after all (its marker is the new version), else undo it. If the engine cannot be read,
    the record stays pending for the next writer, which compares it the same way."""
    backend._forget_version()
    try:
        marker = backend.version()
    except Exception:  # noqa: BLE001 - the request's own error is the one to report
        return
    changelog.recover(marker.removeprefix("remote-"))


def _referencing(source: RemoteSource, iris: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(iris)
    for start in range(0, len(ordered), BATCH):
        values = " ".join(f"<{i}>" for i in ordered[start : start + BATCH])
        query = (
            f"SELECT DISTINCT ?s WHERE {{ VALUES ?o {{ {values} }} {source.either} "
            "FILTER(isIRI(?s)) }"
        )
        found.update(row["s"].value for row in source.select(query, {}))
    return found


def _fetch_objects(source: RemoteSource, iris: set[str]) -> None:
    """The classes of what the focus nodes point to (the shapes' `sh:class` checks)."""
    objects = {
        q.object
        for i in iris
        for q in source.mirror.quads_for_pattern(ox.NamedNode(i), None, None, None)
        if isinstance(q.object, ox.NamedNode)
    }
    source.fetch_subjects(objects)


def _refuse_stored_blank_nodes(delta: Delta, source: RemoteSource) -> None:
    for q in delta.deleted:
        if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
            raise RequestError(
                "this change would delete statements about blank nodes stored in the remote "
                "engine, which an update cannot name; give those nodes IRIs, or change them "
                "with the engine's own tools"
            )


def _update_text(delta: Delta, effects: Effects) -> str:
    deleted = list(delta.deleted) + effects.retracted
    inserted = list(delta.inserted) + effects.derived
    parts = [f"CREATE SILENT GRAPH <{g}>" for g in sorted(delta.created_graphs)]
    if deleted:
        parts.append("DELETE DATA {\n" + _quads(deleted) + "}")
    if inserted:
        parts.append("INSERT DATA {\n" + _quads(inserted) + "}")
    parts += [f"DROP SILENT GRAPH <{g}>" for g in sorted(delta.dropped_graphs)]
    return " ;\n".join(parts)


def _quads(quads) -> str:
    lines = []
    for q in quads:
        triple = f"{q.subject} {q.predicate} {q.object} ."
        if isinstance(q.graph_name, ox.NamedNode):
            lines.append(f"GRAPH {q.graph_name} {{ {triple} }}")
        else:
            lines.append(triple)
    return "\n".join(lines) + "\n"


def _names(nodes) -> list[str]:
    return [n.value for n in nodes if isinstance(n, ox.NamedNode)]


def _term(cell: dict, blanks: dict):
    kind, value = cell["type"], cell["value"]
    if kind == "uri":
        return ox.NamedNode(value)
    if kind == "bnode":
        return blanks.setdefault(value, ox.BlankNode())
    if "xml:lang" in cell:
        return ox.Literal(value, language=cell["xml:lang"])
    if "datatype" in cell:
        return ox.Literal(value, datatype=ox.NamedNode(cell["datatype"]))
    return ox.Literal(value)
