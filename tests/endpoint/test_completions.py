"""`/api/completions`: the graph's own classes and properties, kept per data version."""

from __future__ import annotations

import requests

MKG = "https://w3id.org/museum-kg/ontology#"


def test_completions_list_the_graphs_classes_and_properties_with_counts(bundled_server):
    r = requests.get(bundled_server.url + "api/completions")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    data = r.json()
    classes = {t["iri"]: t for t in data["classes"]}
    properties = {t["iri"]: t for t in data["properties"]}
    assert classes[MKG + "Museum"]["count"] == 3
    assert classes[MKG + "Museum"]["label"] == "Museum"
    assert properties[MKG + "partner"]["count"] > 0
    assert data["prefixes"]["schema"] == "https://schema.org/"
    # the most used first
    counts = [t["count"] for t in data["classes"]]
    assert counts == sorted(counts, reverse=True)


def test_completions_are_revalidated_by_the_data_version(bundled_server):
    first = requests.get(bundled_server.url + "api/completions")
    again = requests.get(
        bundled_server.url + "api/completions", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304
    assert first.headers["Cache-Control"] == "no-cache"
