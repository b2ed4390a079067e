"""The saved-query HTTP API over a real server: catalogue, metadata, runs, errors, pages."""

from __future__ import annotations

import csv
import io

import pytest
import requests

ORG = "https://w3id.org/museum-kg/id/org/"
INJECTION = 'x" . } SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } } #'


def test_catalogue_lists_every_query_with_links(saved_server, catalogue) -> None:
    r = requests.get(saved_server.url + "api/queries", timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    listed = {q["id"]: q for q in r.json()["queries"]}
    assert set(listed) == {s.id for s in catalogue}
    assert listed["timeline"]["links"]["run"] == "/api/queries/timeline/run"


def test_metadata_has_typed_params_columns_examples_and_links(saved_client) -> None:
    body = saved_client.get("/api/queries/timeline").get_json()
    assert body["params"]["year"]["type"] == "gYear"
    assert "https://w3id.org/museum-kg/ontology#Lecture" in body["params"]["type"]["enum"]
    assert list(body["returns"]) == ["year", "event", "label", "type", "start"]
    assert body["pagination"] == 10 and body["order_by"] == ["year", "label"]
    assert body["examples"][0]["run"] == "/api/queries/timeline/run?year=2025"
    assert body["sparql"].startswith("PREFIX")


@pytest.mark.parametrize(
    ("path", "accept", "media"),
    [
        ("run", "application/sparql-results+json", "application/sparql-results+json"),
        ("run", "text/csv", "text/csv"),
        ("run", "text/tab-separated-values", "text/tab-separated-values"),
        ("run.csv", "application/json", "text/csv"),
        ("run.tsv", "*/*", "text/tab-separated-values"),
        ("run.json", "text/csv", "application/sparql-results+json"),
    ],
)
def test_results_by_accept_or_suffix(saved_server, path, accept, media) -> None:
    r = requests.get(
        f"{saved_server.url}api/queries/people-and-positions/{path}",
        params={"organisation": ORG + "beijing-auto-museum"},
        headers={"Accept": accept},
        timeout=30,
    )
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith(media)
    assert "jingquan-liu" in r.text


def test_csv_has_the_declared_columns(saved_server) -> None:
    r = requests.get(
        saved_server.url + "api/queries/awards-and-recognitions/run.csv",
        params={"year": "2016"},
        timeout=30,
    )
    table = list(csv.DictReader(io.StringIO(r.text)))
    assert list(table[0]) == ["year", "recognition", "award", "recipient", "awardedBy"]
    assert {row["recipient"] for row in table} == {"Guangdong Museum"}


def test_bad_parameter_is_400_naming_parameter_type_and_example(saved_server) -> None:
    r = requests.get(
        saved_server.url + "api/queries/timeline/run", params={"year": "16a"}, timeout=30
    )
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "bad_parameter"
    assert body["message"] == "parameter `year` must be an xsd:gYear such as 2025; got '16a'"
    assert body["details"]["parameter"] == "year" and body["details"]["example"] == "2025"


def test_sparql_looking_values_are_a_literal_or_a_400_never_a_query(saved_server) -> None:
    as_string = requests.get(
        saved_server.url + "api/queries/search-by-label/run", params={"text": INJECTION}, timeout=30
    )
    assert as_string.status_code == 200
    assert as_string.json()["results"]["bindings"] == []
    as_iri = requests.get(
        saved_server.url + "api/queries/source-of-fact/run",
        params={"entity": INJECTION},
        timeout=30,
    )
    assert as_iri.status_code == 400
    assert as_iri.json()["details"]["parameter"] == "entity"


def test_unknown_query_is_404_and_unknown_parameter_is_400(saved_client) -> None:
    r = saved_client.get("/api/queries/nope/run")
    assert r.status_code == 404 and r.get_json()["error"] == "not_found"
    r = saved_client.get("/api/queries/timeline/run?yaer=2016")
    assert r.status_code == 400 and "yaer" in r.get_json()["message"]


def test_unacceptable_media_type_is_406(saved_client) -> None:
    r = saved_client.get("/api/queries/topics/run", headers={"Accept": "image/png"})
    assert r.status_code == 406 and r.get_json()["error"] == "not_acceptable"


def test_pages_carry_link_headers(saved_server) -> None:
    url = saved_server.url + "api/queries/timeline/run"
    first = requests.get(url, timeout=30)
    assert len(first.json()["results"]["bindings"]) == 10
    assert first.links["next"]["url"] == "/api/queries/timeline/run?page=2"
    assert first.links["first"]["url"] == "/api/queries/timeline/run?page=1"
    assert "prev" not in first.links
    second = requests.get(url, params={"page": "2"}, timeout=30)
    assert second.links["prev"]["url"] == "/api/queries/timeline/run?page=1"
    assert "next" not in second.links
    filtered = requests.get(url + ".csv", params={"year": "2014"}, timeout=30)
    assert filtered.links["first"]["url"] == "/api/queries/timeline/run.csv?page=1&year=2014"
    assert requests.get(url, params={"page": "0"}, timeout=30).status_code == 400


def test_unpaginated_query_refuses_a_page(saved_client) -> None:
    r = saved_client.get("/api/queries/topics/run?page=3")
    assert r.status_code == 400 and r.get_json()["details"]["parameter"] == "page"


def test_results_carry_an_etag_and_a_revalidation_gets_304(saved_server) -> None:
    url = saved_server.url + "api/queries/countries/run.csv"
    first = requests.get(url, timeout=30)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    again = requests.get(url, headers={"If-None-Match": etag}, timeout=30)
    assert again.status_code == 304 and again.headers["ETag"] == etag
    other = requests.get(saved_server.url + "api/queries/countries/run.json", timeout=30)
    assert other.headers["ETag"] != etag
