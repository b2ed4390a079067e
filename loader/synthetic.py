"""A deterministic synthetic data set in the museum-kg ontology, for load tests.

`generate(out, entities, seed)` writes N-Triples (gzipped when `out` ends in
`.gz`) that conform to `ontology/shapes.ttl` on its own: it carries its own
source documents and passages, countries, concept schemes (topics, roles,
measures, value qualifiers) and time instants, so a store built from this file
alone validates. Proportions (share of entities): passages 25%, organisations
12% (a third of them museums), events 20%, people 10%, positions 8%,
observations 12%, partnerships 5%, periods 3%, cities 2%, awards 1%, and about
one source document (with its author) per 400 entities. That gives about 6.6
triples per entity: `--entities 151000` is ~1M triples, `--entities 1510000`
is ~10M (the command prints the exact counts).
"""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass
from pathlib import Path

BASE = "https://w3id.org/museum-kg/"
ID = BASE + "id/"
MKG = "https://w3id.org/museum-kg/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SKOS = "http://www.w3.org/2004/02/skos/core#"
TIME = "http://www.w3.org/2006/time#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
UNITS = ("NUM", "PERCENT", "YR")
SHARES = {  # kind -> share of the entities
    "passage": 0.25, "org": 0.12, "event": 0.20, "person": 0.10, "position": 0.08,
    "observation": 0.12, "partnership": 0.05, "period": 0.03, "city": 0.02, "award": 0.01,
}  # fmt: skip
ORG_TYPES = ("Museum", "Museum", "Museum", "Association", "GovernmentBody", "University",
             "Company", "PublicInstitution", "ThinkTank")  # fmt: skip
EVENT_TYPES = ("Exhibition", "Forum", "Conference", "Workshop", "Festival", "TrainingCourse",
               "ExchangeActivity", "Lecture")  # fmt: skip
COUNTRIES = 24
CONCEPTS = {"topic": 30, "role": 8, "measure": 10}


@dataclass
class Stats:
    entities: int
    triples: int


def _iri(kind: str, slug: str) -> str:
    return f"<{ID}{kind}/{slug}>"


def _m(name: str) -> str:
    return f"<{MKG}{name}>"


def _lit(text: str, lang: str = "en") -> str:
    return f'"{text}"@{lang}'


