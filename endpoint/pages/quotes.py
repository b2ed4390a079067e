"""Quoted provenance: the text of each passage, read from its source document.

With the setting `source_documents` (a folder), `quote_passages(backend, settings,
passages)` checks every source document the passages belong to and cuts each passage's
text out of it:

- the document's file is the one its `mkg:SourceDocument` names as `dcterms:identifier`
  (a bare file name inside the folder, never a path);
- the SHA-256 of the file's bytes must equal the `mkg:sha256` the graph records;
- the text is the file read as UTF-8, cut at the passage's `mkg:startOffset` and
  `mkg:endOffset` in code points (RFC 5147 `char=`), as the passage IRI says.

A missing file, a file whose checksum differs, a document without a recorded checksum or
offsets outside the text give a `Quote` with a `problem` and no text: nothing is guessed.
Unset setting: `quote_passages` returns None and pages stay as they were. The functions
take plain values, so other pages and tools can call them too.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from museum_kg.endpoint.publish.sparql import select, values
from rdflib import URIRef

from museum_kg.settings import Settings
from museum_kg.store.base import Backend

DOCUMENTS = """SELECT DISTINCT ?doc ?docid ?sha WHERE {
  %s
  GRAPH ?g1 { ?doc dcterms:identifier ?docid }
  OPTIONAL { GRAPH ?g2 { ?doc mkg:sha256 ?sha } }
}"""


@dataclass(frozen=True)
class DocumentCheck:
    """A source document's file against the checksum the graph records."""

    document: str  # the document's IRI
    file_name: str | None
    recorded: str | None  # mkg:sha256 in the graph
    found: str | None = None  # SHA-256 of the file, when there is one
    problem: str | None = None  # why its passages cannot be quoted; None: they can
    text: str | None = None  # the document's text when the check passed

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class Quote:
    passage: str  # the passage's IRI
    text: str | None
    problem: str | None = None


@functools.lru_cache(maxsize=64)
def _read(path: Path, mtime_ns: int, size: int) -> tuple[str, bytes]:
    """(SHA-256 hex, bytes) of a file, kept while its time and size stay the same."""
    data = path.read_bytes()
    return hashlib.sha256(data).hexdigest(), data


def check_document(folder: Path, document: str, file_name: str | None, recorded: str | None):
    """The `DocumentCheck` of one document in `folder`."""
    common = {"document": document, "file_name": file_name, "recorded": recorded}
    if not file_name or "/" in file_name or "\\" in file_name or file_name in (".", ".."):
        return DocumentCheck(**common, problem="the graph names no plain file name for it")
    path = folder / file_name
    try:
        stat = path.stat()
        found, data = _read(path, stat.st_mtime_ns, stat.st_size)
    except OSError:
        return DocumentCheck(**common, problem=f"{file_name} is not in the documents folder")
    if recorded is None:
        return DocumentCheck(
            **common, found=found, problem="the graph records no checksum to check the file by"
        )
    if found != recorded.strip().lower():
        return DocumentCheck(
            **common,
            found=found,
            problem=f"{file_name} is not the document the graph was made from (its SHA-256 "
            "differs from the recorded one)",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return DocumentCheck(**common, found=found, problem=f"{file_name} is not UTF-8 text")
    return DocumentCheck(**common, found=found, text=text)


def quote(check: DocumentCheck, passage: str, start: int | None, end: int | None) -> Quote:
    """The text of one passage of a checked document, or why there is none."""
    if not check.ok:
        return Quote(passage, None, check.problem)
    if start is None or end is None or not 0 <= start <= end <= len(check.text):
        return Quote(passage, None, "its offsets do not fall inside the document")
    return Quote(passage, check.text[start:end])


def check_documents(
    backend: Backend, settings: Settings, documents: Iterable[str]
) -> dict[str, DocumentCheck]:
    """Each document's check against the folder of the setting `source_documents`."""
    folder = settings.source_documents
    wanted = sorted({d for d in documents if d})
    if folder is None or not wanted:
        return {}
    # the IRIs come from the store (the passages' documents), never from the request
    rows = select(backend, settings, DOCUMENTS % values("doc", *map(URIRef, wanted)))
    named = {str(r["doc"]): (str(r["docid"]), str(r["sha"]) if "sha" in r else None) for r in rows}
    return {doc: check_document(Path(folder), doc, *named.get(doc, (None, None))) for doc in wanted}


def quote_passages(backend: Backend, settings: Settings, passages) -> dict | None:
    """Quotes of `passages` (objects with `iri`, `document`, `start`, `end`, such as
    `entity.Passage`) keyed by their `iri`; None when the setting `source_documents` is
    unset."""
    if settings.source_documents is None:
        return None
    checks = check_documents(backend, settings, [str(p.document) for p in passages])
    quotes = {}
    for p in passages:  # keyed by `p.iri` as given (an rdflib URIRef hashes apart from str)
        check = checks.get(str(p.document)) if p.document is not None else None
        if check is None:
            quotes[p.iri] = Quote(str(p.iri), None, "it names no source document")
        else:
            quotes[p.iri] = quote(check, str(p.iri), p.start, p.end)
    return quotes


def fingerprint(quotes: dict | None) -> tuple[str, ...]:
    """What the page's ETag adds for its quotes: nothing when there are none (the setting
    is unset), else a digest that changes when a quote or a problem does."""
    if quotes is None:
        return ()
    parts = sorted(f"{q.passage}\t{q.text}\t{q.problem}" for q in quotes.values())
    return (hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest(),)
