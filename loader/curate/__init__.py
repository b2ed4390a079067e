"""museum_kg.loader.curate: tools for curators, from a new document to checked data files.

`add_source()` records a document and its passages (`museum-kg source add`),
`match_entities()` / `duplicates()` find the graph's entities in a text and likely
duplicates (`museum-kg source entities`, `museum-kg check --duplicates`), `build_facts()`
turns the curator's CSV files into RDF (`museum-kg source facts`) and `check()` reports
what would keep data from being loaded (`museum-kg check`, also run by `museum-kg load`).
The data files they write are loaded by `museum_kg.loader.load()` like any other.
"""

from __future__ import annotations

from museum_kg import lazy

_EXPORTS = {
    "add_source": "museum_kg.loader.curate.register",
    "SourceReport": "museum_kg.loader.curate.register",
    "cut": "museum_kg.loader.curate.passages",
    "Passage": "museum_kg.loader.curate.passages",
    "entities_in": "museum_kg.loader.curate.entities",
    "match_entities": "museum_kg.loader.curate.entities",
    "duplicates": "museum_kg.loader.curate.entities",
    "build_facts": "museum_kg.loader.curate.tables",
    "check": "museum_kg.loader.curate.check",
    "CheckReport": "museum_kg.loader.curate.check",
}
__all__ = sorted(_EXPORTS)


__getattr__ = lazy.exports(__name__, _EXPORTS)
