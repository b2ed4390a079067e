"""Helpers of the feed tests: loads, a real server, an LDES replay, the ldes-client command.

The fixtures that use them are in `conftest.py`.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
from live import LiveServer
from lxml import etree
from node_tools import NpmPackage, npm_command_or_reason

from museum_kg.settings import Settings

DATA = Path(__file__).parent / "data"
SCHEMAS = Path(__file__).parent / "schemas"
OAI_NS = {"oai": "http://www.openarchives.org/OAI/2.0/"}
ENTITY = "https://w3id.org/museum-kg/id/"
MILL, TRAM, SALT = (ENTITY + "org/" + n for n in ("mill-museum", "tram-museum", "salt-museum"))
LDES_CLIENT = NpmPackage("ldes-client", "0.3.0", "ldes-client")


def load(store: Path, name: str) -> None:
    from museum_kg.loader import load as run_load

    # The data describe the Lighthouse Museum's address as a blank node, which the shapes
    # refuse (addresses are IRIs); the feeds must still carry blank-node descriptions of data
    # loaded without validation, so these loads skip it.
    run_load([DATA / name], Settings(store=store), validate=False)


def wait_past(moment: datetime) -> None:
    """Sleep until the wall clock is in a later second than `moment` (datestamps are seconds)."""
    target = moment.replace(microsecond=0).timestamp() + 1
    while time.time() < target:
        time.sleep(target - time.time() + 0.01)


def start_server(store: Path, **settings: Any) -> LiveServer:
    values = {"store": store, "host": "127.0.0.1", "port": 0, "workers": 1, "threads": 8}
    return LiveServer(Settings.load(env={}, **(values | settings)))


def response_date(url: str) -> str:
    """The responseDate of an Identify request: where the next incremental harvest starts."""
    xml = etree.fromstring(requests.get(url + "oai", params={"verb": "Identify"}).content)
    return xml.findtext("oai:responseDate", namespaces=OAI_NS)


# --- LDES replay (a minimal client: follow every relation, collect every member) ----------


def fetch_rdf(url: str, accept: str = "text/turtle"):
    from rdflib import Graph

    response = requests.get(url, headers={"Accept": accept})
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    graph = Graph()
    graph.parse(data=response.content, format="json-ld" if "json" in accept else "turtle")
    return graph, response


@dataclass
class Replay:
    members: dict[str, Any]  # version IRI -> rdflib Graph of the member's statements
    pages: dict[str, requests.Response] = field(default_factory=dict)


def replay(url: str) -> Replay:
    """Every member reachable from the stream, with each page's response."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import Namespace

    tree = Namespace("https://w3id.org/tree#")
    stream = URIRef(url + "feeds/ldes")
    graph, _ = fetch_rdf(str(stream))
    todo = [str(o) for o in graph.objects(stream, tree.view)]
    found = Replay({})
    seen: set[str] = set()
    while todo:
        page = todo.pop()
        if page in seen:
            continue
        seen.add(page)
        g, response = fetch_rdf(page)
        found.pages[page] = response
        for member in g.objects(stream, tree.member):
            sub = Graph()
            for triple in g.triples((member, None, None)):
                sub.add(triple)
            found.members[str(member)] = sub
        for relation in g.objects(URIRef(page), tree.relation):
            todo.extend(str(n) for n in g.objects(relation, tree.node))
    return found


# --- the ldes-client command (npm package `ldes-client`) -----------------------------------


def ldes_client_or_reason() -> tuple[Path | None, str]:
    """The installed `ldes-client` command, installing it with npm when needed."""
    return npm_command_or_reason(LDES_CLIENT)


def run_ldes_client(client: Path, url: str, *args: str) -> str:
    """The members the command prints (N-Triples-like lines), for one run to the end."""
    done = subprocess.run(
        ["node", str(client), url + "feeds/ldes", "--ordered", "ascending", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout
