"""The bundled knowledge graph: which files, and which named graph each goes to.

Graph naming rule (also used by the loader for any file of triples):
a file `NAME.EXT[.gz]` goes to `<base>graph/NAME`, except the ontology files,
which go to `<base>ontology` (the ontology) and `<base>shapes` (SHACL shapes).
Files of quads (TriG, N-Quads) keep the graphs they name.
"""

from __future__ import annotations

from pathlib import Path

from museum_kg.paths import DATA_DIR, ONTOLOGY_DIR
from museum_kg.settings import BASE_IRI

RDF_SUFFIXES = (".ttl", ".trig", ".nt", ".nq", ".jsonld", ".rdf", ".owl", ".xml")


def bundled_files() -> list[Path]:
    """Ontology, shapes, vocabularies and data files, in load order."""
    found: list[Path] = []
    for folder in (ONTOLOGY_DIR, DATA_DIR):
        found += sorted(p for p in folder.glob("*") if p.name.endswith(RDF_SUFFIXES))
    return found


def graph_for_file(path: Path, base_iri: str = BASE_IRI) -> str:
    """The named graph for a file of triples (see the module docstring)."""
    name = path.name
    if name.endswith(".gz"):
        name = name[:-3]
    stem = name.rsplit(".", 1)[0]
    if path.parent.resolve() == ONTOLOGY_DIR.resolve():
        special = {"museum-kg": "ontology", "shapes": "shapes"}
        if stem in special:
            return base_iri + special[stem]
    return base_iri + "graph/" + stem
