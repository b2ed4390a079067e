"""Input files of a load: which files, in which RDF format, into which named graph.

A path is a file or a folder (searched recursively, hidden entries skipped).
The format comes from the extension, optionally followed by `.gz`:
`.ttl` Turtle, `.trig` TriG, `.nt` N-Triples, `.nq` N-Quads, `.jsonld`/`.json`
JSON-LD, `.rdf`/`.owl`/`.xml` RDF/XML. Files of triples go to the named graph
given by `museum_kg.bundled.graph_for_file`; TriG and N-Quads keep their graphs
(triples outside a graph block go to the file's graph as well).
"""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from museum_kg.bundled import graph_for_file
from museum_kg.errors import LoadError, RdfSyntaxError
from museum_kg.store.delta import rdf_syntax_error

FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}
QUAD_FORMATS = (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS, ox.RdfFormat.JSON_LD)


@dataclass(frozen=True)
class Source:
    """One input file."""

    path: Path
    format: ox.RdfFormat
    graph: str  # graph of the file's triples (quads keep their own)
    gzipped: bool

    @property
    def has_quads(self) -> bool:
        return self.format in QUAD_FORMATS

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def open(self) -> io.BufferedIOBase:
        raw = open(self.path, "rb")  # noqa: SIM115 - returned to the caller
        return gzip.GzipFile(fileobj=raw, mode="rb") if self.gzipped else raw


def format_of(path: Path) -> tuple[ox.RdfFormat, bool] | None:
    name = path.name.lower()
    gzipped = name.endswith(".gz")
    if gzipped:
        name = name[:-3]
    suffix = "." + name.rsplit(".", 1)[-1] if "." in name else ""
    fmt = FORMATS.get(suffix)
    return (fmt, gzipped) if fmt is not None else None


def collect(paths: list[Path], base_iri: str) -> list[Source]:
    """The RDF files named by `paths` (files, or folders searched recursively)."""
    sources: list[Source] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            raise LoadError(f"{path}: no such file or folder", path=str(path))
        if path.is_dir():
            files = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
                and format_of(p)
            )
        else:
            if format_of(path) is None:
                raise LoadError(
                    f"{path}: unknown RDF format; use one of the extensions "
                    + ", ".join(sorted(FORMATS))
                    + " (optionally followed by .gz)",
                    path=str(path),
                )
            files = [path]
        for file in files:
            fmt, gzipped = format_of(file)
            sources.append(Source(file, fmt, graph_for_file(file, base_iri), gzipped))
    return sources


def syntax_error(source: Source, exc: SyntaxError) -> RdfSyntaxError:
    """A `RdfSyntaxError` naming the file, line and column of a parser error."""
    return rdf_syntax_error(str(source.path), source.format, exc)


def graphs_in(source: Source) -> set[str]:
    """Named graphs a file writes to (parses quad formats; raises RdfSyntaxError)."""
    if not source.has_quads:
        return {source.graph}
    found: set[str] = set()
    try:
        with source.open() as stream:
            for quad in ox.parse(stream, format=source.format):
                g = quad.graph_name
                found.add(source.graph if isinstance(g, ox.DefaultGraph) else g.value)
    except SyntaxError as exc:
        raise syntax_error(source, exc) from None
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:  # a truncated .gz...
        raise LoadError(f"{source.path}: cannot read: {exc}", path=str(source.path)) from None
    return found


def line_of(source: Source, number: int | None) -> str | None:
    """Line `number` (from 1) of a source file, for error reports; None if unreadable."""
    if not number:
        return None
    try:
        with source.open() as stream:
            for current, line in enumerate(stream, 1):
                if current == number:
                    return line.decode("utf-8", "replace")
    except (OSError, EOFError, zlib.error):
        return None
    return None
