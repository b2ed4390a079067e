"""Reading a registered document's data file back, and what an edit of the document changed.

The data file's *source part* is the document, `<graph> prov:wasDerivedFrom <document>`, its
passages and its author; everything else is the *facts part*, kept in blocks by the
`# FILE row N` comments `source facts` wrote. A passage that `source add` cuts again is
*moved* when its text (`mkg:textSha256`) is found at other offsets, *changed* when its
section and paragraph hold another text, and *vanished* otherwise; the facts of the data
folder citing it are listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from museum_kg.loader.curate.passages import Passage
from museum_kg.loader.curate.rdf import DCTERMS, MKG, load_source, named, natural, read_store, short

from museum_kg.settings import BASE_IRI


@dataclass(frozen=True)
class PassageChange:
    kind: str  # "moved", "changed", "vanished" or "new"
    old: str | None  # passage IRI before
    new: str | None  # passage IRI now
    cited_by: tuple[tuple[str, str], ...] = ()  # (data file, entity IRI)

    def line(self) -> str:
        if self.kind == "new":
            return f"new       {short(self.new)}"
        target = f" -> {short(self.new)}" if self.new else ""
        text = f"{self.kind:<9} {short(self.old)}{target}"
        for file, entity in self.cited_by:
            text += f"\n            cited by {short(entity)} in {file}"
        return text


# --- the previous registration ---------------------------------------------------------


@dataclass
class OldPassage:
    iri: str
    start: int
    end: int
    section: str
    paragraph: int
    digest: str | None


@dataclass
class Previous:
    title: str | None
    creator: str | None
    creator_triples: list[ox.Triple]
    passages: list[OldPassage]
    fact_blocks: list[tuple[str, list[ox.Triple]]]  # (row comment, triples)
    doc_triples: list[ox.Triple]
    passage_triples: list[ox.Triple]


def previous(data_file: Path, document: str) -> Previous:
    store = read_store([data_file])
    doc = named(document)

    def value(subject, predicate):
        for q in store.quads_for_pattern(subject, named(predicate), None, None):
            return q.object
        return None

    passages = []
    passage_iris: set[str] = set()
    for q in store.quads_for_pattern(None, named(MKG + "document"), doc, None):
        p = q.subject
        passage_iris.add(p.value)
        digest = value(p, MKG + "textSha256")
        passages.append(
            OldPassage(
                p.value,
                int(value(p, MKG + "startOffset").value),
                int(value(p, MKG + "endOffset").value),
                str(getattr(value(p, MKG + "section"), "value", "")),
                int(getattr(value(p, MKG + "paragraph"), "value", 0)),
                digest.value if digest is not None else None,
            )
        )
    creator = value(doc, DCTERMS + "creator")
    title = value(doc, DCTERMS + "title")
    rows = _row_comments(data_file)
    creator_triples: list[ox.Triple] = []
    doc_triples: list[ox.Triple] = []
    passage_triples: list[ox.Triple] = []
    blocks: dict[str, list[ox.Triple]] = {}
    for q in store:
        triple = ox.Triple(q.subject, q.predicate, q.object)
        subject = q.subject.value if isinstance(q.subject, ox.NamedNode) else None
        if subject in (document, data_file_graph(data_file)):
            doc_triples.append(triple)
        elif subject in passage_iris:
            passage_triples.append(triple)
        elif creator is not None and q.subject == creator:
            creator_triples.append(triple)
        else:
            blocks.setdefault(rows.get(subject, "facts"), []).append(triple)
    return Previous(
        title.value if title is not None else None,
        creator.value if creator is not None else None,
        creator_triples,
        sorted(passages, key=lambda p: p.start),
        sorted(blocks.items(), key=lambda item: natural(item[0])),
        doc_triples,
        sorted(passage_triples, key=lambda t: (natural(t.subject.value), t.predicate.value)),
    )


def _row_comments(data_file: Path) -> dict[str, str]:
    """entity IRI -> "events.csv row 3", from the comments `source facts` wrote."""
    from museum_kg.loader.curate.check import Locator
    from museum_kg.loader.sources import collect

    places = Locator(collect([data_file], BASE_IRI)).places
    return {iri: row.split(" (line ")[0] for iri, (_, row) in places.items() if " row " in row}


def data_file_graph(data_file: Path) -> str:
    from museum_kg.bundled import graph_for_file

    return graph_for_file(data_file)


# --- what changed ------------------------------------------------------------------------


def changes(old: list[OldPassage], new: list[Passage], document: str, data_dir: Path):
    by_digest: dict[str, list[Passage]] = {}
    for p in new:
        by_digest.setdefault(p.digest, []).append(p)
    by_place = {(p.section, p.paragraph): p for p in new}
    matched: set[int] = set()
    found: list[tuple[str, OldPassage, Passage | None]] = []
    for o in old:
        same_text = [p for p in by_digest.get(o.digest or "", []) if p.start not in matched]
        if same_text:
            p = min(same_text, key=lambda p: abs(p.start - o.start))
            matched.add(p.start)
            if (p.start, p.end) != (o.start, o.end):
                found.append(("moved", o, p))
            continue
        if o.digest is None and any((p.start, p.end) == (o.start, o.end) for p in new):
            matched.add(o.start)  # recorded without a checksum: same offsets taken as same text
            continue
        p = by_place.get((o.section, o.paragraph))
        if p is not None and p.start not in matched:
            matched.add(p.start)
            found.append(("changed", o, p))
        else:
            found.append(("vanished", o, None))
    citing = _citations(data_dir, {o.iri for _, o, _ in found})
    changes = [
        PassageChange(
            kind,
            o.iri,
            f"{document}#{p.fragment}" if p else None,
            tuple(sorted(citing.get(o.iri, ()))),
        )
        for kind, o, p in found
    ]
    changes += [
        PassageChange("new", None, f"{document}#{p.fragment}")
        for p in new
        if p.start not in matched
    ]
    return changes


def _citations(data_dir: Path, passages: set[str]) -> dict[str, set[tuple[str, str]]]:
    """passage IRI -> {(data file name, citing entity IRI)} over the data folder's files."""
    from museum_kg.loader.sources import collect

    found: dict[str, set[tuple[str, str]]] = {}
    if not passages or not data_dir.is_dir():
        return found
    for source in collect([data_dir], "https://w3id.org/museum-kg/"):
        store = ox.Store()
        load_source(store, source)
        for iri in passages:
            for q in store.quads_for_pattern(None, named(MKG + "source"), named(iri), None):
                found.setdefault(iri, set()).add((source.path.name, q.subject.value))
    return found
