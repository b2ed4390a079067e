"""Names of the graph's entities in a document, and likely duplicates in the graph.

`match_entities()` finds the labels and alternative labels (any language) of existing
organisations, places, people and events in a text, longest name first, whole words,
ignoring case, so that curators reuse their IRIs. `duplicates()` lists entities of the same
kind whose labels are the same or nearly so (after case, accents, punctuation and a
leading "the" are set aside; difflib ratio at least 0.9, and the same numbers) but whose
IRIs differ, unless `owl:sameAs` links them.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

import pyoxigraph as ox
from museum_kg.loader.curate.passages import Passage
from museum_kg.loader.curate.rdf import MKG, short

KINDS = {"Organization": "organisation", "Place": "place", "Person": "person", "Event": "event"}
NEAR = 0.9
MIN_LENGTH = 3


@dataclass(frozen=True)
class EntityMatch:
    iri: str
    kind: str
    label: str  # the label that matched
    found: str  # the text as the document writes it
    passages: tuple[str, ...]  # fragments (char=a,b) of the passages where it occurs

    def line(self, document: str) -> str:
        where = ", ".join(f"{document}#{f}" for f in self.passages)
        return f"{self.found!r:<36} {short(self.iri):<44} {self.kind}  in {where}"


@dataclass(frozen=True)
class Duplicate:
    first: str
    second: str
    kind: str
    first_label: str
    second_label: str
    same: bool

    def message(self) -> str:
        how = "same label" if self.same else "near-same labels"
        return (
            f"likely duplicate {self.kind}s ({how}): {short(self.first)} "
            f"{self.first_label!r} and {short(self.second)} {self.second_label!r}; keep one "
            "IRI, or link them with owl:sameAs if they are the same"
        )


def labelled_entities(store: ox.Store, among: set[str] | None = None):
    """(iri, kind, label, graph) of organisations, places, people and events."""
    kinds = " ".join(f"(<{MKG}{c}> {_lit(k)})" for c, k in KINDS.items())
    graphs = f"VALUES ?g {{ {' '.join(f'<{g}>' for g in sorted(among))} }}" if among else ""
    query = f"""
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?s ?kind ?label ?g WHERE {{
            VALUES (?top ?kind) {{ {kinds} }}
            {graphs}
            GRAPH ?g {{ ?s a ?c ; rdfs:label|skos:altLabel ?label }}
            ?c rdfs:subClassOf* ?top .
            FILTER(isIRI(?s))
        }}"""
    for row in store.query(query, use_default_graph_as_union=True):
        yield row["s"].value, row["kind"].value, row["label"].value, row["g"].value


def _lit(text: str) -> str:
    return '"' + text + '"'


def match_entities(text: str, passages: list[Passage], store: ox.Store) -> list[EntityMatch]:
    """The entities whose names occur in `text` (see the module docstring)."""
    names: dict[str, list[tuple[str, str, str]]] = {}
    for iri, kind, label, _ in labelled_entities(store):
        if len(label) >= MIN_LENGTH:
            names.setdefault(label.casefold(), []).append((iri, kind, label))
    taken = [False] * len(text)
    found: dict[tuple[str, str], list] = {}
    folded = text.casefold()
    if len(folded) != len(text):  # a character that folds to several: match as written
        folded = text.lower()
    for name in sorted(names, key=len, reverse=True):
        pattern = r"(?<!\w)" + re.escape(name) + r"(?!\w)"
        for m in re.finditer(pattern, folded):
            if any(taken[m.start() : m.end()]):
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            for iri, kind, label in names[name]:
                entry = found.setdefault((iri, label), [kind, text[m.start() : m.end()], []])
                where = next((p.fragment for p in passages if p.start <= m.start() < p.end), None)
                if where and where not in entry[2]:
                    entry[2].append(where)
    return sorted(
        (EntityMatch(iri, k, label, f, tuple(w)) for (iri, label), (k, f, w) in found.items()),
        key=lambda e: (e.passages[:1], e.found.casefold(), e.iri),
    )


def normalise(label: str) -> str:
    text = unicodedata.normalize("NFKD", label).casefold()
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^\w]+", " ", text).strip()
    return re.sub(r"^the ", "", text)


def duplicates(store: ox.Store, among: set[str] | None = None) -> list[Duplicate]:
    """Likely duplicates across the whole store; with `among`, only pairs where one of
    the two is described in those graphs."""
    labels: dict[str, dict[str, str]] = {}  # iri -> {normalised: label}
    kinds: dict[str, str] = {}
    local: set[str] = set()
    for iri, kind, label, graph in labelled_entities(store):
        key = normalise(label)
        if len(key) >= MIN_LENGTH:
            labels.setdefault(iri, {})[key] = label
            kinds.setdefault(iri, kind)
        if among is None or graph in among:
            local.add(iri)
    same_as = {
        frozenset((row["a"].value, row["b"].value))
        for row in store.query(
            "SELECT ?a ?b WHERE { ?a <http://www.w3.org/2002/07/owl#sameAs> ?b }",
            use_default_graph_as_union=True,
        )
    }
    found: list[Duplicate] = []
    by_kind: dict[str, list[str]] = {}
    for iri in sorted(labels):
        by_kind.setdefault(kinds[iri], []).append(iri)
    for kind, iris in by_kind.items():
        for i, a in enumerate(iris):
            for b in iris[i + 1 :]:
                if (a not in local and b not in local) or frozenset((a, b)) in same_as:
                    continue
                pair = _closest(labels[a], labels[b])
                if pair:
                    found.append(Duplicate(a, b, kind, *pair))
    return found


def _closest(a: dict[str, str], b: dict[str, str]):
    best = None
    for ka, la in a.items():
        for kb, lb in b.items():
            if re.findall(r"\d+", ka) != re.findall(r"\d+", kb):
                continue
            if ka == kb:
                return la, lb, True
            ratio = difflib.SequenceMatcher(None, ka, kb).ratio()
            if ratio >= NEAR and (best is None or ratio > best[0]):
                best = (ratio, la, lb)
    return (best[1], best[2], False) if best else None


def graph_store(data_dir=None) -> ox.Store:
    """The bundled graph, plus the data files of `data_dir` (their graphs replace the
    bundled ones of the same name)."""
    from pathlib import Path

    from museum_kg.loader.curate.rdf import read_store

    from museum_kg.bundled import bundled_files
    from museum_kg.paths import DATA_DIR

    files = bundled_files()
    if data_dir is not None and Path(data_dir).resolve() != DATA_DIR.resolve():
        extra = sorted(p for p in Path(data_dir).glob("*") if p.suffix in (".trig", ".ttl"))
        names = {p.stem for p in extra}
        files = [p for p in files if p.parent != DATA_DIR or p.stem not in names] + extra
    return read_store(files)


def entities_in(path, data_dir=None) -> list[EntityMatch]:
    """`museum-kg source entities FILE`: the graph's entities named in a document."""
    from pathlib import Path

    from museum_kg.loader.curate.passages import cut, is_markdown

    from museum_kg.errors import CurationError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CurationError(f"{path}: cannot read as UTF-8 text: {exc}") from None
    return match_entities(text, cut(text, is_markdown(path)), graph_store(data_dir))
