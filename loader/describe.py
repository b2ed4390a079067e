"""Entity descriptions taken from the snapshot scan: the content of each version.

An entity's description is its statements in every named graph except the
derived `<base>graph/inferred` and the hidden union graph (the default graph is
not part of it either), with the blank nodes it references described two
levels deep, in the graph that references them. `Descriptions` is a consumer of
`digest.scan`, which already hands over each subject's N-Triples lines per
graph, so capturing costs no query: it keeps every IRI subject's lines (with
those of its blank nodes) in a work file, because which entities changed is
known only after the last graph (`versions.record()` joins it with the changes).

`describe(iri, lines)` turns the lines of one entity into a `Description`:
canonical N-Triples (duplicates across graphs removed, blank nodes renamed
`_:b0`, `_:b1`... in an order that depends on the statements only, lines sorted),
its label (`museum_kg.labels`) and its classes.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from museum_kg.labels import choose_label
from museum_kg.store.union import UNION_GRAPH

RDF_TYPE = b"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDFS_LABEL = b"<http://www.w3.org/2000/01/rdf-schema#label>"
TYPE_TAIL = b" " + RDF_TYPE + b" <"  # after the subject, on a line that gives a class
LABEL_TAIL = b" " + RDFS_LABEL + b' "'  # after the subject, on a line that gives a label
DEPTH = 2  # levels of blank nodes described below the entity
BATCH = 20_000  # rows per insert into the work file
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_ECHAR = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


@dataclass(frozen=True)
class Description:
    """One entity as a version freezes it."""

    iri: str
    label: str | None
    classes: list[str]
    ntriples: str


class Descriptions:
    """Scan consumer: each IRI subject's lines per graph, kept in `folder/descriptions.sqlite`."""

    def __init__(self, folder: Path, skip_graphs: Iterable[str] = ()) -> None:
        self.path = folder / "descriptions.sqlite"
        self.db: sqlite3.Connection | None = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("DROP TABLE IF EXISTS d")  # a work file is never reused
        self.db.execute("CREATE TABLE d (iri TEXT NOT NULL, lines BLOB NOT NULL)")
        self.skip = {"", UNION_GRAPH, *skip_graphs}
        self.active = False
        self._rows: list[tuple[str, bytes]] = []
        self._bnodes: dict[bytes, list[bytes]] = {}
        self._pending: list[tuple[bytes, list[bytes]]] = []

    # --- the scan consumer ---------------------------------------------------------------

    def start_graph(self, graph: str) -> None:
        self.active = graph not in self.skip
        self._bnodes, self._pending = {}, []

    def group(self, subject: bytes, lines: list[bytes]) -> None:
        if not self.active:
            return
        if subject.startswith(b"_:"):
            self._bnodes.setdefault(subject, []).extend(lines)
            return
        data = b"".join(lines)
        if b" _:" in data:  # may reference blank nodes: at the end
            self._pending.append((subject, lines))
            return
        self._rows.append((subject[1:-1].decode("utf-8"), data))
        if len(self._rows) >= BATCH:
            self._flush()

    def end_graph(self) -> None:
        for subject, lines in self._pending:
            found = list(lines)
            level, seen = lines, set()
            for _ in range(DEPTH):
                deeper = []
                for label in _blank_objects(level):
                    if label not in seen:
                        seen.add(label)
                        deeper.extend(self._bnodes.get(label, ()))
                found.extend(deeper)
                level = deeper
            self._rows.append((subject[1:-1].decode("utf-8"), b"".join(found)))
        self._bnodes, self._pending = {}, []
        self._flush()

    def _flush(self) -> None:
        if self._rows:
            self.db.executemany("INSERT INTO d(iri, lines) VALUES (?, ?)", self._rows)
            self._rows = []

    def finish(self) -> Path:
        """After the scan: index the work file by entity and close it; returns its path.

        The file has one table `d(iri, lines)`, a row per entity and graph; an
        entity's description is `describe(iri, b"".join(its lines))`.
        """
        self._flush()
        if self.db is not None:
            self.db.execute("CREATE INDEX IF NOT EXISTS d_iri ON d(iri)")
            self.db.commit()
            self.db.close()
            self.db = None
        return self.path


def _blank_objects(lines: list[bytes]) -> list[bytes]:
    found = []
    for line in lines:
        if b" _:" in line:
            rest = line.split(b" ", 2)[2]
            if rest.startswith(b"_:"):
                found.append(rest[: rest.index(b" ")])
    return found


def describe(iri: str, data: bytes) -> Description:
    """The description of `iri` from its N-Triples lines (from one or more graphs)."""
    return Description(iri, *content(iri, data))


def content(iri: str, data: bytes) -> tuple[str | None, list[str], str]:
    """(label, classes, canonical N-Triples) of `describe(iri, data)`, without the object.

    One pass over the lines finds the labels and classes (lines that start with the
    entity, then `rdfs:label "` or `rdf:type <`); the rest is the sort of the lines.
    """
    subject = b"<" + iri.encode("utf-8") + b">"
    lines = set(data.splitlines(keepends=True))
    type_start, label_start = subject + TYPE_TAIL, subject + LABEL_TAIL
    classes, labels = set(), set()
    for line in lines:
        if line.startswith(type_start):
            classes.add(line[len(type_start) : line.index(b">", len(type_start))])
        elif line.startswith(label_start):
            labels.add(line[len(label_start) : -1])  # the quoted text and what follows
    label = None
    if labels:
        label = choose_label(
            _literal(tail[: tail.rindex(b'"')], tail[tail.rindex(b'"') + 1 : -2]) for tail in labels
        )
    if b"_:" in data:
        lines = _rename_blank_nodes(lines)
    found = sorted(iri.decode("utf-8") for iri in classes)
    return label, found, b"".join(sorted(lines)).decode("utf-8")


def _literal(text: bytes, suffix: bytes) -> tuple[str, str | None]:
    """(lexical form, language) of an N-Triples literal: its quoted text and what follows."""
    lexical = text.decode("utf-8")
    if "\\" in lexical:
        lexical = _ESCAPE.sub(_unescape, lexical)
    return lexical, suffix[1:].decode("ascii") if suffix.startswith(b"@") else None


def _unescape(match: re.Match) -> str:
    code = match.group(1) or match.group(2)
    return chr(int(code, 16)) if code else _ECHAR.get(match.group(3), match.group(3))


def _rename_blank_nodes(lines: set[bytes]) -> set[bytes]:
    """Blank nodes renamed b0, b1... breadth first from the entity, siblings ordered by content."""
    own: list[tuple[bytes, bytes]] = []
    blank: dict[bytes, list[tuple[bytes, bytes]]] = {}
    for line in lines:
        s, p, rest = line.split(b" ", 2)
        obj = rest[: rest.rindex(b" .")]
        (blank.setdefault(s, []) if s.startswith(b"_:") else own).append((p, obj))

    memo: dict[bytes, bytes] = {}

    def signature(label: bytes, seen: frozenset) -> bytes:
        if label in memo:
            return memo[label]
        if label in seen:
            return b"()"
        inner = seen | {label}
        parts = sorted(p + b" " + key(o, inner) for p, o in blank.get(label, ()))
        memo[label] = b"(" + b";".join(parts) + b")"
        return memo[label]

    def key(obj: bytes, seen: frozenset = frozenset()) -> bytes:
        return signature(obj, seen) if obj.startswith(b"_:") else obj

    names: dict[bytes, bytes] = {}
    queue = [own]
    for pairs in queue:
        for _, obj in sorted(pairs, key=lambda po: (po[0], key(po[1]))):
            if obj.startswith(b"_:") and obj not in names:
                names[obj] = b"_:b%d" % len(names)
                queue.append(blank.get(obj, []))
    for label in sorted(set(blank) - set(names), key=lambda b: key(b)):  # unreachable ones
        names[label] = b"_:b%d" % len(names)

    def rename(term: bytes) -> bytes:
        return names.get(term, term)

    renamed = set()
    for line in lines:
        s, p, rest = line.split(b" ", 2)
        obj = rest[: rest.rindex(b" .")]
        renamed.add(b"%s %s %s .\n" % (rename(s), p, rename(obj)))
    return renamed
