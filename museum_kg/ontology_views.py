"""The schema.org and CIDOC-CRM views of the ontology, as the tables of docs/ontology.md.

The loader derives, for every instance, the super-classes and super-properties of the
ontology's `rdfs:subClassOf` / `rdfs:subPropertyOf` / `owl:equivalent...` axioms (graph
`.../graph/inferred`). So the view of a term in a vocabulary is every term of that
vocabulary in the transitive closure of those axioms. Where a term has none, the ontology
says why in a `skos:editorialNote` starting "schema.org: " or "CIDOC-CRM: ".

`views(graph)` lists them; `tables(graph)` renders the class, property and view tables
of docs/ontology.md, which `python -m museum_kg.ontology_views` writes into the doc
between its `<!-- generated ... -->` markers (tests/knowledge/test_ontology_views.py
fails when the doc differs).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef

from museum_kg.paths import ONTOLOGY_DIR, ROOT
from museum_kg.settings import BASE_IRI

MKG = BASE_IRI + "ontology#"
ONTOLOGY_FILE = ONTOLOGY_DIR / "museum-kg.ttl"
DOC_FILE = ROOT / "docs" / "ontology.md"
VOCABULARIES = {
    "schema.org": "https://schema.org/",
    "CIDOC-CRM": "http://www.cidoc-crm.org/cidoc-crm/",
    "W3C ORG": "http://www.w3.org/ns/org#",
    "PROV-O": "http://www.w3.org/ns/prov#",
}
# every term maps to these or says why not; W3C ORG and PROV-O only where the ontology aligns
EXPLAINED = ("schema.org", "CIDOC-CRM")
BEGIN = (
    "<!-- generated from ontology/museum-kg.ttl by `python -m museum_kg.ontology_views`:"
    " do not edit below -->"
)
END = "<!-- end of generated tables -->"
CLASS_AXIOMS = (RDFS.subClassOf, OWL.equivalentClass)
PROPERTY_AXIOMS = (RDFS.subPropertyOf, OWL.equivalentProperty)


@dataclass
class View:
    """A term and the terms of each vocabulary it reaches, or why it reaches none."""

    term: URIRef
    is_class: bool
    mapped: dict[str, list[str]]  # vocabulary name -> compact terms
    notes: dict[str, str]  # vocabulary name -> why there is no mapping


def load(path: Path = ONTOLOGY_FILE) -> Graph:
    graph = Graph()
    graph.parse(path, format="turtle")
    return graph


def compact(graph: Graph, term) -> str:
    prefix, namespace, name = graph.namespace_manager.compute_qname(str(term))
    return f"{prefix}:{name}"


def _supers(graph: Graph, term: URIRef, axioms) -> set[URIRef]:
    """The transitive closure of `axioms` from `term`, equivalences read both ways."""
    seen: set[URIRef] = set()
    stack = [term]
    while stack:
        node = stack.pop()
        found = [o for p in axioms for o in graph.objects(node, p)]
        found += [s for p in axioms[1:] for s in graph.subjects(p, node)]
        for other in found:
            if isinstance(other, URIRef) and other not in seen and other != term:
                seen.add(other)
                stack.append(other)
    return seen


def _is_mkg(term) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(MKG)


def _file_order(path: Path = ONTOLOGY_FILE) -> dict[str, int]:
    names = re.findall(r"^mkg:(\w+) a owl:", path.read_text("utf-8"), flags=re.M)
    return {MKG + name: i for i, name in enumerate(names)}


def terms(graph: Graph) -> tuple[list[URIRef], list[URIRef]]:
    """The ontology's classes and properties, in the order of ontology/museum-kg.ttl."""
    order = _file_order()

    def key(term: URIRef) -> tuple[int, str]:
        return order.get(str(term), len(order)), str(term)

    classes = {s for s in graph.subjects(RDF.type, OWL.Class) if _is_mkg(s)}
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty)
    properties = {s for k in kinds for s in graph.subjects(RDF.type, k) if _is_mkg(s)}
    return sorted(classes, key=key), sorted(properties, key=key)


def standard_terms(graph: Graph) -> list[URIRef]:
    """Terms of other vocabularies that the ontology aligns for the views (rdfs:label...)."""
    axioms = CLASS_AXIOMS + PROPERTY_AXIOMS
    return sorted({s for p in axioms for s in graph.subjects(p, None) if not _is_mkg(s)})


