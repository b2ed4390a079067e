"""Fixtures for the feed tests: a store loaded twice through the real loader, a real server.

`feeds` loads `data/first.trig`, starts a server over the store (small pages:
4 LDES members, 3 OAI-PMH records), harvests everything a harvester would
(OAI-PMH with sickle, the LDES pages, the ldes-client command when Node.js is
there) into `feeds.first`, then runs a second load (`data/second.trig`: the
Mill Museum renamed, the Tram Museum deleted, a Salt Museum created). Tests
read the first harvest from `feeds.first` and harvest again themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from feed_helpers import (
    ldes_client_or_reason,
    load,
    replay,
    response_date,
    run_ldes_client,
    start_server,
    wait_past,
)
from live import LiveServer

# --- the two loads and the first harvest ---------------------------------------------------


@dataclass
class Feeds:
    url: str
    store: Path
    server: LiveServer
    first: dict[str, Any]
    client: Path | None
    client_reason: str
    client_state: Path


def _first_harvest(url: str, client: Path | None, state: Path) -> dict[str, Any]:
    from sickle import Sickle

    first: dict[str, Any] = {"from": response_date(url)}
    sickle = Sickle(url + "oai", max_retries=0)
    first["oai_dc"] = list(sickle.ListRecords(metadataPrefix="oai_dc", ignore_deleted=False))
    first["rdf"] = list(sickle.ListRecords(metadataPrefix="rdf", ignore_deleted=False))
    first["headers"] = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False))
    first["ldes"] = replay(url)
    if client is not None:
        first["ldes_client"] = run_ldes_client(client, url, "--save", str(state))
    return first


@pytest.fixture(scope="session")
def feeds(tmp_path_factory) -> Iterator[Feeds]:
    store = tmp_path_factory.mktemp("feeds-store")
    load(store, "first.trig")
    loaded = datetime.now(UTC)
    server = start_server(store, feed_page_size=4, oai_page_size=3, oai_max_requests=2)
    client, reason = ldes_client_or_reason()
    state = tmp_path_factory.mktemp("ldes-client-state") / "state"
    try:
        wait_past(loaded)  # the first harvest starts in a later second than the first load
        first = _first_harvest(server.url, client, state)
        wait_past(datetime.now(UTC))  # and the second load happens in a later second still
        load(store, "second.trig")
        yield Feeds(server.url, store, server, first, client, reason, state)
    finally:
        server.close()
