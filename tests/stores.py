"""Test stores built with the real snapshot API (a helper module, importable by name)."""

from __future__ import annotations

from pathlib import Path

ENDPOINT_TEST_DATA = Path(__file__).parent / "endpoint" / "data"


def build_test_store(folder: Path, files: list[Path] | None = None) -> Path:
    """A store folder with one published snapshot of `files` (default: the small test data)."""
    import pyoxigraph as ox

    from museum_kg.store.snapshots import SnapshotStore

    builder = SnapshotStore(folder).begin()
    for path in files or sorted(ENDPOINT_TEST_DATA.glob("*.trig")):
        builder.store.load(path=str(path), format=ox.RdfFormat.from_extension(path.suffix[1:]))
    builder.publish()
    return folder
