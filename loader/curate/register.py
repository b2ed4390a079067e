"""`museum-kg source add`: record a document and its passages in a data file of its own.

The data file `DATA/<name>.trig` holds one named graph, `<base>graph/<name>` (the graph
rule of the loader). Two tools write it, each its own part:

- the *source part* (this module): the `mkg:SourceDocument` (title, file name, checksum,
  author), `<graph> prov:wasDerivedFrom <document>`, the document's passages and its author
  when the author is described here;
- the *facts part* (`tables.py`, from the curator's CSV files): everything else.

Registering the document again keeps the facts part and reports, against the passages
recorded before, which passages moved (same text elsewhere), changed (same place, other
text) or vanished, and which facts in the data folder cite them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from museum_kg.loader.curate.changes import PassageChange, changes, data_file_graph, previous
from museum_kg.loader.curate.passages import Passage, cut, is_markdown, slug, title_of
from museum_kg.loader.curate.rdf import (
    DCTERMS,
    GRAPH,
    ID,
    MKG,
    PROV,
    RDF_TYPE,
    RDFS,
    SOURCE,
    XSD,
    named,
    short,
    write_trig,
)

from museum_kg.errors import CurationError

SOURCE_EXTENSIONS = (".txt", ".md", ".markdown")


@dataclass
class SourceReport:
    document: str
    data_file: Path
    passages: list[Passage]
    created: bool
    changes: list[PassageChange] = field(default_factory=list)
    repointed: list[str] = field(default_factory=list)  # spreadsheet cells following moves

    def passage_iri(self, passage: Passage) -> str:
        return f"{self.document}#{passage.fragment}"

    def lines(self) -> list[str]:
        verb = "registered" if self.created else "updated"
        out = [
            f"{short(self.document)}: {verb} in {self.data_file} ({len(self.passages)} passages)"
        ]
        out.append(f"  {'passage id':<32} section ¶paragraph  text   (IRI: {SOURCE}ID)")
        for p in self.passages:
            preview = p.text if len(p.text) <= 60 else p.text[:57] + "..."
            out.append(f"  {short(self.passage_iri(p)):<32} {p.section} ¶{p.paragraph}  {preview}")
        if not self.created:
            shown = [c for c in self.changes if c.kind != "new"]
            out.append(
                f"changes since the last registration: {len(shown)} passage(s) moved, changed "
                f"or vanished, {len(self.changes) - len(shown)} new"
                if self.changes
                else "no passage changed since the last registration"
            )
            out += ["  " + c.line() for c in self.changes]
        if self.repointed:
            out.append("moved passages followed in the spreadsheets and the data file:")
            out += ["  " + line for line in self.repointed]
        return out


def add_source(
    path: Path,
    data_dir: Path,
    *,
    name: str | None = None,
    title: str | None = None,
    author: str | None = None,
    language: str = "en",
    sheets: Path | None = None,
) -> SourceReport:
    """Register `path` (UTF-8 plain text or Markdown) in `data_dir/<name>.trig`; with
    `sheets` (the document's CSV folder), moved passages are followed there and in the facts
    (`repoint.py`)."""
    path, data_dir = Path(path), Path(data_dir)
    if path.suffix.lower() not in SOURCE_EXTENSIONS:
        raise CurationError(f"{path}: give a plain-text (.txt) or Markdown (.md) document")
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        raise CurationError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise CurationError(
            f"{path}: not UTF-8 at byte {exc.start}; save the document as UTF-8 and try again"
        ) from None
    name = slug(name or path.stem)
    document = SOURCE + name
    graph = GRAPH + name
    data_file = data_dir / f"{name}.trig"
    passages = cut(text, is_markdown(path))
    if not passages:
        raise CurationError(f"{path}: the document is empty")

    old = previous(data_file, document) if data_file.exists() else None
    title = title or (old.title if old and old.title else None) or title_of(passages)
    creator = _creator(author, old, data_dir, data_file, passages, name)
    source_part = _source_triples(
        document, graph, path.name, raw, title, language, creator, passages
    )
    facts = old.fact_blocks if old else []
    found = changes(old.passages, passages, document, data_dir) if old else []
    repointed: list[str] = []
    moved = {c.old: c.new for c in found if c.kind == "moved"}
    if sheets is not None and moved:
        from museum_kg.loader.curate.repoint import repoint_facts, repoint_sheets

        facts = repoint_facts(facts, moved)
        repointed = repoint_sheets(sheets, moved, document)
    doc_triples, creator_triples, passage_triples = source_part
    _write(data_file, graph, path.name, doc_triples, creator_triples, facts, passage_triples)
    report = SourceReport(document, data_file, passages, old is None, found)
    report.repointed = repointed
    return report


def rewrite(data_file: Path, document: str, fact_blocks: list) -> None:
    """Replace the facts part of a registered document's data file (`source facts`)."""
    old = previous(data_file, document)
    if not old.doc_triples:
        raise CurationError(f"{data_file} records no document <{document}>: run source add")
    file_name = next(
        (t.object.value for t in old.doc_triples if t.predicate.value == DCTERMS + "identifier"),
        data_file.name,
    )
    graph = data_file_graph(data_file)
    _write(data_file, graph, file_name, old.doc_triples, old.creator_triples, fact_blocks,
           old.passage_triples)  # fmt: skip


def _write(data_file, graph, file_name, doc_triples, creator_triples, fact_blocks, passages):
    write_trig(
        data_file,
        graph,
        [
            ("source document (museum-kg source add)", doc_triples),
            ("author", creator_triples),
            *fact_blocks,
            ("passages", passages),
        ],
        header=f"The source document {file_name} and the facts taken from it.\n"
        "Written by `museum-kg source add` and `museum-kg source facts`; see docs/curating.md.",
    )


# --- the author ----------------------------------------------------------------------


def _creator(author, old, data_dir, data_file, passages, name) -> tuple[str, list[ox.Triple]]:
    """The author's IRI and the triples describing them here (none if described elsewhere)."""
    if author is None:
        if old is None or old.creator is None:
            raise CurationError(
                "name the document's author with --author NAME (as the document writes it), "
                "or --author IRI for a person already in the graph"
            )
        return old.creator, old.creator_triples
    from museum_kg.loader.curate.rdf import expand

    iri = expand(author) if ":" in author else None
    if iri is not None:
        return iri, old.creator_triples if old and old.creator == iri else []
    existing = _person_labelled(author, data_dir, data_file)
    if existing:
        return existing, []
    cited = [p for p in passages if author in p.text]
    if not cited:
        raise CurationError(
            f"the author {author!r} is not named in the document; give the name as the "
            "document writes it (its byline), or --author IRI for a person already in the graph"
        )
    iri = ID + "person/" + slug(author).replace("_", "-")
    person = named(iri)
    triples = [
        ox.Triple(person, named(RDF_TYPE), named(MKG + "Person")),
        ox.Triple(person, named(RDFS + "label"), ox.Literal(author, language="en")),
        ox.Triple(person, named(MKG + "source"), named(f"{SOURCE}{name}#{cited[0].fragment}")),
    ]
    return iri, triples


def _person_labelled(label: str, data_dir: Path, data_file: Path) -> str | None:
    """A person of the graph (the bundled graph and `data_dir`) labelled `label`, outside
    the document's own graph."""
    from museum_kg.loader.curate.entities import graph_store

    store = graph_store(data_dir)
    rows = store.query(
        "SELECT ?p ?person ?label ?own WHERE { GRAPH ?g { ?p a ?person ; ?name ?l } "
        "FILTER(?g != ?own && ?name IN (rdfs:label, skos:altLabel) "
        "&& LCASE(STR(?l)) = LCASE(STR(?label))) } ORDER BY ?p LIMIT 1",
        prefixes={"rdfs": RDFS, "skos": "http://www.w3.org/2004/02/skos/core#"},
        substitutions={
            ox.Variable("person"): named(MKG + "Person"),
            ox.Variable("label"): ox.Literal(label),
            ox.Variable("own"): named(data_file_graph(data_file)),
        },
    )
    for row in rows:
        return row["p"].value
    return None


# --- the triples of the source part ---------------------------------------------------


def _source_triples(document, graph, file_name, raw, title, language, creator, passages):
    doc = named(document)
    iri, creator_triples = creator

    def t(s, p, o):
        return ox.Triple(s, named(p), o)

    doc_triples = [
        t(doc, RDF_TYPE, named(MKG + "SourceDocument")),
        t(doc, RDFS + "label", ox.Literal(title, language=language)),
        t(doc, DCTERMS + "title", ox.Literal(title, language=language)),
        t(doc, DCTERMS + "identifier", ox.Literal(file_name)),
        t(doc, MKG + "sha256", ox.Literal(hashlib.sha256(raw).hexdigest())),
        t(doc, DCTERMS + "language", ox.Literal(language)),
        t(doc, DCTERMS + "creator", named(iri)),
        t(doc, PROV + "wasAttributedTo", named(iri)),
        t(named(graph), PROV + "wasDerivedFrom", doc),
    ]
    passage_triples = []
    for p in passages:
        node = named(f"{document}#{p.fragment}")
        passage_triples += [
            t(node, RDF_TYPE, named(MKG + "Passage")),
            t(node, MKG + "document", doc),
            t(node, MKG + "section", ox.Literal(p.section)),
            t(node, MKG + "paragraph", _integer(p.paragraph)),
            t(node, MKG + "startOffset", _integer(p.start)),
            t(node, MKG + "endOffset", _integer(p.end)),
            t(node, MKG + "textSha256", ox.Literal(p.digest)),
        ]
    return doc_triples, creator_triples, passage_triples


def _integer(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=named(XSD + "integer"))
