"""The code that runs inside a query or update worker process.

A worker is a spawned process (never forked from a process holding a RocksDB)
that reads requests from its pipe, one at a time, and answers each with
`("ok", payload)` or `("error", kind, message)`. Query workers open the served
snapshot read-only and re-open it when the parent names a newer one. Results
are serialized by pyoxigraph into a spool: kept in memory while small, moved
to a file in the spool folder beyond `SPOOL_MEMORY` bytes, so evaluation is
over before the parent answers. Update workers apply changes to a new snapshot
(`SnapshotStore.begin(from_current=True)` ... `publish()`).

Requests and replies are plain tuples, dicts, strings and bytes: no rdflib and
no pyoxigraph object crosses the pipe.
"""

from __future__ import annotations

import os
import select
import signal
from typing import Any

from museum_kg import memory
from museum_kg.sparql.prefixes import PREDECLARED
from museum_kg.store.spool import Spool
from museum_kg.store.union import NO_MERGE, dataset_options, internal, layout

QUERY_FORMATS = {"json": "JSON", "xml": "XML", "csv": "CSV", "tsv": "TSV"}
PREFIXED_FORMATS = ("turtle", "trig")  # graph answers written with the predeclared prefixes
RDF_FORMATS = {
    "turtle": "TURTLE",
    "ntriples": "N_TRIPLES",
    "nquads": "N_QUADS",
    "trig": "TRIG",
    "rdfxml": "RDF_XML",
    "jsonld": "JSON_LD",
}


TRIM_AFTER_IDLE_S = 0.5  # an idle worker returns freed memory to the system after this
# ... and closes its store handle this much later: the engine's block cache (about 35 MB at
# 1M triples after one aggregation) goes with it; reopening costs about 20 ms
CLOSE_AFTER_IDLE_S = 2.0


class Missing(Exception):
    """The graph a request names does not exist."""


class _State:
    def __init__(self) -> None:
        self.snapshot_id: str | None = None
        self.store: Any = None
        self.forwarder: Any = None
        self.layout = NO_MERGE  # how the snapshot's union default graph is read

    def forwarded(self, text: str, forward: dict | None) -> str:
        """`text` with its SERVICE targets pointed at this process's forwarder."""
        if not forward:
            return text
        from museum_kg.sparql.forward import Forwarder, rewrite

        if self.forwarder is None:
            self.forwarder = Forwarder(
                tuple(forward["allow"]), forward["resolver"], forward.get("refuse")
            )
        self.forwarder.reset()
        return rewrite(text, forward["spans"], self.forwarder)

    def store_for(self, snapshot_id: str, path: str) -> Any:
        import pyoxigraph as ox

        if snapshot_id != self.snapshot_id or self.store is None:
            self.store = None
            self.store = ox.Store.read_only(path)
            self.snapshot_id = snapshot_id
            self.layout = layout(self.store)
        return self.store

    def close(self) -> None:
        """Drop the store handle (the next request opens it again)."""
        self.store, self.snapshot_id, self.layout = None, None, NO_MERGE


