"""Facts from spreadsheets: one CSV file per kind of fact, one row per entity.

`build_facts(folder, data_dir)` reads the CSV files of `folder` (see `KINDS` for their
names and columns, and docs/curating.md), turns each row into RDF, replaces the facts part
of the document's data file with them (each row's triples under a `# FILE row N` comment)
and checks the file (`check.py`), naming the file, row and column of each problem.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox
from museum_kg.loader.curate.passages import slug
from museum_kg.loader.curate.rdf import (
    ID,
    MKG,
    OWL,
    RDF_TYPE,
    RDFS,
    SKOS,
    SOURCE,
    UNIT,
    XSD,
    expand,
    named,
    short,
)

from museum_kg.errors import CheckFailed, CurationError, Problem


@dataclass(frozen=True)
class Column:
    name: str
    predicate: str | None  # None: the column is handled by the conversion itself
    kind: str  # iri, iris, text, texts, date, number, qualifier
    required: bool = False


def _c(name, predicate, kind, required=False) -> Column:
    return Column(name, None if predicate is None else MKG + predicate, kind, required)


COMMON = (
    Column("id", None, "iri"),
    Column("type", None, "type"),
    Column("label", RDFS + "label", "text", True),
    Column("label_zh", RDFS + "label", "text_zh"),
    Column("alt_labels", SKOS + "altLabel", "texts"),
    Column("same_as", OWL + "sameAs", "iris"),
    Column("passages", MKG + "source", "passages", True),
    Column("note", None, "ignored"),
)
DATED = (
    _c("start", "startDate", "date"),
    _c("end", "endDate", "date"),
    _c("year", "year", "year"),
    _c("countries", "participantCountry", "iris"),
    _c("topics", "topic", "iris"),
    _c("part_of", "partOf", "iris"),
    _c("occasion", "occasion", "iris"),
)


@dataclass(frozen=True)
class Kind:
    file: str
    segment: str  # the id/<segment>/ of minted IRIs
    classes: tuple[str, ...]  # allowed `type` values, the first is the default
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column | None:
        return next((c for c in COMMON + self.columns if c.name == name), None)

    def column_of(self, predicate: str | None) -> str | None:
        for c in COMMON + self.columns:
            if predicate and c.predicate and short(c.predicate) == predicate:
                return c.name
        return None


KINDS = {
    k.file: k
    for k in (
        Kind("organisations.csv", "org", (
            "Organization", "Museum", "Association", "GovernmentBody", "PublicInstitution",
            "University", "Company", "ThinkTank", "PartnerNetwork", "OrganizationalUnit"), (
            _c("country", "country", "iri"), _c("located_in", "locatedIn", "iris"),
            _c("founded", "foundingDate", "date"), _c("parent", "parentOrganization", "iris"),
            _c("topics", "topic", "iris"))),
        Kind("people.csv", "person", ("Person",), ()),
        Kind("places.csv", "place", ("Place", "Country", "Region", "City", "District"), (
            _c("located_in", "locatedIn", "iris"), _c("country", "country", "iri"))),
        Kind("positions.csv", "position", ("Position",), (
            _c("holder", "holder", "iri", True), _c("organisation", "organization", "iri", True),
            _c("role", "role", "iris", True), _c("role_title", "roleTitle", "text", True))),
        Kind("events.csv", "event", (
            "Event", "Exhibition", "Forum", "Conference", "LectureSeries", "Lecture",
            "Workshop", "Festival", "TrainingCourse", "SkillsCompetition", "ExchangeActivity",
            "Observance"), (
            _c("organizer", "organizer", "iris"), _c("co_organizers", "coOrganizer", "iris"),
            _c("participants", "participant", "iris"), _c("place", "place", "iris"),
            _c("venue", "venue", "iris"), _c("realizes", "realizes", "iris"), *DATED)),
        Kind("partnerships.csv", "partnership", ("Partnership",), (
            _c("partners", "partner", "iris", True), *DATED)),
        Kind("recognitions.csv", "recognition", ("Recognition",), (
            _c("award", "award", "iri", True), Column("award_label", None, "text"),
            _c("awarded_to", "awardedTo", "iris", True), _c("awarded_by", "awardedBy", "iris"),
            _c("date", "startDate", "date"), _c("year", "year", "year"),
            _c("occasion", "occasion", "iris"))),
        Kind("observations.csv", "observation", ("Observation",), (
            _c("observed", "observedEntity", "iri", True), _c("measure", "measure", "iri", True),
            _c("value", "value", "number", True), _c("unit", "unit", "iri"),
            _c("qualifier", "qualifier", "qualifier"), _c("year", "year", "year"),
            _c("population", "population", "iri"), _c("topics", "topic", "iris"))),
    )
}  # fmt: skip
QUALIFIERS = {"exactly": "Exactly", "more than": "MoreThan", "about": "About"}
_DATE = {
    re.compile(r"^\d{4}$"): "gYear",
    re.compile(r"^\d{4}-\d{2}$"): "gYearMonth",
    re.compile(r"^\d{4}-\d{2}-\d{2}$"): "date",
}
_SPLIT = re.compile(r"[;\s]+")


@dataclass
class FactsReport:
    data_file: Path
    rows: int
    entities: int
    problems: list[Problem] = field(default_factory=list)
    blocks: list = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.data_file}: {self.entities} entities from {self.rows} rows"


def convert(folder: Path, document: str) -> FactsReport:
    """The RDF of every CSV file in `folder`, as (comment, triples) blocks, with the
    problems found on the way (each naming file, row and column)."""
    report = FactsReport(Path(), 0, 0)
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise CurationError(f"{folder}: no CSV files; name them " + ", ".join(KINDS))
    seen: dict[str, str] = {}
    for path in files:
        kind = KINDS.get(path.name)
        if kind is None:
            raise CurationError(
                f"{path}: unknown kind of facts; name the file one of " + ", ".join(KINDS)
            )
        with open(path, encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            header = reader.fieldnames or []
            before = len(report.problems)
            for name in header:
                if kind.column(name) is None:
                    report.problems.append(
                        Problem(path.name, "row 1", None, f"unknown column {name!r}; known: "
                                + ", ".join(c.name for c in COMMON + kind.columns), field=name)
                    )  # fmt: skip
            for c in COMMON + kind.columns:
                if c.required and c.name not in header:
                    report.problems.append(
                        Problem(path.name, "row 1", None, "required column is missing",
                                field=c.name)
                    )  # fmt: skip
            if len(report.problems) > before:
                continue  # fix the header first
            for number, row in enumerate(reader, 2):
                if not any((v or "").strip() for v in row.values()):
                    continue
                where = f"{path.name} row {number}"
                triples, subject = _row(kind, row, document, where, report.problems)
                if subject is None:
                    continue
                if subject in seen:
                    report.problems.append(
                        Problem(path.name, f"row {number}", subject,
                                f"the same id as {seen[subject]}; give each row its own id",
                                field="id")
                    )  # fmt: skip
                seen[subject] = where
                report.rows += 1
                report.blocks.append((where, triples))
    report.entities = len(seen)
    return report


def _row(kind: Kind, row: dict, document: str, where: str, problems: list[Problem]):
    file, _, number = where.rpartition(" row ")

    def problem(column: str, message: str, entity=None) -> None:
        problems.append(Problem(file, f"row {number}", entity, message, field=column))

    cells = {k: (v or "").strip() for k, v in row.items() if k}
    label = cells.get("label", "")
    if not label:
        problem("label", "every row needs a label (in English)")
        return [], None
    given = cells.get("id", "")
    iri = expand(given) if given else f"{ID}{kind.segment}/{slug(label).replace('_', '-')}"
    if iri is None:
        problem("id", f"{given!r} is not an id such as {kind.segment}:name or an IRI")
        return [], None
    subject = named(iri)
    type_name = cells.get("type") or kind.classes[0]
    if type_name.removeprefix("mkg:") not in kind.classes:
        problem("type", f"{type_name!r} is not one of " + ", ".join(kind.classes), iri)
    triples = [ox.Triple(subject, named(RDF_TYPE), named(MKG + type_name.removeprefix("mkg:")))]
    doc_name = document[len(SOURCE) :]
    for name, text in cells.items():
        column = kind.column(name)
        if column is None or column.predicate is None or not text:
            continue
        for value in _values(column, text, doc_name, lambda m, n=name: problem(n, m, iri)):
            triples.append(ox.Triple(subject, named(column.predicate), value))
    for column in COMMON[3:] + kind.columns:  # the label was looked at above
        if column.required and not cells.get(column.name):
            problem(column.name, "required, but empty", iri)
    if kind.file == "observations.csv":
        if not cells.get("unit"):
            triples.append(ox.Triple(subject, named(MKG + "unit"), named(UNIT + "NUM")))
        if not cells.get("qualifier"):
            triples.append(ox.Triple(subject, named(MKG + "qualifier"), named(MKG + "Exactly")))
    start = cells.get("start") or cells.get("date")
    year = cells.get("year")
    if start and not year and kind.column("year") and _is_date(start):  # the year of a date
        value = ox.Literal(start[:4], datatype=named(XSD + "gYear"))
        triples.append(ox.Triple(subject, named(MKG + "year"), value))
    elif year and not start and re.fullmatch(r"\d{4}", year):  # a year is dated by itself
        value = ox.Literal(year, datatype=named(XSD + "gYear"))
        triples.append(ox.Triple(subject, named(MKG + "startDate"), value))
    award = cells.get("award_label")
    if award and cells.get("award") and expand(cells["award"]):
        node = named(expand(cells["award"]))
        sources = [t.object for t in triples if t.predicate.value == MKG + "source"]
        triples += [
            ox.Triple(node, named(RDF_TYPE), named(MKG + "Award")),
            ox.Triple(node, named(RDFS + "label"), ox.Literal(award, language="en")),
            *(ox.Triple(node, named(MKG + "source"), s) for s in sources),
        ]
    return triples, iri


def _is_date(text: str) -> bool:
    return any(p.match(text) for p in _DATE)


def _values(column: Column, text: str, doc_name: str, problem):
    if column.kind == "text":
        return [ox.Literal(text, language="en")]
    if column.kind == "text_zh":
        return [ox.Literal(text, language="zh")]
    if column.kind == "texts":
        return [ox.Literal(t.strip(), language="en") for t in text.split(";") if t.strip()]
    if column.kind in ("iri", "iris", "passages"):
        tokens = [t for t in _SPLIT.split(text) if t]
        if column.kind == "iri" and len(tokens) > 1:
            problem("takes one value; got " + ", ".join(tokens))
        out = []
        for token in tokens:
            if column.kind == "passages" and re.fullmatch(r"#?char=\d+,\d+", token):
                token = f"{doc_name}#{token.lstrip('#')}"
            iri = expand(token)
            if iri is None or (column.kind == "passages" and "#char=" not in iri):
                example = f"{doc_name}#char=0,42" if column.kind == "passages" else "place:france"
                problem(f"{token!r} is not an id such as {example} or an IRI")
            else:
                out.append(named(iri))
        return out
    if column.kind in ("date", "year"):
        for pattern, datatype in _DATE.items():
            if pattern.match(text) and (column.kind == "date" or datatype == "gYear"):
                return [ox.Literal(text, datatype=named(XSD + datatype))]
        shape = "YYYY" if column.kind == "year" else "YYYY, YYYY-MM or YYYY-MM-DD"
        problem(f"{text!r} is not a date written {shape}")
        return []
    if column.kind == "number":
        plain = text.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text) else text
        try:
            number = Decimal(plain)
        except InvalidOperation:
            problem(f"{text!r} is not a number")
            return []
        whole = number == number.to_integral_value() and "." not in plain
        datatype = "integer" if whole else "decimal"
        return [ox.Literal(plain, datatype=named(XSD + datatype))]
    if column.kind == "qualifier":
        name = QUALIFIERS.get(text.lower())
        if name is None:
            problem(f"{text!r} is not one of: " + ", ".join(QUALIFIERS))
            return []
        return [named(MKG + name)]
    return []


def build_facts(folder: Path, data_dir: Path, name: str | None = None) -> FactsReport:
    """Turn the CSV files of `folder` into the facts part of `data_dir/<name>.trig` (name:
    the folder's), then check the file; raises `CheckFailed` with every problem."""
    from museum_kg.loader.curate.check import check
    from museum_kg.loader.curate.register import rewrite

    folder, data_dir = Path(folder), Path(data_dir)
    name = slug(name or folder.name)
    data_file = data_dir / f"{name}.trig"
    if not data_file.exists():
        raise CurationError(
            f"{data_file} does not exist: register the document first "
            f"(museum-kg source add FILE --name {name} --data {data_dir})"
        )
    report = convert(folder, SOURCE + name)
    report.data_file = data_file
    if report.problems:
        for p in report.problems:
            p.file = str(folder / p.file)
        raise CheckFailed(report.problems, f"{len(report.problems)} problem(s) in {folder}")
    rewrite(data_file, SOURCE + name, report.blocks)
    checked = check([data_file])
    for p in checked.problems:  # "events.csv row 3 (line 41)" -> events.csv, row 3, column
        kind = KINDS.get(p.row.split(" row ")[0]) if " row " in p.row else None
        if kind is not None:
            csv_name, _, rest = p.row.partition(" row ")
            p.file, p.row = str(folder / csv_name), "row " + rest.split(" ")[0]
            p.field = kind.column_of(p.field) or p.field
    report.problems = checked.problems
    checked.raise_for_errors()
    return report
