"""Docs that cannot rot: settings, commands and the quick start are checked here."""

from __future__ import annotations

import re
from dataclasses import fields

import click
import pytest

from museum_kg.cli import main
from museum_kg.paths import ROOT
from museum_kg.settings import Settings, env_var


def _command_paths(group: click.Group, prefix: str = "museum-kg") -> list[str]:
    ctx = click.Context(group)
    paths = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        path = f"{prefix} {name}"
        paths.append(path)
        if isinstance(command, click.Group):
            paths += _command_paths(command, path)
    return paths


@pytest.mark.parametrize("field", [f.name for f in fields(Settings)])
def test_every_setting_is_documented_with_its_environment_variable(field: str) -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert f"`{field}`" in text, f"docs/configuration.md does not document setting `{field}`"
    assert env_var(field) in text, f"docs/configuration.md does not name {env_var(field)}"


@pytest.mark.parametrize("path", _command_paths(main))
def test_every_cli_command_is_documented(path: str) -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert f"`{path}" in text, f"docs/cli.md does not document `{path}`"


def _quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```(?:sh|bash|shell)?\n(.*?)```", section, flags=re.S)
    return [
        line.strip()
        for block in blocks
        for line in block.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_readme_quick_start_has_exactly_two_commands_serve_and_test() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2, commands
    assert "serve" in commands[0] and "test" in commands[1]


def test_ci_runs_the_readme_test_command() -> None:
    test_command = _quick_start_commands()[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci
