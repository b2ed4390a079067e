"""`museum-kg serve`: the app behind waitress, a production WSGI server.

waitress reads each request completely (into memory or a temporary file)
before a thread runs the app, so a client that trickles its bytes ties up no
worker thread. The server binds 127.0.0.1 unless told otherwise, loads the
bundled graph first when the store is empty, prints its URL, and on SIGTERM
or SIGINT stops accepting, then stops the query worker processes.
"""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask

from museum_kg import memory
from museum_kg.settings import PLACEHOLDER_EMAIL, Settings, env_var

SERVER_IDENT = "museum-kg"
# Bytes of a response waitress holds for a slow reader before the thread producing it
# waits (its default, 16 MiB, held up to 16 MiB per concurrent large answer; streamed
# results are read from the worker's spool at the pace of the client instead).
OUTBUF_HIGH_WATERMARK = 1 << 20
# How long a thread may hold the interpreter while others wait (Python's default: 5 ms).
# With point queries evaluated on the HTTP threads, 5 ms queued every thread woken by a
# socket or a worker's reply behind them: lookups in the query mix took 3x longer
# (docs/performance.md, "The request path").
SWITCH_INTERVAL_S = 0.0005


def make_server(app: Flask, settings: Settings, port: int | None = None) -> Any:
    """A waitress server for `app` (not yet running); `port=0` picks a free port."""
    from waitress.server import create_server

    return create_server(
        app,
        host=settings.host,
        port=settings.port if port is None else port,
        threads=settings.threads,
        ident=SERVER_IDENT,
        # a backstop; the app refuses bodies over `max_request_bytes` with its JSON 413
        max_request_body_size=settings.max_request_bytes + 65536,
        max_request_header_size=65536,
        channel_timeout=60,
        outbuf_high_watermark=OUTBUF_HIGH_WATERMARK,
        connection_limit=200,
        clear_untrusted_proxy_headers=True,
        expose_tracebacks=False,
        # poll(), not select(): select() cannot watch a socket numbered 1024 or above, and a
        # server holding store files and many connections gets there (it then stops answering)
        asyncore_use_poll=True,
    )


def ensure_loaded(settings: Settings) -> bool:
    """Load the bundled graph when the store has no snapshot yet; True when it did."""
    from museum_kg.store.snapshots import SnapshotStore

    if SnapshotStore(settings.store, keep=settings.keep_snapshots).current() is not None:
        return False
    from museum_kg import loader

    loader.load(settings=settings)  # the bundled graph (ontology, vocabularies, data)
    return True


@click.command()
@click.option("--store", type=click.Path(file_okay=False), help="Store folder to serve.")
@click.option(
    "--backend",
    metavar="URL",
    help="Serve a remote SPARQL engine's query URL instead of the store (docs/scaling.md).",
)
@click.option("--host", help="Address to bind (default 127.0.0.1).")
@click.option("--port", type=int, help="TCP port (default 8000; 0 picks a free one).")
@click.option(
    "--workers", type=int, help="Most query workers (default: 2 per CPU plus 1, 4 to 32)."
)
@click.option("--threads", type=int, help="HTTP threads of the WSGI server.")
@click.option("--timeout", type=float, help="Query deadline in seconds.")
@click.option("--update-token", help="Bearer token enabling SPARQL Update and writes.")
@click.option("--max-rows", type=int, help="Cap on result rows.")
@click.option(
    "--source-documents",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the source documents, to quote passages on pages.",
)
@click.option(
    "--service-allow",
    multiple=True,
    metavar="PREFIX",
    help="Endpoint IRI prefix SERVICE may call (repeatable).",
)
def serve(**flags: Any) -> None:
    """Serve the SPARQL endpoint, query page and data over HTTP."""
    from museum_kg.endpoint.app import close_app, create_app

    from museum_kg.store.remote.exchange import where

    flags["service_allow"] = tuple(flags["service_allow"]) or None
    settings = Settings.load(**{k: v for k, v in flags.items() if v is not None})
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if settings.backend is None and ensure_loaded(settings):
        click.echo(f"loaded the bundled knowledge graph into {settings.store}")
    if settings.contact_email == PLACEHOLDER_EMAIL:
        click.echo(
            "note: the dataset description and OAI-PMH name no real contact; set "
            f"{env_var('contact_email')} (and {env_var('publisher_name')}) before publishing",
            err=True,
        )
    app = create_app(settings)
    server = make_server(app, settings)
    # waitress threads stream results in 64 KiB pieces: share two heaps and give back
    # what a burst of large answers freed (museum_kg.memory)
    memory.limit_arenas(2)
    trimmer = memory.Trimmer().start()
    # point queries run on waitress's threads (museum_kg/store/point.py): hand the
    # interpreter over more often, so that threads waking from I/O do not wait 5 ms behind them
    sys.setswitchinterval(SWITCH_INTERVAL_S)

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    host = settings.host if ":" not in settings.host else f"[{settings.host}]"
    served = settings.store if settings.backend is None else where(settings.backend)
    click.echo(f"museum-kg serving {served} at http://{host}:{server.effective_port}/")
    sys.stdout.flush()
    try:
        server.run()
    except SystemExit:
        pass
    finally:
        trimmer.stop()
        server.close()
        close_app(app)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        click.echo("museum-kg stopped")
