"""The schema.org and CIDOC-CRM views: every term has one (or a stated reason), the table
in docs/ontology.md is the one generated from the ontology, and the derived graph lets a
client of either vocabulary alone find names, events and activities."""

from __future__ import annotations

from museum_kg.ontology_views import DOC_FILE, EXPLAINED, VOCABULARIES, documented, load, views

PREFIXES = """PREFIX schema: <https://schema.org/>
PREFIX crm: <http://www.cidoc-crm.org/cidoc-crm/>
PREFIX mkg: <https://w3id.org/museum-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def values(store, query: str) -> set[str]:
    return {row[0].value for row in store.query(PREFIXES + query)}


def test_docs_ontology_tables_are_the_generated_ones():
    text = DOC_FILE.read_text("utf-8")
    assert documented(text, load()) == text, (
        "docs/ontology.md differs from the ontology: run `python -m museum_kg.ontology_views`"
    )


def test_every_term_has_a_view_or_a_reason_in_each_vocabulary():
    missing = [
        f"{v.term} in {name}"
        for v in views(load())
        for name in EXPLAINED
        if not v.mapped[name] and not v.notes.get(name)
    ]
    assert not missing, "terms with neither a mapping nor an editorialNote reason: " + ", ".join(
        missing
    )


def test_the_views_agree_with_what_the_loader_derives(views_store):
    """A class's view is what its instances carry in the derived graph."""
    for v in views(load()):
        if not v.is_class or not str(v.term).startswith("https://w3id.org/museum-kg/"):
            continue
        instances = values(views_store, f"SELECT ?x WHERE {{ ?x a <{v.term}> }}")
        for name in VOCABULARIES:
            for compact in v.mapped[name]:
                iri = VOCABULARIES[name] + compact.split(":", 1)[1]
                carrying = values(views_store, f"SELECT ?x WHERE {{ ?x a <{iri}> }}")
                assert instances <= carrying, f"instances of {v.term} are not all {compact}"


def test_schema_org_names_come_from_rdfs_label(views_store):
    museums = values(
        views_store,
        'SELECT ?name WHERE { ?m a schema:Museum ; schema:name ?name FILTER(lang(?name) = "en") }',
    )
    assert museums == {
        "Beijing Auto Museum",
        "Guangdong Museum",
        "National Automobile Museum of Milus",
    }
    unnamed = values(
        views_store,
        "SELECT ?x WHERE { ?x rdfs:label ?l FILTER NOT EXISTS { ?x schema:name ?l } "
        'FILTER(STRSTARTS(STR(?x), "https://w3id.org/museum-kg/id/")) }',
    )
    assert not unnamed, f"labelled resources without schema:name: {sorted(unnamed)[:5]}"


def test_crm_events_are_e5_and_only_activities_are_e7(views_store):
    events = values(views_store, "SELECT ?e WHERE { ?e a mkg:Event }")
    assert len(events) == 22
    assert values(views_store, "SELECT ?e WHERE { ?e a crm:E5_Event }") == events
    activities = values(views_store, "SELECT ?e WHERE { ?e a crm:E7_Activity }")
    observances = values(views_store, "SELECT ?e WHERE { ?e a mkg:Observance }")
    assert observances and not observances & activities, "an observance is not an activity"
    others = values(
        views_store,
        "SELECT ?x WHERE { VALUES ?c { mkg:Programme mkg:Partnership mkg:Recognition } ?x a ?c }",
    )
    assert others <= activities and not others & events


def test_the_write_path_keeps_the_views_of_new_statements(server_factory):
    """A SPARQL Update's statements get their schema.org and CIDOC-CRM views at once."""
    import requests

    token = "views-test-token"
    server = server_factory(update_token=token)
    update = PREFIXES + (
        "INSERT DATA { GRAPH <http://example.org/g> {\n"
        "  <http://example.org/thing> rdfs:label 'A new thing'@en ;\n"
        "      <http://www.w3.org/2004/02/skos/core#altLabel> 'Thing'@en } }"
    )
    r = requests.post(
        server.sparql, data={"update": update}, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    query = (
        PREFIXES
        + "SELECT ?n ?a WHERE { <http://example.org/thing> schema:name ?n ;"
        + " schema:alternateName ?a }"
    )
    r = requests.get(
        server.sparql,
        params={"query": query},
        headers={"Accept": "application/sparql-results+json"},
    )
    rows = [(b["n"]["value"], b["a"]["value"]) for b in r.json()["results"]["bindings"]]
    assert rows == [("A new thing", "Thing")]
