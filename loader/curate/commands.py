"""`museum-kg source ...` and `museum-kg check` (registered in `museum_kg.cli.COMMANDS`)."""

from __future__ import annotations

from pathlib import Path

import click

from museum_kg.paths import DATA_DIR

_DATA = click.option(
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DATA_DIR,
    show_default="data/ of the checkout",
    help="Folder of the data files.",
)


@click.group()
def source() -> None:
    """Curate a new source document: register it, find its entities, turn facts into RDF."""


@source.command("add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_DATA
@click.option("--name", default=None, help="Name of the document and its data file "
              "(default: the file name without extension).")  # fmt: skip
@click.option("--title", default=None, help="Title (default: the first heading).")
@click.option("--author", default=None, help="The author as the document names them, "
              "or the IRI of a person in the graph (needed the first time).")  # fmt: skip
@click.option("--language", default="en", show_default=True, help="Language of the document.")
def add(file, data_dir, name, title, author, language) -> None:
    """Record FILE (plain text or Markdown) and its passages in DATA/NAME.trig.

    Prints each passage with its id; run again after editing FILE to see which passages
    moved, changed or vanished and which facts cite them.
    """
    from museum_kg.loader.curate.register import add_source

    report = add_source(file, data_dir, name=name, title=title, author=author, language=language)
    for line in report.lines():
        click.echo(line)
