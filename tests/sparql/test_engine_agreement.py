"""`inspect` sees every SERVICE and LOAD the engine would really fetch.

Each case is run twice: by the engine itself against a local listener (to prove the
text really makes it connect), and by `inspect` + the guard (which must find the target
and refuse it, even though the listener's address is allow-listed).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
from listener import Listener

from museum_kg.errors import ForbiddenOperation, QuerySyntaxError
from museum_kg.sparql import inspect
from museum_kg.sparql.guard import Permit, check

FETCHING_QUERIES = [
    "SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "select * {{ service <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * {{ SERVICE<{url}>{{ ?s ?p ?o }} }}",
    "SELECT * {{ SERVICE # comment\n <{url}> {{ ?s ?p ?o }} }}",
    "PREFIX e: <{url}> SELECT * {{ SERVICE e:x {{ ?s ?p ?o }} }}",
    "PREFIX e: <{url}> SELECT * {{ SERVICEe:x {{ ?s ?p ?o }} }}",
    "PREFIX e: <{url}> SELECT * {{ SERVICE SILENTe:x {{ ?s ?p ?o }} }}",
    "PREFIX : <{url}> SELECT * {{ SERVICE:x {{ ?s ?p ?o }} }}",
    "PREFIX e: <{url}> SELECT * {{ SERVICESILENTe:x {{ ?s ?p ?o }} }}",
    "SELECT * {{ SERVICESILENT<{url}> {{ ?s ?p ?o }} }}",
    "PREFIX e: <http://public.example/> PREFIXe:<{url}> SELECT * {{ SERVICE e:x {{ }} }}",
    "BASE <{url}> SELECT * {{ SERVICE <sparql> {{ ?s ?p ?o }} }}",
    "SELECT * {{ {{ SELECT * {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "SELECT * {{ OPTIONAL {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }} }}",
]
FETCHING_UPDATES = [
    "LOAD <{url}data.ttl>",
    "PREFIX e: <{url}> LOADe:x",
    "LOADSILENT<{url}a>",
    "LOAD SILENT<{url}a> INTO GRAPH <http://g/>",
    "INSERT {{ ?s ?p ?o }} WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
]
INERT_QUERIES = [
    'SELECT * {{ ?s ?p "SERVICE <{url}> {{ }}" }}',
    "SELECT * {{ ?s ?p ?o }} # SERVICE <{url}> {{ }}",
    "SELECT * {{ ?s ?p '''\nSERVICE <{url}> {{ }}''' }}",
]


@pytest.fixture
def listener() -> Iterator[Listener]:
    sock = Listener()
    yield sock
    sock.close()


def engine_connects(listener: Listener, text: str, kind: str) -> bool:
    return bool(engine_fetches(listener, text, kind))


def engine_fetches(listener: Listener, text: str, kind: str) -> list[str]:
    """The paths the engine requested from the listener while running `text`."""
    before = listener.connections
    store = ox.Store()
    try:
        if kind == "query":
            list(store.query(text))
        else:
            store.update(text)
    except (OSError, SyntaxError, RuntimeError, ValueError):
        pass
    # The listener counts a connection before closing it, and the engine only returns after
    # seeing it closed: no waiting is needed.
    return listener.paths[before:]


@pytest.mark.parametrize(
    ("template", "kind"),
    [(q, "query") for q in FETCHING_QUERIES] + [(u, "update") for u in FETCHING_UPDATES],
)
def test_every_text_the_engine_fetches_is_refused_by_the_guard(
    listener: Listener, template: str, kind: str
) -> None:
    text = template.format(url=listener.url)
    assert engine_connects(listener, text, kind), "the case no longer makes the engine fetch"
    info = inspect(text, kind)
    assert info.fetches, "inspect missed a target the engine fetches"
    with pytest.raises(ForbiddenOperation):
        check(info, (listener.url, "http://public.example/"))


@pytest.mark.parametrize("template", INERT_QUERIES)
def test_service_words_the_engine_ignores_are_ignored(listener: Listener, template: str) -> None:
    text = template.format(url=listener.url)
    assert not engine_connects(listener, text, "query")
    assert inspect(text).fetches == ()


def _random_text(rng: random.Random, url: str) -> tuple[str, str]:
    """A query or update mixing keyword case, glued words, comments and odd prologues."""

    def case(word: str) -> str:
        return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in word)

    def sep() -> str:
        return rng.choice(["", " ", "\n", "#c\n", "\t", " #x\n "])

    prologue = []
    for _ in range(rng.randint(0, 3)):
        name = rng.choice(["e", "", "ee", "SILENTe", "x"])
        iri = rng.choice([f"<{url}>", f"<{url}alt/>"])
        prologue.append(case("PREFIX") + rng.choice(["", " "]) + name + ":" + sep() + iri)
    if rng.random() < 0.3:
        prologue.append(case("BASE") + sep() + f"<{url}>")
    targets = [f"<{url}>", "e:x", "e:", ":x", "SILENTe:x", "?v", "<x>", "e:\\-x", "ee:x"]
    silent = case("SILENT") + sep() if rng.random() < 0.3 else ""
    target = rng.choice(targets)
    if rng.random() < 0.3:
        return " ".join(prologue) + " " + case("LOAD") + sep() + silent + target, "update"
    body = case("SERVICE") + sep() + silent + target + sep() + "{ ?s ?p ?o }"
    wrap = rng.choice(["{b}", "{{ {b} }}", "OPTIONAL {{ {b} }}", "{{ SELECT * {{ {b} }} }}"])
    return " ".join(prologue) + " SELECT * WHERE { " + wrap.format(b=body) + " }", "query"


def test_random_texts_fetch_only_what_the_guard_let_through(listener: Listener) -> None:
    """The listener stands in for a public endpoint; only its `/alt/` path is allowed."""
    rng = random.Random(20261122)
    allow = (listener.url + "alt/",)
    permit = Permit(frozenset({("127.0.0.1", listener.port)}))
    passed = refused = 0
    for _ in range(600):
        text, kind = _random_text(rng, listener.url)
        fetched = engine_fetches(listener, text, kind)
        if not fetched:
            continue
        try:
            check(inspect(text, kind), allow, None, permit)
        except (ForbiddenOperation, QuerySyntaxError):
            refused += 1
            continue
        passed += 1
        assert all(path.startswith("/alt/") for path in fetched), (text, fetched)
    assert passed > 10 and refused > 10  # the generator covers both outcomes
