"""`museum-kg query ...`: list, show, run, lint and catalogue saved queries.

The commands call the same library as the HTTP API (`Runner`), on the embedded
store's backend (`--store`, default the `store` setting), closed afterwards.
This module never imports Flask.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click
from museum_kg.endpoint.saved.catalogue import (
    SavedQueries,
    catalogue_is_current,
    readme_intro,
    render_catalogue,
)
from museum_kg.endpoint.saved.lint import lint_files, page_example_problems
from museum_kg.endpoint.saved.runner import Runner
from museum_kg.endpoint.saved.table import render_table

from museum_kg.errors import SavedQueryError
from museum_kg.paths import QUERIES_DIR
from museum_kg.settings import Settings

FOLDER = click.option(
    "--queries",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=QUERIES_DIR,
    show_default=False,
    help="Folder of saved queries (default: the bundled queries/).",
)


@contextlib.contextmanager
def open_backend(store: str | None) -> Iterator[tuple[object, Settings]]:
    from museum_kg.store.backends import open_backend

    settings = Settings.load(store=store)
    backend = open_backend(settings)  # the remote engine when MUSEUM_KG_BACKEND is set
    try:
        yield backend, settings
    finally:
        backend.close()


@contextlib.contextmanager
def bundled_backend(workers: int = 1) -> Iterator[tuple[object, Settings]]:
    """A backend over a temporary store holding the bundled graph (for lint)."""
    from museum_kg.loader import load

    from museum_kg.store.embedded import EmbeddedBackend

    with tempfile.TemporaryDirectory(prefix="museum-kg-lint-") as folder:
        settings = Settings.load(env={}, store=folder, workers=workers)
        load(settings=settings, validate=False)
        backend = EmbeddedBackend(settings)
        try:
            yield backend, settings
        finally:
            backend.close()


@click.group()
def query() -> None:
    """Saved queries: list, show, run, lint, catalogue."""


@query.command("list")
@FOLDER
def list_(folder: Path) -> None:
    """List the saved queries (id, parameters, title)."""
    for saved in SavedQueries(folder):
        params = ",".join(saved.params) or "-"
        click.echo(f"{saved.id:34} {params:28} {saved.title}")


@query.command()
@click.argument("query_id")
@FOLDER
def show(query_id: str, folder: Path) -> None:
    """Show a saved query: what it asks, its parameters, columns and SPARQL."""
    saved = SavedQueries(folder).get(query_id)
    click.echo(f"{saved.id}: {saved.title}")
    if saved.summary:
        click.echo(saved.summary)
    click.echo("\nparameters:")
    for p in saved.params.values():
        extra = [
            x
            for x in (
                "required" if p.required else "",
                "multiple" if p.multiple else "",
                f"default {p.default}" if p.default is not None else "",
                f"one of {', '.join(p.enum)}" if p.enum else "",
                f"values from {p.enum_from}" if p.enum_from else "",
            )
            if x
        ]
        click.echo(
            f"  {p.name} ({p.type}{'; ' + '; '.join(extra) if extra else ''})"
            f"{': ' + p.description if p.description else ''}"
        )
    if not saved.params:
        click.echo("  none")
    click.echo("\nreturns:")
    for c in saved.returns.values():
        click.echo(
            f"  {c.name} ({c.type}{', ' + c.unit if c.unit else ''})"
            f"{': ' + c.description if c.description else ''}"
        )
    click.echo("\n" + saved.query.strip())


@query.command()
@click.argument("query_id")
@click.option(
    "-p",
    "--param",
    "params",
    nargs=2,
    multiple=True,
    metavar="NAME VALUE",
    help="A parameter value (repeat for several values or parameters).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "tsv", "json"]),
    default="table",
    show_default=True,
)
@click.option("--page", type=str, help="Page number, for paginated queries.")
@click.option("--store", type=click.Path(file_okay=False), help="Store folder to query.")
@FOLDER
def run(
    query_id: str,
    params: tuple[tuple[str, str], ...],
    fmt: str,
    page: str | None,
    store: str | None,
    folder: Path,
) -> None:
    """Run a saved query with typed parameters: -p NAME VALUE ..."""
    catalogue = SavedQueries(folder)
    saved = catalogue.get(query_id)
    raw: dict[str, list[str]] = {}
    for name, value in params:
        raw.setdefault(name, []).append(value)
    with open_backend(store) as (backend, settings):
        runner = Runner(backend, settings, catalogue)
        # a table shows one page; csv, tsv and json write every row unless --page is given
        every_row = fmt != "table" and page is None
        result = runner.run(
            saved, raw, "json" if fmt == "table" else fmt, page, every_row=every_row
        )
        if fmt == "table":
            click.echo(render_table(result.read(), saved), nl=False)
            if saved.pagination and runner.has_next_page(saved, raw, page or 1):
                click.echo(f"more rows: add --page {int(page or 1) + 1}", err=True)
            return
        out = click.get_binary_stream("stdout")
        for chunk in result.chunks:
            out.write(chunk)
        out.flush()
        if result.rows_capped:
            limit = min(x for x in (settings.max_rows, saved.max_rows) if x)
            how = (
                f"add --page N for pages of {saved.pagination} rows"
                if saved.pagination
                else "raise the setting max_rows (MUSEUM_KG_MAX_ROWS)"
            )
            click.echo(f"stopped after {limit} rows (the row limit); for the rest {how}", err=True)


@query.command()
@click.argument("ids", nargs=-1)
@click.option(
    "--store",
    type=click.Path(file_okay=False),
    help="Check examples against this store (default: a temporary store of the bundled graph).",
)
@click.option("--static", "static_only", is_flag=True, help="Skip running the examples.")
@FOLDER
def lint(ids: tuple[str, ...], store: str | None, static_only: bool, folder: Path) -> None:
    """Check saved queries (all, or the given ids); exit 1 on any problem."""
    every = sorted(folder.glob("*.rq"))
    paths = [p for p in every if not ids or p.stem in ids]
    missing = set(ids) - {p.stem for p in paths}
    if missing:
        raise SavedQueryError("no saved query " + ", ".join(sorted(missing)))
    known = {p.stem for p in every}
    if static_only:
        problems = lint_files(paths, None, known)
    else:
        opener = open_backend(store) if store else bundled_backend()
        with opener as (backend, settings):
            catalogue = SavedQueries(folder, strict=False)
            checker = Runner(backend, settings, catalogue)
            problems = lint_files(paths, checker, known)
            if not ids:
                problems += page_example_problems(checker)
    for problem in problems:
        click.echo(f"{problem.query_id}: {problem.message}", err=True)
    if problems:
        raise SavedQueryError(f"{len(problems)} problem(s) in {len(paths)} saved queries")
    click.echo(f"{len(paths)} saved queries: no problems")


@query.command()
@click.option("--check", is_flag=True, help="Only check that queries/README.md is current.")
@FOLDER
def catalogue(check: bool, folder: Path) -> None:
    """Write the catalogue of saved queries into queries/README.md."""
    readme = folder / "README.md"
    queries = SavedQueries(folder)
    if check:
        if not catalogue_is_current(queries, readme):
            raise SavedQueryError(f"{readme.name} is stale; run `museum-kg query catalogue`")
        click.echo(f"{readme.name} is current ({len(queries)} saved queries)")
        return
    readme.write_text(render_catalogue(queries, readme_intro(readme)), encoding="utf-8")
    click.echo(f"wrote {readme} ({len(queries)} saved queries)")
