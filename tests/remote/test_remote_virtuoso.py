"""Optional: the remote backend against Virtuoso (Debian package `virtuoso-opensource`).

Skipped unless `MUSEUM_KG_TEST_VIRTUOSO` names the SPARQL endpoint of a Virtuoso that
may be overwritten (a test instance: the suite replaces the bundled graphs in it).
Setup on Debian or Ubuntu (see docs/scaling.md, "Testing against Virtuoso"):

    apt-get install -y virtuoso-opensource      # serves http://127.0.0.1:8890/sparql
    isql-vt 1111 dba <dba password> exec="GRANT SPARQL_UPDATE TO \\"SPARQL\\";"
    isql-vt 1111 dba <dba password> exec="DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);"
    MUSEUM_KG_TEST_VIRTUOSO=http://127.0.0.1:8890/sparql \\
        .venv/bin/python -m pytest tests/remote/test_remote_virtuoso.py -q

The two grants let the anonymous SPARQL user update and write graphs through
`/sparql` and `/sparql-graph-crud`; never give them on a public instance (put the
engine behind an authenticating proxy and set `backend_auth` instead).
"""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from museum_kg.store import QueryRequest

ENDPOINT = os.environ.get("MUSEUM_KG_TEST_VIRTUOSO")
pytestmark = pytest.mark.skipif(
    not ENDPOINT,
    reason="set MUSEUM_KG_TEST_VIRTUOSO to a test Virtuoso's /sparql URL to run this suite",
)
BASE = "https://w3id.org/museum-kg/"
AUTO = BASE + "id/org/beijing-auto-museum"


@pytest.fixture(scope="module")
def virtuoso_settings(tmp_path_factory):
    from museum_kg.settings import Settings

    store = tmp_path_factory.mktemp("virtuoso") / "store"
    return Settings.load(env={}, store=store, backend=ENDPOINT, backend_engine="virtuoso")


@pytest.fixture(scope="module")
def loaded(virtuoso_settings):
    from museum_kg.cli import main

    env = {
        "MUSEUM_KG_BACKEND_ENGINE": "virtuoso",
        "MUSEUM_KG_STORE": str(virtuoso_settings.store),
    }
    result = CliRunner().invoke(
        main, ["load", "--backend", ENDPOINT], env=env, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return virtuoso_settings


@pytest.fixture()
def backend(loaded):
    from museum_kg.store.remote import RemoteBackend

    backend = RemoteBackend(loaded)
    yield backend
    backend.close()


def test_the_bundled_graph_is_queried_through_virtuoso(backend) -> None:
    query = f"ASK {{ <{AUTO}> a <{BASE}ontology#Museum> }}"
    result = backend.query(QueryRequest(query, "json", 30, union_default_graph=True))
    assert json.loads(result.read())["boolean"] is True


def test_graphs_and_version_come_from_virtuoso(backend, loaded) -> None:
    from museum_kg.store.snapshots import SnapshotStore

    assert BASE + "graph/beijing-auto-museum" in backend.graphs()
    assert backend.version() == "remote-" + SnapshotStore(loaded.store).current().id


def test_the_row_cap_and_formats_hold_on_virtuoso(backend) -> None:
    query = "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
    result = backend.query(QueryRequest(query, "csv", 30, max_rows=5))
    assert result.rows_capped
    assert len(result.read().strip().splitlines()) == 6


def test_a_query_past_its_deadline_is_a_timeout_not_partial_rows(backend) -> None:
    from museum_kg.errors import QueryTimeout

    cross = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?x { ?a ?b ?c } GRAPH ?y { ?d ?e ?f } "
        "GRAPH ?z { ?g ?h ?i } }"
    )
    with pytest.raises(QueryTimeout):
        backend.query(QueryRequest(cross, "json", 1))


def test_a_graph_reads_back_through_the_graph_store(backend) -> None:
    turtle = backend.read_graph(BASE + "graph/guangdong-museum", "turtle").read()
    assert b"guangdong-museum" in turtle
