"""The guard refuses every SERVICE/LOAD target that could reach this host or its network."""

from __future__ import annotations

import pytest

from museum_kg.errors import ForbiddenOperation
from museum_kg.sparql import inspect
from museum_kg.sparql.guard import check, check_url, is_under, non_public, system_resolver

PUBLIC = "93.184.216.34"


def fake_dns(table: dict[str, list[str]]):
    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"unknown host {host}")
        return table[host]

    return resolve


def refused(text: str, allow=(), resolver=None, kind: str = "query") -> str:
    with pytest.raises(ForbiddenOperation) as caught:
        check(inspect(text, kind), allow, resolver)
    return caught.value.message


def test_any_service_is_refused_when_the_allow_list_is_empty() -> None:
    message = refused("SELECT * { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }")
    assert "<https://query.wikidata.org/sparql>" in message
    assert "service_allow" in message and "MUSEUM_KG_SERVICE_ALLOW" in message


def test_queries_without_service_pass() -> None:
    check(inspect('SELECT * { ?s ?p "SERVICE <http://127.0.0.1/>" }'), ())


def test_variable_service_is_refused_even_with_an_allow_list() -> None:
    message = refused("SELECT * { SERVICE ?ep { ?s ?p ?o } }", allow=("https://",))
    assert "?ep" in message


def test_target_outside_the_allowed_prefixes_is_refused() -> None:
    dns = fake_dns({"a.example": [PUBLIC], "b.example": [PUBLIC]})
    message = refused("ASK { SERVICE <https://b.example/sparql> {} }", ("https://a.example/",), dns)
    assert "not under any prefix" in message and "https://a.example/" in message


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/sparql",
        "http://127.1.2.3:8080/sparql",
        "http://10.0.0.5/sparql",
        "http://172.16.3.4/sparql",
        "http://192.168.1.1/sparql",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8000/sparql",
        "http://[::ffff:127.0.0.1]/sparql",
        "http://[::ffff:7f00:1]/sparql",
        "http://[fe80::1]/sparql",
        "http://[fd00::1]/sparql",
        "http://0.0.0.0/sparql",
        "http://224.0.0.1/sparql",
        "http://100.64.0.1/sparql",
        "http://[64:ff9b::a9fe:a9fe]/sparql",
        "http://2130706433/sparql",
        "http://0x7f.1/sparql",
    ],
)
def test_non_public_addresses_are_refused_even_when_allow_listed(url: str) -> None:
    message = refused(f"ASK {{ SERVICE <{url}> {{}} }}", allow=(url.split("/sparql")[0],))
    assert "refused" in message and url in message


def test_localhost_and_names_resolving_to_loopback_are_refused() -> None:
    refused("ASK { SERVICE <http://localhost:8000/sparql> {} }", ("http://localhost",))
    dns = fake_dns({"rebind.example": [PUBLIC, "127.0.0.1"]})
    message = refused(
        "ASK { SERVICE <https://rebind.example/sparql> {} }", ("https://rebind.example/",), dns
    )
    assert "loopback" in message and "127.0.0.1" in message


def test_an_allow_listed_public_target_passes_only_if_every_address_is_public() -> None:
    text = "ASK { SERVICE <https://data.example/sparql> { ?s ?p ?o } }"
    allow = ("https://data.example/",)
    check(inspect(text), allow, fake_dns({"data.example": [PUBLIC, "2606:2800:220:1::1"]}))
    refused(text, allow, fake_dns({"data.example": [PUBLIC, "fd12::1"]}))
    refused(text, allow, fake_dns({}))  # does not resolve


def test_prefixed_name_targets_are_checked_after_resolution() -> None:
    refused(
        "PREFIX x: <http://127.0.0.1:9999/> ASK { SERVICE x:sparql {} }",
        allow=("http://127.0.0.1:9999/",),
    )


@pytest.mark.parametrize(
    "url",
    ["ftp://data.example/x", "file:///etc/passwd", "gopher://data.example/", "urn:x:y"],
)
def test_non_http_schemes_are_refused(url: str) -> None:
    message = refused(f"ASK {{ SERVICE <{url}> {{}} }}", allow=(url,), resolver=fake_dns({}))
    assert "http" in message


@pytest.mark.parametrize(
    "url",
    [
        "http://user@data.example/sparql",
        "http://data.example\\@127.0.0.1/",
        "http://%31%32%37.0.0.1/",
        "http://data.example:99999999/",
    ],
)
def test_unusual_authorities_are_refused(url: str) -> None:
    with pytest.raises(ForbiddenOperation):
        check_url(url, (url,), fake_dns({"data.example": [PUBLIC]}))


def test_load_of_files_is_always_refused_and_network_loads_follow_service_rules() -> None:
    message = refused("LOAD <file:///etc/passwd>", allow=("file:",), kind="update")
    assert "local files" in message
    refused("LOAD <http://192.168.0.2/data.ttl>", allow=("http://",), kind="update")
    refused("LOAD <https://data.example/x.ttl>", kind="update")
    check(
        inspect("LOAD <https://data.example/x.ttl>", "update"),
        ("https://data.example/",),
        fake_dns({"data.example": [PUBLIC]}),
    )


def test_service_inside_an_update_is_guarded() -> None:
    refused(
        "INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1/> { ?s ?p ?o } }",
        allow=("http://127.0.0.1/",),
        kind="update",
    )


def test_classification_of_addresses() -> None:
    assert non_public("8.8.8.8") is None
    assert non_public("2001:4860:4860::8888") is None
    assert non_public("::ffff:127.0.0.1") == "loopback"
    assert non_public("2002:7f00:1::") == "loopback"  # 6to4 wrapping 127.0.0.1
    assert non_public("169.254.169.254") == "link-local"


def test_system_resolver_resolves_localhost_to_loopback_only() -> None:
    addresses = system_resolver("localhost", 80)
    assert addresses and all(non_public(a) == "loopback" for a in addresses)


@pytest.mark.parametrize(
    ("url", "prefix", "under"),
    [
        ("https://a.example/sparql", "https://a.example", True),
        ("https://a.example/sparql", "https://a.example/", True),
        ("https://A.Example/sparql", "https://a.example/", True),
        ("https://a.example.evil.example/sparql", "https://a.example", False),
        ("https://a.example:8443/sparql", "https://a.example/", False),
        ("http://a.example/sparql", "https://a.example/", False),
        ("https://a.example/sparql", "https://a.example/sparql", True),
        ("https://a.example/sparql/v2", "https://a.example/sparql", True),
        ("https://a.example/sparqlx", "https://a.example/sparql", False),
        ("https://a.example/other", "https://a.example/sparql/", False),
    ],
)
def test_allow_list_prefixes_compare_scheme_host_and_path(
    url: str, prefix: str, under: bool
) -> None:
    assert is_under(url, prefix) is under


def test_a_host_extending_an_allowed_host_is_refused() -> None:
    refused(
        "ASK { SERVICE <https://a.example.evil.example/sparql> {} }",
        allow=("https://a.example",),
        resolver=fake_dns({"a.example.evil.example": [PUBLIC]}),
    )
