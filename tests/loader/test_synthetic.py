"""`museum-kg generate` writes the same valid data set for the same seed."""

from __future__ import annotations

import gzip

from museum_kg.loader import generate, load

from museum_kg.cli import main


def test_generation_is_deterministic_and_sized_by_entities(tmp_path):
    a, b, c = tmp_path / "a.nt", tmp_path / "b.nt", tmp_path / "c.nt.gz"
    stats = generate(a, 1000, seed=7)
    generate(b, 1000, seed=7)
    generate(c, 1000, seed=8)
    assert a.read_bytes() == b.read_bytes()
    assert gzip.decompress(c.read_bytes()) != a.read_bytes()
    lines = a.read_bytes().splitlines()
    assert len(lines) == stats.triples and len(set(lines)) == len(lines)
    assert 900 <= stats.entities <= 1200
    assert 6 <= stats.triples / stats.entities <= 9


def test_generated_data_passes_the_shapes(runner, tmp_path, settings):
    out = tmp_path / "synthetic.nt.gz"
    result = runner.invoke(main, ["generate", "--entities", "400", "--seed", "3", str(out)])
    assert result.exit_code == 0, result.output
    report = load([out], settings, mode="rebuild")  # raises ShapeViolations otherwise
    assert report.validated and report.validated > 300
    assert report.triples == int(result.output.split(", ")[1].split()[0].replace(",", ""))
