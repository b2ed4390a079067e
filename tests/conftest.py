"""Fixtures shared by every test module, built from real constructors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from museum_kg.paths import DATA_DIR, ONTOLOGY_DIR, ROOT

# the three source documents beside the checkout; MUSEUM_KG_TEST_SEEDS names another folder
SEEDS_DIR = Path(os.environ.get("MUSEUM_KG_TEST_SEEDS") or ROOT.parent / "shared" / "seeds")


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


# --- the endpoint over real HTTP ------------------------------------------------------

from live import LiveServer  # noqa: E402
from stores import build_test_store  # noqa: E402


@pytest.fixture(scope="session")
def server_factory(tmp_path_factory):
    """`start(files=None, **settings) -> LiveServer` over a fresh store of `files`.

    Use it for servers with special settings (an update token, small limits) or data
    that a test changes; every server started is closed at the end of the session.
    """
    from museum_kg.settings import Settings

    started: list[LiveServer] = []

    def start(files: list[Path] | None = None, **settings) -> LiveServer:
        store = settings.pop("store", None) or build_test_store(
            tmp_path_factory.mktemp("store"), files
        )
        defaults = {"store": store, "host": "127.0.0.1", "port": 0, "workers": 2, "threads": 8}
        server = LiveServer(Settings.load(env={}, **(defaults | settings)))
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()


@pytest.fixture(scope="session")
def live_server(server_factory) -> LiveServer:
    """One read-only server over the small test store (`tests/endpoint/data/`), for the
    session; default settings except `max_rows=1000`. Do not write to it."""
    return server_factory(max_rows=1000)


@pytest.fixture(scope="session")
def bundled_server(server_factory, tmp_path_factory) -> LiveServer:
    """A read-only server over the bundled knowledge graph, loaded by the loader (with its
    inferred graph) into a store of its own, for the session. Do not write to it."""
    from museum_kg import loader
    from museum_kg.settings import Settings

    store = tmp_path_factory.mktemp("bundled") / "store"
    loader.load(settings=Settings.load(env={}, store=store))
    return server_factory(store=store)


@pytest.fixture(scope="session")
def app(live_server):
    """The Flask app of `live_server` (same store and backend), for `app.test_client()`."""
    return live_server.app


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner():
    """A click runner for `museum_kg.cli.main` (`runner.invoke(main, [...])`)."""
    from click.testing import CliRunner

    return CliRunner()


# --- headless Chromium ----------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _no_browser(reason: str):
    import os

    if os.environ.get("MUSEUM_KG_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required (MUSEUM_KG_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium through playwright (skips when absent, unless
    MUSEUM_KG_REQUIRE_BROWSER=1). Open pages with `browser.new_page()`; close them."""
    if not CHROMIUM.exists():
        _no_browser("Debian's chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("the playwright Python package is not installed")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def offline_assets() -> Path:
    """The folder of locally installed browser libraries (`python3 tasks.py assets`)."""
    from museum_kg.endpoint.assets import DEFAULT_LOCAL, installed

    if not installed(DEFAULT_LOCAL):
        _no_browser("the query page's libraries are not installed: run `python3 tasks.py assets`")
    return DEFAULT_LOCAL


@pytest.fixture(scope="session")
def page_server(server_factory, offline_assets):
    """A server whose HTML pages load YASGUI and Chart.js from the local assets (offline)."""
    return server_factory(asset_base=str(offline_assets))


@pytest.fixture(scope="session")
def bundled_page_server(server_factory, offline_assets, tmp_path_factory):
    """The bundled graph (loaded by the loader, with its inferred graph) served with the
    local browser libraries: what a reader sees offline. Read only."""
    from museum_kg import loader
    from museum_kg.settings import Settings

    store = tmp_path_factory.mktemp("bundled-pages") / "store"
    loader.load(settings=Settings.load(env={}, store=store))
    return server_factory(store=store, asset_base=str(offline_assets))


SCREENSHOTS = __import__("museum_kg.paths").paths.DEFAULT_STATE_DIR / "screenshots"


@pytest.fixture(scope="session")
def screenshot():
    """`screenshot(page, name)`: a full-page PNG into `.museum-kg/screenshots/` (git-ignored),
    so a person can look at what the browser tests saw."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# --- PostgreSQL (the change log shared by instances, `changelog_url`) ------------------


@pytest.fixture(scope="session")
def postgres():
    """A disposable PostgreSQL server on loopback (tests/postgres.py); skips when Debian's
    PostgreSQL or psycopg is missing, unless MUSEUM_KG_REQUIRE_POSTGRES=1 (CI), which fails."""
    from postgres import PostgresServer

    reason = None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        reason = "psycopg is not installed (pip install -e '.[test]')"
    server = None
    if reason is None:
        try:
            server = PostgresServer.start()
        except RuntimeError as exc:
            reason = str(exc)
    if server is None:
        if os.environ.get("MUSEUM_KG_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL tests are required (MUSEUM_KG_REQUIRE_POSTGRES=1) but "
                        f"{reason}")  # fmt: skip
        pytest.skip(reason)
    yield server
    server.stop()


@pytest.fixture()
def changelog_url(postgres) -> str:
    """The URL of a new, empty PostgreSQL database for one test's change log."""
    return postgres.new_database()
