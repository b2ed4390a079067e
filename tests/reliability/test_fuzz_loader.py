"""Bad input to `museum-kg load`: randomly mutated Turtle and TriG files.

Each trial loads a mutated copy of a valid file into a store that already serves a
snapshot. A refused file must give exit status 1 with a message (no traceback), leave
`CURRENT`, the served quads and the change log exactly as they were, and leave no staging
folder behind; an accepted one must be served and queryable. Either way the next load of
the original file succeeds.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pyoxigraph as ox
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_helpers import FULL, marks, scale

from museum_kg.cli import main
from museum_kg.paths import DATA_DIR
from museum_kg.store.snapshots import SnapshotStore

pytestmark = marks()

TESTS = Path(__file__).resolve().parent.parent
TURTLE = TESTS / "loader" / "fixtures" / "museums.ttl"
TRIG = DATA_DIR / "guangdong-museum.trig"
INSERTS = [b"<", b">", b'"', b'"""', b"@prefix", b"@base <../>", b"\xff", b"\xc3", b"\x00",
           b" . ", b" ; ", b"_:x", b"{", b"}", b"GRAPH", b"<file:///etc/passwd>", b"^^",
           b"@en-", b"\\u0000", b"\\U0010FFFF", b"1e99999", b"#", b"\r", b"\xef\xbb\xbf",
           b"<https://w3id.org/museum-kg/id/org/x y>", b'"x"^^<http://www.w3.org/2001/XMLSchema#gYear>']  # fmt: skip  # noqa: E501


@st.composite
def mutated(draw, original: bytes) -> bytes:
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["flip", "cut", "insert", "dup", "truncate"]))
        if op == "flip" and i < len(data):
            data[i] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[i : i + draw(st.integers(1, 200))]
        elif op == "insert":
            data[i:i] = draw(st.sampled_from(INSERTS))
        elif op == "dup":
            j = min(len(data), i + draw(st.integers(1, 400)))
            data[j:j] = data[i:j]
        elif op == "truncate":
            del data[i:]
    return bytes(data)


def served(store: Path) -> tuple[bytes, list[str]]:
    """CURRENT's content and the served snapshot's sorted quads."""
    snapshot = SnapshotStore(store).current()
    assert snapshot is not None
    db = ox.Store.read_only(str(snapshot.path))
    try:
        quads = sorted(str(q) for q in db)
        count = db.query("SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")
        assert int(next(iter(count))["n"].value) == len(quads)  # queries still answer
    finally:
        del db
    return (store / "CURRENT").read_bytes(), quads


def changes(store: Path) -> int:
    from museum_kg.loader import ChangeLog

    return len(ChangeLog(store / "changelog.sqlite").changes())


def staged(store: Path) -> list[Path]:
    staging = store / "staging"
    return list(staging.iterdir()) if staging.is_dir() else []


def load_args(path: Path, store: Path) -> list[str]:
    return ["load", str(path), "--store", str(store), "--mode", "replace"]


def fuzz_loads(store: Path, original: Path, examples: int, area: str, figures, tmp: Path):
    runner = CliRunner()
    source = original.read_bytes()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=not FULL,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=mutated(source), packed=st.sampled_from(["plain", "plain", "gzip", "badgzip"]))
    def trial(data, packed):
        path = tmp / original.name
        if packed == "gzip":
            path = path.with_name(path.name + ".gz")
            data = gzip.compress(data)
        elif packed == "badgzip":
            path = path.with_name(path.name + ".gz")
            data = gzip.compress(data)[: max(10, len(data) // 3)]
        path.write_bytes(data)
        before, log_before = served(store), changes(store)
        result = runner.invoke(main, load_args(path, store))
        path.unlink()
        if result.exit_code == 0:
            figures.add(area, inputs=1, loaded=1)
            if "no change" in result.output:  # the graph already held exactly this data
                assert served(store) == before
            else:
                assert served(store)[0] != before[0]  # a new snapshot is served
        else:
            figures.add(area, inputs=1, refused=1)
            assert result.exit_code == 1, result.output
            assert isinstance(result.exception, SystemExit), repr(result.exception)
            assert result.output.startswith("Error: "), result.output
            assert "Traceback" not in result.output
            assert served(store) == before, "a refused load changed the served quads"
            assert changes(store) == log_before
        assert not staged(store), "a load left a half-built snapshot behind"

    trial()
    # the original file still loads, and is served
    result = runner.invoke(main, load_args(original, store))
    assert result.exit_code == 0, result.output


def test_mutated_turtle_files_are_loaded_whole_or_refused_with_nothing_changed(tmp_path, figures):
    store = tmp_path / "store"
    result = CliRunner().invoke(main, ["load", str(TURTLE), "--store", str(store)])
    assert result.exit_code == 0, result.output
    fuzz_loads(store, TURTLE, scale(6, 300), "fuzz loader (Turtle)", figures, tmp_path)


def test_mutated_trig_files_are_loaded_whole_or_refused_with_nothing_changed(
    loaded_store, tmp_path, figures
):
    store = tmp_path / "store"
    shutil.copytree(loaded_store, store)
    fuzz_loads(store, TRIG, scale(3, 150), "fuzz loader (TriG)", figures, tmp_path)


def test_damaged_gzip_inputs_are_refused_with_a_message(loaded_store, tmp_path, figures):
    store = tmp_path / "store"
    shutil.copytree(loaded_store, store)
    before = served(store)
    for original in (TURTLE, TRIG):
        packed = gzip.compress(original.read_bytes())
        for data in (
            packed[: len(packed) // 3],  # truncated
            packed[:10] + bytes(range(256)) * 4,  # a gzip header, then garbage
            original.read_bytes(),  # not gzip at all
        ):
            path = tmp_path / (original.name + ".gz")
            path.write_bytes(data)
            result = CliRunner().invoke(main, load_args(path, store))
            figures.add("fuzz loader (damaged gzip)", inputs=1, refused=int(result.exit_code == 1))
            assert result.exit_code == 1, result.output
            assert isinstance(result.exception, SystemExit), repr(result.exception)
            assert result.output.startswith(f"Error: {path}"), result.output
            assert served(store) == before
            assert not staged(store)