def main(conn: Any) -> None:
    """Serve requests from `conn` until it closes (entry point of every worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    import pyoxigraph  # noqa: F401 - loaded now, while idle, not during the first request

    state = _State()
    ready = select.poll()  # `conn.poll` would build a selector after every request
    ready.register(conn.fileno(), select.POLLIN)
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        op, payload = request
        if op == "stop":
            return
        try:
            reply: tuple = ("ok", _HANDLERS[op](state, payload, conn))
        except SyntaxError as exc:
            reply = ("error", "syntax", str(exc))
        except Missing as exc:
            reply = ("error", "not_found", str(exc))
        except ValueError as exc:
            reply = ("error", "value", str(exc))
        except Exception as exc:  # the parent maps every kind to our error tree
            reply = ("error", type(exc).__name__, str(exc))
        try:
            conn.send(reply)
            if not ready.poll(TRIM_AFTER_IDLE_S * 1000):  # idle: give back what it freed
                memory.release()
                if state.store is not None and not ready.poll(CLOSE_AFTER_IDLE_S * 1000):
                    state.close()
                    memory.release()
        except (EOFError, OSError):
            return


def term_of(spec: tuple) -> Any:
    """The pyoxigraph term of a term spec: ("iri", value), ("bnode", id) or
    ("literal", value, datatype, language)."""
    import pyoxigraph as ox

    kind = spec[0]
    if kind == "iri":
        return ox.NamedNode(spec[1])
    if kind == "bnode":
        return ox.BlankNode(spec[1])
    _, value, datatype, language = spec
    if language:
        return ox.Literal(value, language=language)
    if datatype:
        return ox.Literal(value, datatype=ox.NamedNode(datatype))
    return ox.Literal(value)


def _query(state: _State, p: dict, conn: Any) -> dict:
    import pyoxigraph as ox

    store = state.store_for(p["snapshot_id"], p["snapshot_path"])
    options: dict[str, Any] = {"base_iri": p.get("base_iri")}
    if p["default_graphs"] or p["named_graphs"]:
        # A protocol dataset replaces the query's whole dataset: graphs it does not
        # name as default (or named) graphs are not part of it, even if empty.
        options["default_graph"] = [ox.NamedNode(g) for g in p["default_graphs"]]
        options["named_graphs"] = [ox.NamedNode(g) for g in p["named_graphs"]]
    elif not p.get("own_dataset"):  # FROM / FROM NAMED in the query apply as written
        graph_patterns = p.get("graph_patterns", True)
        options.update(dataset_options(store, p["union"], state.layout, graph_patterns))
    if p["substitutions"]:
        options["substitutions"] = {
            ox.Variable(name): term_of(spec) for name, spec in p["substitutions"].items()
        }
    results = store.query(state.forwarded(p["query"], p.get("forward")), **options)
    spool = Spool(p["spool"])
    capped = False
    if isinstance(results, ox.QuerySolutions | ox.QueryBoolean):
        form = "select" if isinstance(results, ox.QuerySolutions) else "ask"
        fmt = _format(ox.QueryResultsFormat, QUERY_FORMATS, p["format"], form)
        if form == "select" and p["max_rows"] is not None:
            results, capped = _capped(results, p["max_rows"], p["spool"] + ".rows.tsv")
    else:
        form = "graph"
        fmt = _format(ox.RdfFormat, RDF_FORMATS, p["format"], form)
        if p["format"] in PREFIXED_FORMATS:  # `crm:E5_Event`, not the full IRI
            ox.serialize(results, spool, fmt, prefixes=dict(PREDECLARED))
            return {**spool.finish(), "form": form, "rows_capped": capped}
    results.serialize(spool, fmt)
    return {**spool.finish(), "form": form, "rows_capped": capped}


def _format(enum: Any, names: dict[str, str], name: str, form: str) -> Any:
    if name not in names:
        raise ValueError(f"a {form} result cannot be written as {name}; use one of {list(names)}")
    return getattr(enum, names[name])


def _capped(results: Any, max_rows: int, scratch: str) -> tuple[Any, bool]:
    """The first `max_rows` solutions (as a re-readable result set) and whether more existed.

    Rows are written as SPARQL TSV (terms in N-Triples syntax) to a scratch file,
    then read back by pyoxigraph, so any output format can be produced from them.
    """
    import pyoxigraph as ox

    variables = results.variables
    capped = False
    with open(scratch, "w", encoding="utf-8") as out:
        out.write("\t".join(str(v) for v in variables) + "\n")
        for count, solution in enumerate(results):
            if count >= max_rows:
                capped = True
                break
            cells = (solution[v] for v in variables)
            out.write("\t".join("" if c is None else str(c) for c in cells) + "\n")
    try:
        return ox.parse_query_results(path=scratch, format=ox.QueryResultsFormat.TSV), capped
    finally:
        os.unlink(scratch)  # the parser holds the open file


def _graphs(state: _State, p: dict, conn: Any) -> list[str]:
    store = state.store_for(p["snapshot_id"], p["snapshot_path"])
    return sorted(g.value for g in store.named_graphs() if not internal(g.value))


def _graph_name(graph: str | None) -> Any:
    import pyoxigraph as ox

    return ox.DefaultGraph() if graph is None else ox.NamedNode(graph)


def _read_graph(state: _State, p: dict, conn: Any) -> dict:
    import pyoxigraph as ox

    store = state.store_for(p["snapshot_id"], p["snapshot_path"])
    graph = p["graph"]
    if (graph is not None and internal(graph)) or (
        graph is not None and not store.contains_named_graph(ox.NamedNode(graph))
    ):
        raise Missing(f"there is no graph <{graph}> in the store")
    spool = Spool(p["spool"])
    store.dump(
        spool, getattr(ox.RdfFormat, RDF_FORMATS[p["format"]]), from_graph=_graph_name(graph)
    )
    return {**spool.finish(), "form": "graph", "rows_capped": False}


def _write(state: _State, p: dict, conn: Any) -> Any:
    """Run the write path named by the parent (`p["pipeline"]`) on one change.

    The store package names the pipeline but never imports it by name: it lives in
    the loader, above the store interface (`museum_kg.store.changes`)."""
    import dataclasses
    import importlib

    from museum_kg.store.changes import SparqlUpdate

    change = p["change"]
    if isinstance(change, SparqlUpdate) and p.get("forward"):
        change = dataclasses.replace(change, text=state.forwarded(change.text, p["forward"]))
    pipeline = importlib.import_module(p["pipeline"])
    return pipeline.write({**p, "change": change})


def _warm(state: _State, p: dict, conn: Any) -> None:
    """Import the write path (and its validator) ahead of the first write."""
    import importlib

    importlib.import_module(p["pipeline"]).warm()


def _ping(state: _State, p: dict, conn: Any) -> int:
    return os.getpid()


_HANDLERS = {
    "query": _query,
    "graphs": _graphs,
    "read_graph": _read_graph,
    "write": _write,
    "warm": _warm,
    "ping": _ping,
}


if __name__ == "__main__":
    import sys
    from multiprocessing.connection import Connection

    main(Connection(int(sys.argv[1])))
