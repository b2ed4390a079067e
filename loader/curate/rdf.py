"""RDF plumbing of the curation tools: names, short ids, reading and writing TriG.

Short ids are what curators type and read: `org:lanternfield-museum` stands for
`<base>id/org/lanternfield-museum`, `mkg:Museum` for the ontology term, `unit:NUM` for the
QUDT unit, and `lanternfield#char=0,27` for a passage of `<base>source/lanternfield`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from museum_kg.settings import BASE_IRI

MKG = BASE_IRI + "ontology#"
SOURCE = BASE_IRI + "source/"
ID = BASE_IRI + "id/"
GRAPH = BASE_IRI + "graph/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
UNIT = "http://qudt.org/vocab/unit/"
OWL = "http://www.w3.org/2002/07/owl#"
ID_KINDS = (
    "org", "person", "position", "place", "address", "event", "programme", "partnership",
    "recognition", "award", "work", "system", "observation", "period", "time", "topic",
    "measure", "role",
)  # fmt: skip
PREFIXES = {
    "mkg": MKG,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "unit": UNIT,
    "time": "http://www.w3.org/2006/time#",
    "src": SOURCE,
} | {kind: f"{ID}{kind}/" for kind in ID_KINDS if kind != "time"}
_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_PASSAGE = re.compile(r"^([^#\s]+)#(char=\d+,\d+)$")


def named(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def short(iri: str, turtle: bool = False) -> str:
    """`org:x` for an IRI under a known prefix, `doc#char=a,b` for a passage (unless
    `turtle`), else `<iri>`."""
    if iri.startswith(SOURCE) and "#" in iri:
        return f"<{iri}>" if turtle else iri[len(SOURCE) :]
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and _LOCAL.match(iri[len(ns) :]):
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"


def expand(text: str) -> str | None:
    """The IRI of a short id or full IRI typed by a curator; None if it is neither."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
    if text.startswith(("http://", "https://")):
        return text
    match = _PASSAGE.match(text)
    if match:
        return f"{SOURCE}{match.group(1)}#{match.group(2)}"
    prefix, sep, local = text.partition(":")
    if sep and prefix in PREFIXES and _LOCAL.match(local):
        return PREFIXES[prefix] + local
    return None


def term_text(term) -> str:
    """A term in Turtle, with prefixes and bare integers."""
    if isinstance(term, ox.NamedNode):
        return short(term.value, turtle=True)
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        if datatype == XSD + "integer" and re.fullmatch(r"-?[0-9]+", term.value):
            return term.value
        text = str(ox.Literal(term.value))  # escaped, quoted
        if term.language:
            return f"{text}@{term.language}"
        if datatype == XSD + "string":
            return text
        return f"{text}^^{short(datatype, turtle=True)}"
    return str(term)


def write_trig(
    path: Path, graph: str, blocks: Iterable[tuple[str | None, list[ox.Triple]]], header: str
) -> None:
    """Write one named graph as TriG: each block is (comment, triples), subjects grouped."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    lines.append("")
    lines += [f"@prefix {p}: <{ns}> ." for p, ns in PREFIXES.items()]
    lines += ["", f"<{graph}> {{"]
    for comment, triples in blocks:
        by_subject: dict[str, list[ox.Triple]] = defaultdict(list)
        order: list = []
        for t in triples:
            key = str(t.subject)
            if key not in by_subject:
                order.append(t.subject)
            by_subject[key].append(t)
        if not order:
            continue
        order.sort(key=lambda term: natural(str(term)))
        lines.append("")
        if comment:
            lines += [f"    # {line}" for line in comment.splitlines()]
        for subject in order:
            lines += _subject_lines(subject, by_subject[str(subject)])
    lines.append("}")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def natural(text: str) -> list:
    """A sort key that orders the numbers in `text` by value (char=9 before char=10)."""
    return [(0, int(x), "") if x.isdigit() else (1, 0, x) for x in re.split(r"(\d+)", text)]


def _subject_lines(subject, triples: list[ox.Triple]) -> list[str]:
    by_predicate: dict[str, list] = defaultdict(list)
    for t in triples:
        if t.object not in by_predicate[t.predicate.value]:
            by_predicate[t.predicate.value].append(t.object)
    predicates = sorted(by_predicate, key=lambda p: (p != RDF_TYPE, p != RDFS + "label", p))
    parts = []
    for p in predicates:
        name = "a" if p == RDF_TYPE else short(p, turtle=True)
        parts.append(f"{name} " + " , ".join(sorted(term_text(o) for o in by_predicate[p])))
    head = f"    {term_text(subject)} "
    out = [head + parts[0] + (" ;" if len(parts) > 1 else " .")]
    for i, part in enumerate(parts[1:], 2):
        out.append("        " + part + (" ;" if i < len(parts) else " ."))
    return out


def read_store(paths: Iterable[Path]) -> ox.Store:
    """An in-memory store of RDF files (graphs as the loader names them)."""
    from museum_kg.loader.sources import collect

    store = ox.Store()
    for source in collect(list(paths), BASE_IRI):
        load_source(store, source)
    return store


def load_source(store: ox.Store, source) -> set[str]:
    """Load one `loader.sources.Source` into `store`, with the loader's error messages;
    returns the graphs it wrote."""
    import gzip
    import zlib

    from museum_kg.loader.sources import line_of, syntax_error

    from museum_kg.errors import LoadError

    graphs = {source.graph}
    try:
        with source.open() as stream:
            # relative IRIs resolve against the file's graph, as the write path reads them
            if not source.has_quads:
                store.load(
                    stream,
                    format=source.format,
                    to_graph=named(source.graph),
                    base_iri=source.graph,
                )
                return graphs
            graphs.clear()
            default = named(source.graph)

            def quads():
                for q in ox.parse(stream, format=source.format, base_iri=source.graph):
                    if isinstance(q.graph_name, ox.DefaultGraph):
                        q = ox.Quad(q.subject, q.predicate, q.object, default)
                    graphs.add(q.graph_name.value)
                    yield q

            store.extend(quads())
            return graphs
    except SyntaxError as exc:
        error = syntax_error(source, exc)
        error.excerpt = line_of(source, error.line)
        raise error from None
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error, ValueError) as exc:
        raise LoadError(f"{source.path}: cannot read: {exc}", path=str(source.path)) from None
