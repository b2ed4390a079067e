"""museum_kg.endpoint: the Flask app (SPARQL 1.1 Protocol, saved queries, pages, feeds).

Public surface: `create_app(settings)` -> the WSGI app, `close_app(app)` (stops its
query workers), `make_server(app, settings)` (the waitress server `museum-kg serve`
runs); imported lazily, so importing a submodule does not build the app machinery.
Rule: may import `museum_kg.loader` and the root package; nothing imports it
except the CLI.
"""

from __future__ import annotations

from museum_kg import lazy

_EXPORTS = {
    "create_app": "museum_kg.endpoint.app",
    "close_app": "museum_kg.endpoint.app",
    "make_server": "museum_kg.endpoint.commands",
}
__all__ = sorted(_EXPORTS)


__getattr__ = lazy.exports(__name__, _EXPORTS)
