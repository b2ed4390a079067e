"""Progress on a terminal: one line of at most 80 columns per phase, with real figures in
every phase, and each warning once."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from museum_kg.loader import generate, load
from museum_kg.loader.progress import Reporter, short
from rich.console import Console
from terminal import run, screen_lines

from museum_kg.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"


def terminal(width: int = 80) -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    return Console(file=out, width=width, force_terminal=True, color_system=None), out


def test_numbers_are_shown_short():
    assert [short(n) for n in (7, 999, 1234, 987_654, 1_234_567, 12_345_678_901)] == [
        "7", "999", "1.23k", "988k", "1.23M", "12.3G"]  # fmt: skip


def test_a_bar_fits_80_columns_with_its_figures():
    console, out = terminal()
    reporter = Reporter(console=console)
    with reporter.bar("a-file-with-a-long-name.nt.gz", 1000) as advance:
        advance(500, 1_234_567)
    with reporter.bar("validating", 148_000, unit="nodes") as advance:
        advance(148_000, 148_000)
    lines = screen_lines(out.getvalue())
    assert lines and all(len(line) <= 80 for line in lines), lines
    assert any("1.23M triples" in line for line in lines)
    assert any("148k nodes" in line and "100%" in line for line in lines)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("synthetic") / "synthetic.nt"
    generate(path, 3000, seed=5)
    return path


def test_every_phase_of_a_load_ends_with_real_figures(synthetic, tmp_path):
    """Reading, validating, deriving (the derived triples loaded): none stays at zero."""
    console, out = terminal()
    settings = Settings.load(env={}, store=tmp_path / "store")
    load([synthetic], settings, mode="rebuild", reporter=Reporter(console=console))
    lines = screen_lines(out.getvalue())
    finals: dict[str, str] = {}
    for line in lines:
        phase = line.split()[0]
        if "%" in line or " left" in line:
            finals[phase] = line  # the last drawing of each bar
    assert {"reading", "validating", "deriving"} <= set(finals), lines
    for phase, line in finals.items():
        count = re.search(r"(\S+) (triples|nodes|lines)", line)
        assert count and count.group(1) != "0", f"{phase} ends at zero: {line!r}"
        assert len(line) <= 80


def test_the_skipped_validation_warning_is_printed_once(synthetic, tmp_path):
    store = tmp_path / "store"
    output = run(["load", str(synthetic), "--store", str(store), "--mode",
                               "rebuild", "--no-validate"])  # fmt: skip
    assert output.count("shape validation skipped") == 1, output
    bars = [line for line in screen_lines(output) if line.endswith(" left")]
    assert bars and all(len(line) <= 80 for line in bars), bars
    more = run(["load", str(FIXTURES / "other-vocabulary.ttl"), "--store",
                             str(store), "--mode", "add", "--no-validate"])  # fmt: skip
    assert more.count("shape validation skipped") == 1, more
