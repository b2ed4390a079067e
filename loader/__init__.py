"""museum_kg.loader: validate RDF and load it into Oxigraph store snapshots.

Public surface: `load()` -> `LoadReport`, `ChangeLog` / `open_changelog(settings)`
(read the change log of a store, SQLite or PostgreSQL), `generate()` (synthetic
data); imported lazily, so reading the change log does not pull in the loading
machinery. Rule: this package never imports
`museum_kg.endpoint` or Flask.
"""

from __future__ import annotations

from museum_kg import lazy

_EXPORTS = {
    "load": "museum_kg.loader.loading",
    "LoadReport": "museum_kg.loader.loading",
    "ChangeLog": "museum_kg.loader.changelog",
    "Change": "museum_kg.loader.changelog",
    "EntityState": "museum_kg.loader.changelog",
    "open_changelog": "museum_kg.loader.changelog",
    "generate": "museum_kg.loader.synthetic",
}
__all__ = sorted(_EXPORTS)


__getattr__ = lazy.exports(__name__, _EXPORTS)
