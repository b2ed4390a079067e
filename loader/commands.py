"""`museum-kg load` and `museum-kg generate` (registered in `museum_kg.cli.COMMANDS`)."""

from __future__ import annotations

from pathlib import Path

import click

from museum_kg.settings import Settings


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--store",
    type=click.Path(path_type=Path),
    default=None,
    help="Store folder (setting `store`, env MUSEUM_KG_STORE).",
)
@click.option(
    "--mode",
    type=click.Choice(["rebuild", "replace", "add"]),
    default=None,
    help="rebuild: only the given data; replace: current store with the input's graphs "
    "replaced; add: current store plus the input. Default: rebuild without PATHS "
    "(the bundled graph), replace with PATHS.",
)
@click.option(
    "--no-validate",
    is_flag=True,
    help="Skip SHACL validation (for trusted bulk data; prints a warning).",
)
@click.option("--keep-snapshots", type=int, default=None, help="How many snapshots to keep.")
@click.option(
    "--backend",
    metavar="URL",
    default=None,
    help="Also push the graphs to this remote SPARQL engine (setting `backend`; "
    "see docs/scaling.md). The change log stays in --store, or in `changelog_url`.",
)
def load(paths, store, mode, no_validate, keep_snapshots, backend) -> None:
    """Validate RDF files (default: the bundled graph) and serve them as a new snapshot.

    PATHS are files or folders of Turtle, TriG, N-Triples, N-Quads, JSON-LD or
    RDF/XML, optionally gzipped. Unless --no-validate, `museum-kg check` runs first (against
    the served snapshot). On any error nothing changes.
    """
    from museum_kg.loader.loading import load as run_load
    from museum_kg.loader.progress import Reporter

    settings = Settings.load(store=store, keep_snapshots=keep_snapshots, backend=backend)
    if not no_validate:  # the curators' check first: problems per file and row
        from museum_kg.loader.curate.check import check_for_load

        from museum_kg.errors import problem_lines

        checked = check_for_load(list(paths), settings, mode)
        checked.raise_for_errors()
        if checked.shapes_skipped:
            click.echo(f"check: the shapes of {checked.shapes_skipped:,} nodes are left to the "
                       "load's validation", err=True)  # fmt: skip
        if checked.warnings:
            click.echo(f"check: {len(checked.warnings)} warning(s) (museum-kg check shows "
                       "them):", err=True)  # fmt: skip
            for line in problem_lines(checked.warnings, limit=10):
                click.echo(line, err=True)
    pushed: list = []
    push = marker = None
    if settings.backend:
        from museum_kg.store.remote.push import check_engine, engine_marker, push_snapshot

        def marker() -> str | None:
            return engine_marker(settings)

        check_engine(settings)  # fail before the local work when the engine is not there

        def push(ox_store, snapshot_id, graphs) -> None:
            pushed.append(push_snapshot(settings, ox_store, snapshot_id, graphs))

    reporter = Reporter()
    report = run_load(
        list(paths) or None,
        settings,
        mode=mode,
        validate=not no_validate,
        reporter=reporter,
        push=push,
        marker=marker,
    )
    if not reporter.enabled:  # on a terminal the reporter printed them as they came
        for warning in report.warnings:
            click.echo(warning, err=True)
    click.echo(report.summary())
    for done in pushed:
        click.echo(done.summary())


@click.command()
@click.option(
    "--entities", type=click.IntRange(min=1), required=True, help="About how many entities."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.argument("out", type=click.Path(path_type=Path))
def generate(entities, seed, out) -> None:
    """Write a synthetic data set in the museum-kg ontology to OUT (.nt or .nt.gz).

    Deterministic for a given --entities and --seed; about 6.6 triples per entity
    (--entities 151000 gives ~1M triples).
    """
    from museum_kg.loader.synthetic import generate as run_generate

    stats = run_generate(out, entities, seed)
    click.echo(f"{out}: {stats.entities:,} entities, {stats.triples:,} triples")


@click.command()
@click.argument("update", required=False)
@click.option(
    "--file",
    "-f",
    "file",
    type=click.File("r", encoding="utf-8"),
    help="Read the SPARQL Update from this file (- for standard input).",
)
@click.option(
    "--store",
    type=click.Path(path_type=Path),
    default=None,
    help="Store folder (setting `store`, env MUSEUM_KG_STORE).",
)
@click.option("--backend", metavar="URL", default=None, help="A remote SPARQL engine instead.")
@click.option("--timeout", type=float, default=None, help="Deadline of the write, in seconds.")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def update(update, file, store, backend, timeout, fmt) -> None:
    """Apply a SPARQL UPDATE through the write path (validated, derived, logged).

    The same function as an update sent to /sparql: on a shape violation or any other
    error nothing changes and the command exits with status 1. An update without GRAPH
    writes to the store's default graph, as SPARQL 1.1 says.
    """
    import json

    from museum_kg.errors import MuseumKGError, RequestError
    from museum_kg.sparql.prefixes import moved_back, with_prefixes
    from museum_kg.store.backends import open_backend

    if (update is None) == (file is None):
        raise click.UsageError("give the update as an argument or with --file, not both")
    text = update if file is None else file.read()
    if not text.strip():
        raise RequestError("the update is empty; give at least one operation")
    settings = Settings.load(store=store, backend=backend)
    text, added = with_prefixes(text, "update", settings.base_iri)  # as /sparql reads it
    backend_ = open_backend(settings)
    try:
        report = backend_.update(text, timeout or settings.timeout)
    except MuseumKGError as exc:
        moved_back(exc, added)  # positions as written
        raise
    finally:
        backend_.close()
    if fmt == "json":
        click.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=1))
    else:
        click.echo(report.summary())


@click.group()
def changelog() -> None:
    """The change log (feeds, entity histories): see docs/scaling.md."""


@changelog.command("copy")
@click.option(
    "--store",
    type=click.Path(path_type=Path),
    default=None,
    help="Store folder whose changelog.sqlite is copied (setting `store`).",
)
@click.option(
    "--to",
    "url",
    metavar="URL",
    default=None,
    help="The PostgreSQL database (default: setting `changelog_url`, MUSEUM_KG_CHANGELOG_URL).",
)
def copy(store, url) -> None:
    """Copy the store's change log into an empty PostgreSQL change log (ids and times kept),
    so instances sharing it keep the history the feeds publish."""
    from museum_kg.loader.changelog_copy import copy_changelog

    settings = Settings.load(store=store)
    url = url or settings.changelog_url
    if not url:
        raise click.UsageError("name the database with --to or MUSEUM_KG_CHANGELOG_URL")
    click.echo(copy_changelog(Path(settings.store), url).summary())
