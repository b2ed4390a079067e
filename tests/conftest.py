"""Fixtures shared by every test module, built from real constructors."""

from __future__ import annotations

from pathlib import Path

import pytest

from museum_kg.paths import DATA_DIR, ONTOLOGY_DIR, ROOT

SEEDS_DIR = ROOT.parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    if not SEEDS_DIR.is_dir():
        pytest.skip("the seed documents (../shared/seeds) are not beside this checkout")
    return SEEDS_DIR


@pytest.fixture(scope="session")
def kg_store():
    """An in-memory Oxigraph store with the bundled ontology and data (read only!)."""
    import pyoxigraph as ox

    from museum_kg.bundled import bundled_files, graph_for_file

    store = ox.Store()
    for path in bundled_files():
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
        if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
            store.load(path=str(path), format=fmt)
        else:
            store.load(path=str(path), format=fmt, to_graph=ox.NamedNode(graph_for_file(path)))
    return store


__all__ = ["DATA_DIR", "ONTOLOGY_DIR"]
