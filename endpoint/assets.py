"""Browser libraries (YASGUI, Chart.js, Cytoscape.js): where pages load them from.

The packages and their exact versions are pinned in `asset-packages.json`
(beside this module). Pages ask `asset_url(package, path)` (also a Jinja
global) and get `<base><package>@<version>/<path>`, where the base is:

- a CDN that serves npm packages by version, when `asset_base` is an http(s)
  URL such as `https://cdn.jsdelivr.net/npm/`;
- `/assets/`, served by this blueprint from a local folder holding the
  packages under `node_modules/`, when `asset_base` is a folder path;
- `auto` (the default): the local folder `.museum-kg/assets` when the pinned
  versions are installed there (`python3 tasks.py assets`), else the CDN.

Local files are served only for pinned packages at their pinned version, with
long-lived caching since their URLs carry the version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, abort, send_from_directory

from museum_kg.errors import ConfigError
from museum_kg.paths import DEFAULT_STATE_DIR
from museum_kg.settings import Settings

PINS_FILE = Path(__file__).with_name("asset-packages.json")
DEFAULT_CDN = "https://cdn.jsdelivr.net/npm/"
DEFAULT_LOCAL = DEFAULT_STATE_DIR / "assets"
LOCAL_PREFIX = "/assets/"

YASGUI = "@zazuko/yasgui"
YASGUI_JS = "build/yasgui.min.js"
YASGUI_CSS = "build/yasgui.min.css"
CHART_JS = "chart.js"
CHART_JS_FILE = "dist/chart.umd.min.js"
CYTOSCAPE = "cytoscape"
CYTOSCAPE_FILE = "dist/cytoscape.min.js"

bp = Blueprint("assets", __name__)


@lru_cache(maxsize=1)
def pinned() -> dict[str, str]:
    """Package name -> exact version, from `asset-packages.json`."""
    return dict(json.loads(PINS_FILE.read_text(encoding="utf-8"))["dependencies"])


@dataclass(frozen=True)
class AssetSource:
    """Where the pinned packages come from: a URL prefix, and a folder when local."""

    base: str
    folder: Path | None = None

    def url(self, package: str, path: str) -> str:
        return f"{self.base}{package}@{pinned()[package]}/{path}"

    @property
    def origin(self) -> str | None:
        """The origin to allow in the Content-Security-Policy (None when local)."""
        if self.folder is not None:
            return None
        parts = urlsplit(self.base)
        return f"{parts.scheme}://{parts.netloc}"


def installed(folder: Path) -> bool:
    """True when every pinned package is in `folder/node_modules` at its pinned version."""
    for package, version in pinned().items():
        manifest = folder / "node_modules" / package / "package.json"
        try:
            if json.loads(manifest.read_text(encoding="utf-8")).get("version") != version:
                return False
        except (OSError, ValueError):
            return False
    return True


@lru_cache(maxsize=8)
def resolve(asset_base: str) -> AssetSource:
    """The `AssetSource` for a value of the `asset_base` setting."""
    value = (asset_base or "auto").strip()
    if value == "auto":
        if installed(DEFAULT_LOCAL):
            return AssetSource(LOCAL_PREFIX, DEFAULT_LOCAL)
        return AssetSource(DEFAULT_CDN)
    if value.startswith(("https://", "http://")):
        return AssetSource(value if value.endswith("/") else value + "/")
    folder = Path(value).expanduser()
    if not installed(folder):
        raise ConfigError(
            "asset_base",
            value,
            "`auto`, a CDN URL such as " + DEFAULT_CDN + ", or a folder where "
            "`python3 tasks.py assets` installed the pinned packages",
        )
    return AssetSource(LOCAL_PREFIX, folder.resolve())


def source_for(settings: Settings) -> AssetSource:
    return resolve(settings.asset_base)


def html_csp(settings: Settings) -> str:
    """Content-Security-Policy of HTML pages: this server plus the asset origin."""
    extra = source_for(settings).origin
    allow = "'self'" + (f" {extra}" if extra else "")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {allow}",
            f"style-src {allow} 'unsafe-inline'",
            f"img-src {allow} data:",
            f"font-src {allow} data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


@bp.app_context_processor
def asset_helpers() -> dict:
    from museum_kg.endpoint.app import current_settings

    source = source_for(current_settings())
    return {
        "asset_url": source.url,
        "yasgui_js": source.url(YASGUI, YASGUI_JS),
        "yasgui_css": source.url(YASGUI, YASGUI_CSS),
        "chart_js": source.url(CHART_JS, CHART_JS_FILE),
        "cytoscape_js": source.url(CYTOSCAPE, CYTOSCAPE_FILE),
    }


@bp.get("/assets/<path:subpath>")
def serve(subpath: str):
    from museum_kg.endpoint.app import current_settings

    source = source_for(current_settings())
    if source.folder is None:
        abort(404)
    for package, version in pinned().items():
        prefix = f"{package}@{version}/"
        if subpath.startswith(prefix):
            root = source.folder / "node_modules" / package
            response = send_from_directory(root, subpath[len(prefix) :], max_age=31536000)
            response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
            return response
    abort(404)
