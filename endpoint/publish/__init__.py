"""Publishing for harvesters: dereferenceable IRIs, the dataset description, dumps, sitemap.

`bp` is the one blueprint the app registers; it nests the blueprints of
`museum_kg.endpoint.pages` (entity pages, ontology documentation),
`dataset` (`/dataset`, `/.well-known/void`), `dumps` (`/dumps/`, `/graph/...`)
and `sitemap` (`/sitemap.xml`). docs/publishing.md describes the behaviour.
"""

from __future__ import annotations

from flask import Blueprint
from museum_kg.endpoint.pages import bp as pages_bp
from museum_kg.endpoint.publish.dataset import bp as dataset_bp
from museum_kg.endpoint.publish.dumps import bp as dumps_bp
from museum_kg.endpoint.publish.sitemap import bp as sitemap_bp

bp = Blueprint("publish", __name__)
for child in (pages_bp, dataset_bp, dumps_bp, sitemap_bp):
    bp.register_blueprint(child)

__all__ = ["bp"]