def _typed(value, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


class _Writer:
    def __init__(self, stream) -> None:
        self.stream = stream
        self.triples = 0
        self.entities = 0
        self.buffer: list[str] = []

    def entity(self, subject: str, *pairs: tuple[str, str]) -> None:
        self.entities += 1
        self.buffer.extend(f"{subject} {p} {o} .\n" for p, o in pairs)
        self.triples += len(pairs)
        if len(self.buffer) > 20000:
            self.flush()

    def flush(self) -> None:
        self.stream.write("".join(self.buffer).encode())
        self.buffer = []


def generate(out: Path | str, entities: int, seed: int = 0) -> Stats:
    """Write about `entities` entities to `out` (N-Triples, `.gz` for gzip)."""
    out = Path(out)
    rng = random.Random(seed)
    counts = {k: max(1, round(entities * share)) for k, share in SHARES.items()}
    docs = max(1, entities // 400)
    gz = out.name.endswith(".gz")
    with gzip.open(out, "wb", compresslevel=1) if gz else open(out, "wb") as stream:
        w = _Writer(stream)
        _vocabulary(w)
        _documents(w, docs)
        passages = counts["passage"]

        def src() -> tuple[str, str]:
            return (_m("source"), _passage_iri(rng.randrange(passages), docs))

        for i in range(passages):
            _passage(w, i, docs)
        for c in range(COUNTRIES):
            w.entity(
                _iri("place", f"syn-country-{c}"),
                (RDF_TYPE, _m("Country")), (LABEL, _lit(f"Synthetic country {c}")), src(),
            )  # fmt: skip
        for c in range(counts["city"]):
            w.entity(
                _iri("place", f"syn-city-{c}"),
                (RDF_TYPE, _m("City")), (LABEL, _lit(f"Synthetic city {c}")),
                (_m("country"), _iri("place", f"syn-country-{c % COUNTRIES}")), src(),
            )  # fmt: skip
        orgs = counts["org"]
        for i in range(orgs):
            kind = ORG_TYPES[i % len(ORG_TYPES)]
            year = 1900 + rng.randrange(125)
            w.entity(
                _iri("org", f"syn-org-{i}"),
                (RDF_TYPE, _m(kind)), (LABEL, _lit(f"Synthetic {kind} {i}")), src(),
                (_m("country"), _iri("place", f"syn-country-{rng.randrange(COUNTRIES)}")),
                (_m("locatedIn"), _iri("place", f"syn-city-{rng.randrange(counts['city'])}")),
                (_m("foundingDate"), _typed(year, "gYear")),
                (_m("topic"), _concept_iri("topic", rng)),
            )  # fmt: skip
        people = counts["person"]
        for i in range(people):
            w.entity(
                _iri("person", f"syn-person-{i}"),
                (RDF_TYPE, _m("Person")), (LABEL, _lit(f"Synthetic Person {i}")), src(),
            )  # fmt: skip
        periods = counts["period"]
        for i in range(periods):
            start = 1990 + rng.randrange(30)
            w.entity(
                _iri("period", f"syn-period-{i}"),
                (RDF_TYPE, _m("Period")),
                (f"<{TIME}hasBeginning>", _iri("time", str(start))),
                (f"<{TIME}hasEnd>", _iri("time", str(start + 1 + rng.randrange(5)))),
            )  # fmt: skip
        for i in range(counts["position"]):
            role = rng.randrange(CONCEPTS["role"])
            w.entity(
                _iri("position", f"syn-position-{i}"),
                (RDF_TYPE, _m("Position")), (LABEL, _lit(f"Synthetic position {i}")), src(),
                (_m("holder"), _iri("person", f"syn-person-{rng.randrange(people)}")),
                (_m("organization"), _iri("org", f"syn-org-{rng.randrange(orgs)}")),
                (_m("role"), _iri("role", f"syn-role-{role}")),
                (_m("roleTitle"), _lit(f"role title {role}")),
                (_m("period"), _iri("period", f"syn-period-{rng.randrange(periods)}")),
            )  # fmt: skip
        for i in range(counts["partnership"]):
            year = 2000 + rng.randrange(25)
            first = rng.randrange(orgs)
            second = (first + 1 + rng.randrange(max(1, orgs - 1))) % orgs
            w.entity(
                _iri("partnership", f"syn-partnership-{i}"),
                (RDF_TYPE, _m("Partnership")), (LABEL, _lit(f"Synthetic partnership {i}")), src(),
                (_m("partner"), _iri("org", f"syn-org-{first}")),
                (_m("partner"), _iri("org", f"syn-org-{second}")),
                (_m("startDate"), _typed(year, "gYear")), (_m("year"), _typed(year, "gYear")),
            )  # fmt: skip
        for i in range(counts["event"]):
            kind = EVENT_TYPES[i % len(EVENT_TYPES)]
            year, month, day = (
                2000 + rng.randrange(25),
                1 + rng.randrange(12),
                1 + rng.randrange(28),
            )
            w.entity(
                _iri("event", f"syn-event-{i}"),
                (RDF_TYPE, _m(kind)), (LABEL, _lit(f"Synthetic {kind} {i}")), src(),
                (_m("organizer"), _iri("org", f"syn-org-{rng.randrange(orgs)}")),
                (_m("startDate"), _typed(f"{year}-{month:02d}-{day:02d}", "date")),
                (_m("year"), _typed(year, "gYear")),
                (_m("participantCountry"), _country(rng)),
                (_m("topic"), _concept_iri("topic", rng)),
            )  # fmt: skip
        for i in range(counts["award"]):
            w.entity(
                _iri("award", f"syn-award-{i}"),
                (RDF_TYPE, _m("Award")), (LABEL, _lit(f"Synthetic award {i}")), src(),
            )  # fmt: skip
        for i in range(counts["observation"]):
            year = 2000 + rng.randrange(25)
            w.entity(
                _iri("observation", f"syn-observation-{i}"),
                (RDF_TYPE, _m("Observation")), (LABEL, _lit(f"Synthetic observation {i}")), src(),
                (_m("observedEntity"), _iri("org", f"syn-org-{rng.randrange(orgs)}")),
                (_m("measure"), _concept_iri("measure", rng)),
                (_m("value"), _typed(rng.randrange(1, 100000), "integer")),
                (_m("unit"), f"<http://qudt.org/vocab/unit/{UNITS[i % len(UNITS)]}>"),
                (_m("qualifier"), _iri("measure", "syn-qualifier-exactly")),
                (_m("year"), _typed(year, "gYear")), (_m("startDate"), _typed(year, "gYear")),
            )  # fmt: skip
        w.flush()
    return Stats(w.entities, w.triples)


def _country(rng: random.Random) -> str:
    return _iri("place", f"syn-country-{rng.randrange(COUNTRIES)}")


def _concept_iri(scheme: str, rng: random.Random) -> str:
    return _iri(scheme, f"syn-{scheme}-{rng.randrange(CONCEPTS[scheme])}")


def _passage_iri(i: int, docs: int) -> str:
    start = (i // docs) * 100
    return f"<{BASE}source/{_doc_id(i % docs)}#char={start},{start + 80}>"


def _doc_id(d: int) -> str:
    return f"9{d % 100:02d}_{d:08x}"


def _passage(w: _Writer, i: int, docs: int) -> None:
    d, start = i % docs, (i // docs) * 100
    w.entity(
        _passage_iri(i, docs),
        (RDF_TYPE, _m("Passage")), (_m("document"), f"<{BASE}source/{_doc_id(d)}>"),
        (_m("section"), f'"Section {1 + i % 7}"'),
        (_m("paragraph"), _typed(1 + i % 9, "integer")),
        (_m("startOffset"), _typed(start, "integer")),
        (_m("endOffset"), _typed(start + 80, "integer")),
    )  # fmt: skip


def _documents(w: _Writer, docs: int) -> None:
    for d in range(docs):
        author = _iri("person", f"syn-author-{d}")
        doc = f"<{BASE}source/{_doc_id(d)}>"
        first = _passage_iri(d, docs)  # passage 0..docs-1 belong to document d
        w.entity(
            doc,
            (RDF_TYPE, _m("SourceDocument")), (f"<{DCT}identifier>", f'"{_doc_id(d)}.txt"'),
            (f"<{DCT}title>", _lit(f"Synthetic case study {d}")), (f"<{DCT}creator>", author),
            (f"<{PROV}wasAttributedTo>", author),
        )  # fmt: skip
        w.entity(
            author, (RDF_TYPE, _m("Person")), (LABEL, _lit(f"Synthetic Author {d}")),
            (_m("source"), first),
        )  # fmt: skip


def _vocabulary(w: _Writer) -> None:
    for scheme, n in CONCEPTS.items():
        scheme_iri = _iri(scheme, "syn-scheme")
        w.entity(
            scheme_iri,
            (RDF_TYPE, f"<{SKOS}ConceptScheme>"), (LABEL, _lit(f"Synthetic {scheme}s")),
            (f"<{SKOS}prefLabel>", _lit(f"Synthetic {scheme}s")),
        )  # fmt: skip
        for c in range(n):
            _concept(w, _iri(scheme, f"syn-{scheme}-{c}"), f"synthetic {scheme} {c}", scheme_iri)
    _concept(
        w, _iri("measure", "syn-qualifier-exactly"), "exactly", _iri("measure", "syn-scheme"),
        extra_type=_m("ValueQualifier"),
    )  # fmt: skip
    for year in range(1990, 2031):
        w.entity(
            _iri("time", str(year)),
            (RDF_TYPE, f"<{TIME}Instant>"), (f"<{TIME}inXSDgYear>", _typed(year, "gYear")),
        )  # fmt: skip


def _concept(w: _Writer, iri: str, label: str, scheme: str, extra_type: str | None = None):
    pairs = [
        (RDF_TYPE, f"<{SKOS}Concept>"), (LABEL, _lit(label)), (f"<{SKOS}prefLabel>", _lit(label)),
        (f"<{SKOS}definition>", _lit(f"A {label} of the synthetic data set.")),
        (f"<{SKOS}inScheme>", scheme),
    ]  # fmt: skip
    if extra_type:
        pairs.append((RDF_TYPE, extra_type))
    w.entity(iri, *pairs)
