"""Publishing for harvesters: dereferenceable IRIs, the dataset description, dumps, sitemap.

`bp` is the blueprint the app registers for this package; it nests the blueprints of
`dataset` (`/dataset`, `/.well-known/void`), `dumps` (`/dumps/`, `/graph/...`)
and `sitemap` (`/sitemap.xml`). The linked-data pages (`museum_kg.endpoint.pages`)
are a blueprint of their own, so either package imports without the other first.
docs/publishing.md describes the behaviour.
"""

from __future__ import annotations

from flask import Blueprint
from museum_kg.endpoint.publish.dataset import bp as dataset_bp
from museum_kg.endpoint.publish.dumps import bp as dumps_bp
from museum_kg.endpoint.publish.sitemap import bp as sitemap_bp

bp = Blueprint("publish", __name__)
for child in (dataset_bp, dumps_bp, sitemap_bp):
    bp.register_blueprint(child)

__all__ = ["bp"]