def view(graph: Graph, term: URIRef) -> View:
    is_class = (term, RDF.type, OWL.Class) in graph or any(
        True for p in CLASS_AXIOMS for _ in graph.objects(term, p)
    )
    supers = _supers(graph, term, CLASS_AXIOMS if is_class else PROPERTY_AXIOMS)
    mapped, notes = {}, {}
    for name, namespace in VOCABULARIES.items():
        if str(term).startswith(namespace):
            mapped[name] = [compact(graph, term)]
            continue
        mapped[name] = sorted(compact(graph, s) for s in supers if str(s).startswith(namespace))
        # the term's own note, else that of an mkg super-term (collectionTopic: topic's)
        for source in [term, *sorted(s for s in supers if _is_mkg(s))]:
            found = [
                n
                for n in graph.objects(source, SKOS.editorialNote)
                if str(n).startswith(name + ": ")
            ]
            if found:
                notes[name] = str(found[0])[len(name) + 2 :]
                break
    return View(term, is_class, mapped, notes)


def views(graph: Graph) -> list[View]:
    classes, properties = terms(graph)
    return [view(graph, t) for t in classes + properties + standard_terms(graph)]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _list(graph: Graph, values) -> str:
    mkg = sorted(compact(graph, v) for v in values if _is_mkg(v))
    other = sorted(compact(graph, v) for v in values if not _is_mkg(v))
    return ", ".join(mkg + other) or "—"


def _definition(graph: Graph, term: URIRef) -> str:
    values = [v for v in graph.objects(term, SKOS.definition) if v.language == "en"]
    return _cell(str(values[0])) if values else ""


def class_table(graph: Graph) -> list[str]:
    rows = ["| Class | Subclass of | Definition |", "|---|---|---|"]
    for term in terms(graph)[0]:
        supers = [o for p in CLASS_AXIOMS for o in graph.objects(term, p)]
        rows.append(
            f"| `{compact(graph, term)}` | {_list(graph, supers)} | {_definition(graph, term)} |"
        )
    return rows


def property_table(graph: Graph) -> list[str]:
    rows = [
        "| Property | Kind | Domain → range | Subproperty of | Definition |",
        "|---|---|---|---|---|",
    ]
    for term in terms(graph)[1]:
        kind = "object" if (term, RDF.type, OWL.ObjectProperty) in graph else "datatype"
        domain = _list(graph, graph.objects(term, RDFS.domain))
        range_ = _list(graph, graph.objects(term, RDFS.range))
        supers = _list(graph, [o for p in PROPERTY_AXIOMS for o in graph.objects(term, p)])
        for inverse in graph.objects(term, OWL.inverseOf):
            supers += f" (inverse of {compact(graph, inverse)})"
        rows.append(
            f"| `{compact(graph, term)}` | {kind} | {domain} → {range_} | {supers} "
            f"| {_definition(graph, term)} |"
        )
    return rows


def view_table(graph: Graph) -> list[str]:
    names = list(VOCABULARIES)
    rows = ["| Term | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for v in views(graph):
        cells = []
        for name in names:
            if v.mapped[name]:
                cells.append(", ".join(v.mapped[name]))
            elif name in EXPLAINED:
                cells.append("— " + _cell(v.notes.get(name, "(no reason given)")))
            else:
                cells.append("—")
        rows.append(f"| `{compact(graph, v.term)}` | " + " | ".join(cells) + " |")
    return rows


def tables(graph: Graph) -> str:
    """The generated part of docs/ontology.md."""
    parts = [
        "## Classes",
        "",
        *class_table(graph),
        "",
        "## Properties",
        "",
        "Object properties point to resources, datatype properties to literals.",
        "",
        *property_table(graph),
        "",
        "## Views in schema.org and CIDOC-CRM",
        "",
        "Each term with the schema.org, CIDOC-CRM, W3C ORG and PROV-O terms its instances also",
        "carry in the derived graph (the closure of its subclass and subproperty axioms); where",
        "a term has no schema.org or CIDOC-CRM counterpart, the reason (its `skos:editorialNote`).",
        "",
        *view_table(graph),
    ]
    return "\n".join(parts) + "\n"


def documented(text: str, graph: Graph) -> str:
    """`text` (docs/ontology.md) with its generated part replaced by `tables(graph)`."""
    pattern = re.compile(re.escape(BEGIN) + r"\n.*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise ValueError(f"docs/ontology.md lacks the markers {BEGIN!r} ... {END!r}")
    return pattern.sub(lambda _: f"{BEGIN}\n\n{tables(graph)}\n{END}", text)


def main(argv: list[str]) -> int:
    graph = load()
    text = DOC_FILE.read_text("utf-8")
    new = documented(text, graph)
    if new != text:
        DOC_FILE.write_text(new, "utf-8")
        print(f"updated {DOC_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
