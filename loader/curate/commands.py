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
@click.option("--sheets", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="The document's CSV folder: follow moved passages there "
              "(and in the data file's facts).")  # fmt: skip
def add(file, data_dir, name, title, author, language, sheets) -> None:
    """Record FILE (plain text or Markdown) and its passages in DATA/NAME.trig.

    Prints each passage with its id; run again after editing FILE to see which passages
    moved, changed or vanished and which facts cite them.
    """
    from museum_kg.loader.curate.register import add_source

    report = add_source(
        file, data_dir, name=name, title=title, author=author, language=language, sheets=sheets
    )
    for line in report.lines():
        click.echo(line)


@source.command("entities")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_DATA
def entities(file, data_dir) -> None:
    """List the names in FILE that are labels of entities in the graph, with their ids.

    Organisations, places, people and events (labels and alternative labels, any
    language), so that facts reuse their IRIs instead of minting new ones.
    """
    from museum_kg.loader.curate.entities import entities_in
    from museum_kg.loader.curate.passages import slug

    found = entities_in(file, data_dir)
    for match in found:
        click.echo(match.line(slug(file.stem)))
    click.echo(f"{len(found)} known entit{'y' if len(found) == 1 else 'ies'} named in {file}")


@source.command("facts")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_DATA
@click.option("--name", default=None, help="The document's name (default: FOLDER's name).")
def facts(folder, data_dir, name) -> None:
    """Turn the CSV files of FOLDER (one per kind of fact) into the facts of DATA/NAME.trig.

    Then checks the file like `museum-kg check`, naming the CSV file, row and column of
    each problem; exits with status 1 when there are errors.
    """
    from museum_kg.loader.curate.tables import build_facts

    from museum_kg.errors import problem_lines

    report = build_facts(folder, data_dir, name)
    for line in problem_lines(report.problems):
        click.echo(line, err=True)
    click.echo(report.summary())


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--duplicates", is_flag=True, help="Also list likely duplicate entities "
              "(same or near-same labels, different IRIs) across the whole graph.")  # fmt: skip
@click.option("--quiet", is_flag=True, help="Print errors only, not warnings.")
def check(paths, duplicates, quiet) -> None:
    """Check data files (default: the bundled graph) before loading them.

    Reports, per file and row: facts whose passage does not exist, entities that cite no
    passage, SHACL violations (errors), and passages cited by no fact (warnings). The
    files are checked together with the bundled graph (their graphs replace its own).
    Exits with status 1 when there are errors.
    """
    from museum_kg.loader.curate.check import check as run_check

    from museum_kg.errors import problem_lines

    report = run_check(list(paths) or None, duplicates=duplicates)
    if quiet:
        report.problems = report.errors
    report.raise_for_errors()  # prints the message, then every problem
    for line in problem_lines(report.warnings):
        click.echo(line, err=True)
    click.echo(report.summary())
