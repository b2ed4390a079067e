"""The `ldes-client` command (npm package, Node.js) replays the stream, then follows a load.

Skipped, with the reason, where Node.js or npm is absent or npm cannot install
the package (see `feed_helpers.ldes_client_or_reason`).
"""

from __future__ import annotations

import re

import pytest
from feed_helpers import MILL, SALT, TRAM, run_ldes_client

VERSION_OF = "<http://purl.org/dc/terms/isVersionOf>"
TIME = re.compile(r'<http://www\.w3\.org/ns/prov#generatedAtTime> "([^"]+)"')


def _members(output: str) -> dict[str, str]:
    """Member IRI -> the entity it versions, from the command's N-Triples output."""
    found = {}
    for line in output.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] == VERSION_OF:
            found[parts[0].strip("<>")] = parts[2].rstrip(" .").strip("<>")
    return found


@pytest.fixture(scope="module")
def client(feeds):
    if feeds.client is None:
        pytest.skip(feeds.client_reason)
    return feeds.client


def test_the_client_replays_every_member_of_the_first_load(feeds, client):
    members = _members(feeds.first["ldes_client"])
    assert len(members) == len(feeds.first["ldes"].members)
    assert set(members) == set(feeds.first["ldes"].members)


def test_resuming_from_saved_state_emits_only_the_new_versions_and_tombstones(feeds, client):
    output = run_ldes_client(client, feeds.url, "--save", str(feeds.client_state))
    members = _members(output)
    assert sorted(members.values()) == sorted([MILL, SALT, TRAM])
    tram = next(m for m, e in members.items() if e == TRAM)
    assert (
        f"<{tram}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://www.w3.org/ns/activitystreams#Delete> ." in output
    )
    assert f"<{tram}> <http://www.w3.org/2000/01/rdf-schema#label>" not in output


def test_after_the_last_seen_timestamp_only_the_changes_come(feeds, client):
    last = max(TIME.findall(feeds.first["ldes_client"]))
    members = _members(run_ldes_client(client, feeds.url, "--after", last))
    assert sorted(members.values()) == sorted([MILL, SALT, TRAM])


def test_a_fresh_replay_after_the_load_gets_every_version(feeds, client):
    members = _members(run_ldes_client(client, feeds.url))
    assert len(members) == len(feeds.first["ldes"].members) + 3
