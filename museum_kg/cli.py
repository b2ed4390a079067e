"""The `museum-kg` command: a thin click layer over the library.

Each command group lives next to the code it drives and is registered here:
`load`, `generate`, `update`, `changelog` (museum_kg.loader.commands), `source`, `check`
(museum_kg.loader.curate.commands), `serve` (museum_kg.endpoint.commands), `query`
(museum_kg.endpoint.saved.commands).
Errors from the exception tree print their message and exit with status 1;
never a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from museum_kg import __version__
from museum_kg.errors import MuseumKGError

# command name -> "module:attribute"; imported only when the command runs.
COMMANDS = {
    "load": "museum_kg.loader.commands:load",
    "generate": "museum_kg.loader.commands:generate",
    "serve": "museum_kg.endpoint.commands:serve",
    "query": "museum_kg.endpoint.saved.commands:query",
    "update": "museum_kg.loader.commands:update",
    "changelog": "museum_kg.loader.commands:changelog",
    "source": "museum_kg.loader.curate.commands:source",
    "check": "museum_kg.loader.curate.commands:check",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MuseumKGError as exc:
            click.echo(f"Error: {exc.message}", err=True)
            for line in getattr(exc, "report_lines", lambda: [])():
                click.echo(line, err=True)
            sys.exit(1)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="museum-kg")
def main() -> None:
    """museum-kg: load, serve and query the museum knowledge graph."""
