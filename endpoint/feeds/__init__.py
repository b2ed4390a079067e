"""Feeds for harvesters that re-harvest: a Linked Data Event Stream and OAI-PMH 2.0.

`bp` is the one blueprint the app registers; it nests `ldes` (`/feeds/ldes...`)
and `oai` (`/oai`). Both read the versions the loader records with its change
log, each with the statements of its load (`versions`); they never write.
docs/feeds.md describes the behaviour.
"""

from __future__ import annotations

from flask import Blueprint
from museum_kg.endpoint.feeds.ldes import bp as ldes_bp
from museum_kg.endpoint.feeds.oai import bp as oai_bp

bp = Blueprint("feeds", __name__)
for child in (ldes_bp, oai_bp):
    bp.register_blueprint(child)

__all__ = ["bp"]
