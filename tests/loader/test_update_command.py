"""`museum-kg update`: the write path from the command line, with the same outcomes as HTTP;
and a write killed at any moment leaves the store and the change log in agreement."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from museum_kg.loader import ChangeLog
from writes import PREFIXES, insert_museum

from museum_kg.cli import main
from museum_kg.store.snapshots import SnapshotStore

BASE = "https://w3id.org/museum-kg/"
CLI = Path(sys.executable).parent / "museum-kg"


@pytest.fixture
def store(bundled_copy: Path) -> Path:
    return bundled_copy


def test_update_prints_what_changed_as_json(store: Path) -> None:
    museum = BASE + "id/org/cli-museum"
    text = insert_museum(museum, BASE + "graph/cli")
    result = CliRunner().invoke(main, ["update", text, "--store", str(store), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["changed"] and museum in report["entities"]["created"]


def test_update_refused_by_the_shapes_exits_1_with_a_grouped_report(store: Path) -> None:
    bad = f"{PREFIXES}INSERT DATA {{ <{BASE}id/org/beijing-auto-museum> rdfs:label 42 }}"
    before = SnapshotStore(store).current_id()
    result = CliRunner().invoke(main, ["update", bad, "--store", str(store)])
    assert result.exit_code == 1
    assert "SHACL violation" in result.output and "rdfs:label" in result.output
    assert SnapshotStore(store).current_id() == before


def test_update_with_a_syntax_error_names_the_line_and_exits_1(store: Path) -> None:
    result = CliRunner().invoke(
        main, ["update", "INSERT DATA {\n <urn:a> }", "--store", str(store)]
    )
    assert result.exit_code == 1 and "line 2" in result.output
    assert "Traceback" not in result.output


def test_update_reads_the_predeclared_prefixes_and_keeps_error_positions(store: Path) -> None:
    text = f"INSERT DATA {{ GRAPH <{BASE}graph/cli> {{ <urn:x> rdfs:label 'X'@en }} }}"
    result = CliRunner().invoke(main, ["update", text, "--store", str(store)])
    assert result.exit_code == 0, result.output
    broken = "INSERT DATA {\n <urn:a> rdfs:label }"
    result = CliRunner().invoke(main, ["update", broken, "--store", str(store)])
    assert result.exit_code == 1 and "line 2" in result.output, result.output


def test_update_needs_exactly_one_source_of_text(store: Path) -> None:
    result = CliRunner().invoke(main, ["update", "--store", str(store)])
    assert result.exit_code == 2 and "--file" in result.output


@pytest.mark.reliability
def test_writes_killed_at_random_moments_leave_store_and_change_log_in_agreement(
    store: Path,
) -> None:
    """SIGKILL during a stream of updates: afterwards every entity the change log holds
    live has statements in the served snapshot, every deleted one has none, and the
    next write (which settles what the killed one left pending) succeeds."""
    script = (
        "import sys\n"
        "from museum_kg.loader.pipeline import Target, commit\n"
        "from museum_kg.store.changes import SparqlUpdate\n"
        "from pathlib import Path\n"
        "t = Target(Path(sys.argv[1]), 'https://w3id.org/museum-kg/')\n"
        "for i in range(10_000):\n"
        "    g = 'https://w3id.org/museum-kg/graph/crash'\n"
        "    s = f'https://w3id.org/museum-kg/id/thing/c{i % 7}'\n"
        "    op = 'INSERT' if i % 2 == 0 else 'DELETE'\n"
        "    commit(SparqlUpdate(f'{op} DATA {{ GRAPH <{g}> {{ <{s}> <urn:p> {i // 2} }} }}'), t)\n"
    )
    rng = random.Random(7)
    for _ in range(4):
        process = subprocess.Popen([sys.executable, "-c", script, str(store)])
        time.sleep(rng.uniform(1.5, 4.0))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        _check_agreement(store)
    after = f"INSERT DATA {{ <{BASE}id/thing/after> <urn:p> 1 }}"
    done = CliRunner().invoke(main, ["update", "--store", str(store), after])
    assert done.exit_code == 0, done.output
    assert not list((store / "staging").iterdir())
    _check_agreement(store)


def _check_agreement(store: Path) -> None:
    import pyoxigraph as ox

    snapshots = SnapshotStore(store)
    with ChangeLog(store / "changelog.sqlite") as log:
        log.recover(snapshots.current_id())
    served = ox.Store.read_only(str(snapshots.current().path))
    with sqlite3.connect(store / "changelog.sqlite") as db:
        rows = db.execute(
            "SELECT iri, hash IS NOT NULL FROM state WHERE iri LIKE ?", (BASE + "id/thing/%",)
        ).fetchall()
    for iri, live in rows:
        present = bool(list(served.quads_for_pattern(ox.NamedNode(iri), None, None, None)))
        assert present == bool(live), (iri, live)
    for q in served.quads_for_pattern(None, ox.NamedNode("urn:p"), None, None):
        assert (q.subject.value, 1) in rows
