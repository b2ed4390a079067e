"""A version's content: the entity's statements across named graphs, blank nodes two deep."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyoxigraph as ox
from museum_kg.loader import load
from museum_kg.loader.describe import describe
from rdflib import Graph
from rdflib.compare import isomorphic

from museum_kg.store.snapshots import SnapshotStore
from museum_kg.store.union import UNION_GRAPH

ID = "https://w3id.org/museum-kg/id/"
HALL = ID + "org/hall-museum"
EX = "http://example.org/"
DATA = """
@prefix mkg: <https://w3id.org/museum-kg/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <http://example.org/> .
<https://w3id.org/museum-kg/graph/one> {
  <%(hall)s> a mkg:Museum ; rdfs:label "Hall \\"Grand\\" Museum"@en-GB , "Halle"@de , "hall" ;
      ex:shared "in both graphs" ;
      ex:level1 [ ex:name "first" ;
                  ex:level2 [ ex:name "second" ; ex:level3 [ ex:name "third" ] ] ] .
  <%(other)s> ex:mentions <%(hall)s> .
}
<https://w3id.org/museum-kg/graph/two> {
  <%(hall)s> ex:shared "in both graphs" ; ex:extra [ ex:name "in graph two" ] .
}
"""
# What the feeds used to ask the served store for one entity (the content must not change).
SERVED = """SELECT ?this ?s ?p ?o WHERE {
  { GRAPH ?g { ?this ?p ?o } BIND(?this AS ?s) }
  UNION { GRAPH ?g { ?this ?p1 ?s . FILTER(isBlank(?s)) ?s ?p ?o } }
  UNION { GRAPH ?g { ?this ?p1 ?b . FILTER(isBlank(?b))
                     ?b ?p2 ?s . FILTER(isBlank(?s)) ?s ?p ?o } }
  FILTER(?g NOT IN (<https://w3id.org/museum-kg/graph/inferred>, <UNION>))
}""".replace("UNION>", UNION_GRAPH + ">")


def _load_hall(tmp_path: Path, name: str) -> Path:
    source = tmp_path / f"{name}.trig"
    source.write_text(DATA % {"hall": HALL, "other": ID + "org/other"})
    store = tmp_path / name
    from museum_kg.settings import Settings

    load([source], Settings.load(env={}, store=store), mode="rebuild", validate=False)
    return store


def _stored(store: Path, iri: str) -> tuple[str, str, str]:
    with sqlite3.connect(store / "changelog.sqlite") as db:
        return db.execute(
            "SELECT v.label, v.classes, v.triples FROM versions v JOIN changes c ON c.id = v.id "
            "WHERE c.iri = ? ORDER BY c.id DESC LIMIT 1",
            (iri,),
        ).fetchone()


def test_a_version_holds_what_the_served_store_says_of_the_entity(tmp_path):
    store = _load_hall(tmp_path, "store")
    _, _, triples = _stored(store, HALL)
    snapshot = ox.Store.read_only(str(SnapshotStore(store).current().path))
    rows = snapshot.query(SERVED, substitutions={ox.Variable("this"): ox.NamedNode(HALL)})
    served = Graph().parse(
        data="".join(f"{r['s']} {r['p']} {r['o']} .\n" for r in rows), format="nt"
    )
    version = Graph().parse(data=triples, format="nt")
    assert len(version) == len(served) == 12
    assert isomorphic(version, served)
    assert '"third"' not in triples  # a third level of blank nodes is not described
    assert triples.count('"in both graphs"') == 1  # a statement of two graphs, once
    assert "mentions" not in triples  # statements about others are theirs


def test_blank_nodes_get_the_same_names_whatever_the_store_called_them(tmp_path):
    first = _stored(_load_hall(tmp_path, "a"), HALL)[2]
    second = _stored(_load_hall(tmp_path, "b"), HALL)[2]
    assert first == second
    assert {"_:b0", "_:b1", "_:b2"} <= set(first.split())
    # the third level is named as an object, but not described
    assert "_:b3" in first.split() and not any(
        line.startswith("_:b3") for line in first.splitlines()
    )


def test_the_label_is_english_first_and_unescaped_and_classes_are_sorted(tmp_path):
    label, classes, _ = _stored(_load_hall(tmp_path, "store"), HALL)
    assert label == 'Hall "Grand" Museum'
    assert classes == '["https://w3id.org/museum-kg/ontology#Museum"]'


def test_labels_without_english_fall_back_to_untagged_then_any_language():
    lines = [
        f'<{HALL}> <http://www.w3.org/2000/01/rdf-schema#label> "Halle"@de .\n',
        f'<{HALL}> <http://www.w3.org/2000/01/rdf-schema#label> "Sala"@es .\n',
        f"<{HALL}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}B> .\n",
        f"<{HALL}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}A> .\n",
        f'<{HALL}> <{EX}note> "tab\\there \\u00e9" .\n',
    ]
    found = describe(HALL, "".join(lines).encode())
    assert (found.label, found.classes) == ("Halle", [EX + "A", EX + "B"])
    untagged = lines[0].replace('"Halle"@de', '"Hall"')
    assert describe(HALL, "".join([*lines, untagged]).encode()).label == "Hall"
    assert describe(HALL, lines[4].encode()).label is None
    assert found.ntriples.splitlines() == sorted(line.rstrip("\n") for line in lines)
