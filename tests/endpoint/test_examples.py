"""The example queries of the query page answer over the bundled knowledge graph."""

from __future__ import annotations

import pytest
import requests
from museum_kg.endpoint.examples import EXAMPLES


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.title for e in EXAMPLES])
def test_example_query_returns_results_over_the_bundled_graph(bundled_server, example):
    r = requests.post(bundled_server.sparql, data={"query": example.text})
    assert r.status_code == 200, r.text
    if r.headers["Content-Type"].startswith("application/sparql-results+json"):
        assert r.json()["results"]["bindings"], f"{example.title!r} returned no rows"
    else:
        assert r.headers["Content-Type"].startswith("text/turtle")
        assert "Guangdong Museum" in r.text
