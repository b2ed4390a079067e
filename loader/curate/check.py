"""`museum-kg check`: what would keep data files from being loaded, per file and row.

For the data files given (default: the bundled `ontology/` and `data/`) it reports:

- errors: facts citing a passage that does not exist; entities of the ontology's classes
  that cite no passage of their own graph; SHACL violations (the loader's `Validator`);
- warnings: passages cited by no fact; with `duplicates=True`, likely duplicate entities.

The files are read into an in-memory store with their *context*: the bundled graph
(`context="bundled"`, for `museum-kg check`: graphs the files write replace the bundled
ones), or a served snapshot (an `ox.Store`, for `museum-kg load`: the files' graphs hide
the snapshot's in `replace` mode), or nothing. Each problem names the file and the row:
the line where the entity is described and, for data written by `museum-kg source facts`,
the spreadsheet row it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from museum_kg.loader.curate.rdf import MKG, RDF_TYPE, load_source, named

from museum_kg.errors import CheckFailed, Problem, ShapeViolations
from museum_kg.paths import ONTOLOGY_DIR
from museum_kg.settings import BASE_IRI

# Classes whose instances need no passage: the provenance machinery itself and value sets.
UNSOURCED = {
    MKG + n for n in ("SourceDocument", "Passage", "Period", "EventMode", "ValueQualifier")
}
ROW_COMMENT = re.compile(r"^\s*#\s*(\S+\.csv) row (\d+)\s*$")
PREFIX_LINE = re.compile(r"^\s*@?prefix\s+([A-Za-z0-9_-]*):\s*<([^>]*)>", re.I)
SUBJECT = re.compile(r"^\s*(<[^>\s]+>|[A-Za-z][A-Za-z0-9_-]*:[A-Za-z0-9_][A-Za-z0-9_.-]*)\s")


@dataclass
class CheckReport:
    files: list[str]
    problems: list[Problem] = field(default_factory=list)
    nodes_validated: int = 0
    shapes_skipped: int = 0  # targeted nodes left to the loader's validation (shape_limit)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    def summary(self) -> str:
        return (
            f"checked {len(self.files)} file(s), {self.nodes_validated} node(s) against the "
            f"shapes: {len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        )

    def raise_for_errors(self) -> None:
        if self.errors:
            violations = [p for p in self.errors if p.shape]
            nodes = {p.entity for p in violations}
            text = f"{len(self.errors)} problem(s) in {len({p.file for p in self.errors})} file(s)"
            if violations:
                text += f", {len(violations)} SHACL violation(s) on {len(nodes)} node(s)"
            raise CheckFailed(self.problems, text + "; fix them and check again")


def check(
    paths: Iterable[Path] | None = None,
    *,
    context="bundled",
    replaced: bool = True,
    shapes: bool = True,
    shape_limit: int | None = None,
    duplicates: bool = False,
) -> CheckReport:
    """Check data files (see the module docstring); never raises for what it finds.

    With `shape_limit`, shapes are only checked when the files have at most that many
    targeted nodes (`report.shapes_skipped` counts them otherwise)."""
    from museum_kg.loader.sources import collect, graphs_in

    from museum_kg.bundled import bundled_files

    targets = collect(list(paths) if paths else bundled_files(), BASE_IRI)
    store = ox.Store()
    written: dict[str, list] = {}  # graph -> sources writing it
    for source in targets:
        for graph in load_source(store, source):
            written.setdefault(graph, []).append(source)
    outside = context if isinstance(context, ox.Store) else None
    own = {s.path.resolve() for s in targets}
    for source in collect(bundled_files(), BASE_IRI):
        if context != "bundled" and source.path.parent.resolve() != ONTOLOGY_DIR.resolve():
            continue  # the ontology, shapes and vocabularies always; the data if asked
        if source.path.resolve() not in own and not graphs_in(source) & set(written):
            load_source(store, source)
    hidden = set(written) if replaced else set()
    if outside is not None:
        _types_from(outside, store, set(written), hidden)
    report = CheckReport([str(s.path) for s in targets])
    locate = Locator(targets)
    problems = _citations(store, set(written), outside, hidden)
    problems += _unsourced(store, set(written))
    if shapes:
        found, report.nodes_validated, report.shapes_skipped = _shapes(
            store, set(written), shape_limit
        )
        ours = {p.entity for p in problems if p.field == "mkg:source"}  # clearer messages
        problems += [p for p in found if not (p.entity in ours and p.field == "mkg:source")]
    if duplicates:
        from museum_kg.loader.curate.entities import duplicates as find_duplicates

        for dup in find_duplicates(store, among=set(written)):
            here = dup.first if dup.first in locate.places else dup.second  # the checked file's
            problems.append(Problem("", "", here, dup.message(), severity="warning"))
    report.problems = [locate(p) for p in problems]
    return report


# --- the checks ---------------------------------------------------------------------------


def _in(graphs: set[str]) -> str:
    return " ".join(f"<{g}>" for g in sorted(graphs))


def _citations(store, graphs, outside, hidden) -> list[Problem]:
    problems = []
    query = f"""
        SELECT DISTINCT ?s ?p WHERE {{
            VALUES ?g {{ {_in(graphs)} }}
            GRAPH ?g {{ ?s <{MKG}source> ?p }}
            FILTER NOT EXISTS {{ GRAPH ?h {{ ?p a <{MKG}Passage> }} }}
        }} ORDER BY ?s ?p"""
    for row in store.query(query):
        if outside is not None and _outside_has(outside, hidden, row["p"], cited=False):
            continue
        problems.append(
            Problem(
                "", "", row["s"].value,
                f"cites {_shown(row['p'])}, which is not a passage of any document: register "
                "the document (museum-kg source add) or cite a passage it printed",
                field="mkg:source",
            )
        )  # fmt: skip
    query = f"""
        SELECT DISTINCT ?p WHERE {{
            VALUES ?g {{ {_in(graphs)} }}
            GRAPH ?g {{ ?p a <{MKG}Passage> }}
            FILTER NOT EXISTS {{ GRAPH ?h {{ ?s <{MKG}source> ?p }} }}
        }} ORDER BY ?p"""
    for row in store.query(query):
        if outside is not None and _outside_has(outside, hidden, row["p"], cited=True):
            continue
        problems.append(
            Problem("", "", row["p"].value, "passage cited by no fact", severity="warning")
        )
    return problems


def _types_from(outside: ox.Store, store: ox.Store, graphs: set[str], hidden: set[str]) -> None:
    """Copy the classes of the IRIs the files point to from the served snapshot, so that
    `sh:class` sees entities described there (the loader's validation sees the same)."""
    query = f"""SELECT DISTINCT ?o WHERE {{ VALUES ?g {{ {_in(graphs)} }}
        GRAPH ?g {{ ?s ?p ?o }} FILTER(isIRI(?o)) }}"""
    rdf_type = named(RDF_TYPE)
    for row in store.query(query):
        for quad in outside.quads_for_pattern(row["o"], rdf_type, None, None):
            graph = quad.graph_name
            if isinstance(graph, ox.NamedNode) and graph.value not in hidden:
                store.add(quad)


def _outside_has(outside: ox.Store, hidden: set[str], passage, cited: bool) -> bool:
    """Whether the served snapshot (outside the hidden graphs) has / cites this passage."""
    pattern = (
        (None, named(MKG + "source"), passage) if cited else (passage, None, named(MKG + "Passage"))
    )
    for quad in outside.quads_for_pattern(*pattern, None):
        graph = quad.graph_name
        if isinstance(graph, ox.NamedNode) and graph.value not in hidden:
            return True
    return False


def _unsourced(store, graphs) -> list[Problem]:
    from museum_kg.loader.inference import Alignments

    alignments = Alignments.from_store(store, BASE_IRI + "ontology")
    sourced = sorted(
        c
        for c, sups in alignments.classes.items()
        if c.startswith(MKG) and c not in UNSOURCED and not UNSOURCED.intersection(sups)
    )
    if not sourced:
        return []
    values = " ".join(f"<{c}>" for c in sourced)
    query = f"""
        SELECT DISTINCT ?s ?g WHERE {{
            VALUES ?g {{ {_in(graphs)} }} VALUES ?c {{ {values} }}
            GRAPH ?g {{ ?s a ?c FILTER NOT EXISTS {{ ?s <{MKG}source> ?p }} }}
            FILTER(isIRI(?s))
        }} ORDER BY ?s"""
    return [
        Problem(
            "", "", row["s"].value,
            "cites no passage of this document: give it mkg:source (in a spreadsheet, the "
            "`passages` column)",
            field="mkg:source",
        )
        for row in store.query(query)
    ]  # fmt: skip


def _shapes(store, graphs, limit: int | None) -> tuple[list[Problem], int, int]:
    from museum_kg.loader.inference import Alignments
    from museum_kg.loader.validate import Validator

    alignments = Alignments.from_store(store, BASE_IRI + "ontology")
    validator = Validator(store, BASE_IRI, alignments.classes)
    if not validator.active:
        return [], 0, 0
    query = f"SELECT DISTINCT ?s WHERE {{ VALUES ?g {{ {_in(graphs)} }} GRAPH ?g {{ ?s ?p ?o }} }}"
    subjects = {row["s"].value for row in store.query(query) if isinstance(row["s"], ox.NamedNode)}
    focus = validator.targets(among=subjects)
    if limit is not None and len(focus) > limit:
        return [], 0, len(focus)
    try:
        validator.check(focus)
    except ShapeViolations as exc:
        return [
            Problem(
                "", "", v.focus,
                v.message + _value(v),
                severity="error" if v.severity == "Violation" else "warning",
                field=v.path,
                shape=v.shape or "sh",
            )
            for v in exc.violations
        ], len(focus), 0  # fmt: skip
    return [], len(focus), 0


def _value(v) -> str:
    """` (value X)`, unless X is the node itself (named already)."""
    return f" (value {v.value})" if v.value not in (None, f"<{v.focus}>") else ""


def _shown(term) -> str:
    from museum_kg.loader.curate.rdf import short

    return short(term.value) if isinstance(term, ox.NamedNode) else str(term)


# --- where is it? ---------------------------------------------------------------------------


class Locator:
    """Finds the file and row (line, spreadsheet row) where an entity is described."""

    def __init__(self, sources) -> None:
        self.places: dict[str, tuple[str, str]] = {}
        for source in sources:
            if source.gzipped or source.size > 20_000_000:
                continue
            try:
                text = source.path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            self._scan(str(source.path), text)
        self.first_file = str(sources[0].path) if sources else ""

    def _scan(self, file: str, text: str) -> None:
        prefixes: dict[str, str] = {}
        row = None
        for number, line in enumerate(text.splitlines(), 1):
            if m := PREFIX_LINE.match(line):
                prefixes[m.group(1)] = m.group(2)
                continue
            if m := ROW_COMMENT.match(line):
                row = f"{m.group(1)} row {m.group(2)}"
                continue
            if line.lstrip().startswith("#"):
                row = None  # another block's comment
                continue
            if not line.strip():
                continue
            m = SUBJECT.match(line)
            if m and (line.startswith("    ") and not line.startswith("     ") or line[0] != " "):
                iri = _expand(m.group(1), prefixes)
                if iri and iri not in self.places:
                    where = f"line {number}"
                    self.places[iri] = (file, f"{row} (line {number})" if row else where)

    def __call__(self, problem: Problem) -> Problem:
        file, row = self.places.get(problem.entity or "", (self.first_file, ""))
        problem.file, problem.row = problem.file or file, problem.row or row
        return problem


def _expand(term: str, prefixes: dict[str, str]) -> str | None:
    if term.startswith("<"):
        return term[1:-1]
    prefix, _, local = term.partition(":")
    return prefixes[prefix] + local if prefix in prefixes else None


LOAD_SHAPE_LIMIT = 2000  # nodes: above, `load` leaves the shapes to its own validation


def check_for_load(paths, settings, mode: str | None) -> CheckReport:
    """The check `museum-kg load` runs before loading: the input against the served
    snapshot (`replace`, `add`) or alone (`rebuild`); the shapes only for inputs of at most
    `LOAD_SHAPE_LIMIT` targeted nodes (bulk data is validated once, by the loader)."""
    from museum_kg.store.snapshots import SnapshotStore

    mode = mode or ("replace" if paths else "rebuild")
    current = SnapshotStore(settings.store).current() if mode != "rebuild" else None
    outside = ox.Store.read_only(str(current.path)) if current is not None else None
    try:
        return check(
            paths or None,
            context=outside,
            replaced=mode == "replace",
            shape_limit=LOAD_SHAPE_LIMIT,
        )
    finally:
        del outside
