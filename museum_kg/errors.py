"""The one exception tree of museum-kg.

Every error a user can cause is one of these classes. Each carries the
context needed to say what to change (`ParameterError(name, value, expected)`),
a stable machine-readable `code`, and a human `message`. The mapping from
class to HTTP status lives in exactly one place (`museum_kg.endpoint.errors`);
the CLI prints `message` and exits non-zero.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any


class MuseumKGError(Exception):
    """Base class: something the user can fix, described by `message`."""

    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = {k: v for k, v in details.items() if v is not None}

    def to_dict(self) -> dict[str, Any]:
        """The JSON error shape shared by every HTTP response and `--format json`."""
        body: dict[str, Any] = {"error": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


# --- configuration -----------------------------------------------------------------


class ConfigError(MuseumKGError):
    """A setting (flag or environment variable) has a value we cannot use."""

    code = "bad_setting"

    def __init__(self, name: str, value: Any, expected: str) -> None:
        super().__init__(
            f"setting `{name}` must be {expected}; got {value!r}",
            setting=name,
            value=str(value),
            expected=expected,
        )
        self.name, self.value, self.expected = name, value, expected


# --- client requests -------------------------------------------------------------


class RequestError(MuseumKGError):
    """A request is malformed (missing, repeated or conflicting parameters...)."""

    code = "bad_request"


class ParameterError(RequestError):
    """A parameter value does not have the expected type or is not allowed."""

    code = "bad_parameter"

    def __init__(self, name: str, value: Any, expected: str, example: str | None = None) -> None:
        hint = f" such as {example}" if example else ""
        shown = "nothing" if value is None else repr(value)
        super().__init__(
            f"parameter `{name}` must be {expected}{hint}; got {shown}",
            parameter=name,
            value=None if value is None else str(value),
            expected=expected,
            example=example,
        )
        self.name, self.value, self.expected, self.example = name, value, expected, example


class QuerySyntaxError(RequestError):
    """The SPARQL text does not parse; carries the parser's position when known."""

    code = "malformed_query"

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        where = ""
        if line is not None:  # some engines give the line alone
            where = f" (line {line}" + (f", column {column})" if column is not None else ")")
        super().__init__(f"the query does not parse{where}: {message}", line=line, column=column)
        self.line, self.column = line, column


class ForbiddenOperation(RequestError):
    """The query asks for something this endpoint refuses (SERVICE, LOAD, ...)."""

    code = "forbidden_operation"


class OaiPmhError(RequestError):
    """An OAI-PMH protocol error (`oai_code` such as badArgument, idDoesNotExist).

    By the protocol's rule the OAI-PMH endpoint answers it as an `<error>` element
    with HTTP 200, not with the JSON error shape (see docs/feeds.md).
    """

    code = "oai_pmh_error"

    def __init__(self, oai_code: str, message: str) -> None:
        super().__init__(message, oai_code=oai_code)
        self.oai_code = oai_code


class NotAcceptable(MuseumKGError):
    """No representation matches the client's Accept header or `format=`."""

    code = "not_acceptable"

    def __init__(self, requested: str, available: list[str]) -> None:
        super().__init__(
            f"cannot produce {requested!r}; ask for one of: {', '.join(available)}",
            requested=requested,
            available=available,
        )


class UnsupportedMediaType(MuseumKGError):
    """The request body has a Content-Type we do not read."""

    code = "unsupported_media_type"

    def __init__(self, given: str, accepted: list[str]) -> None:
        super().__init__(
            f"Content-Type {given or '(none)'!r} is not accepted here; send one of: "
            + ", ".join(accepted),
            given=given,
            accepted=accepted,
        )


class PayloadTooLarge(MuseumKGError):
    code = "payload_too_large"

    def __init__(self, size: int | None, limit: int) -> None:
        super().__init__(
            f"the request body is larger than the limit of {limit} bytes; "
            "send a smaller request or raise `max_request_bytes`",
            size=size,
            limit=limit,
        )


class Unauthorized(MuseumKGError):
    code = "unauthorized"


class Forbidden(MuseumKGError):
    code = "forbidden"


class NotFound(MuseumKGError):
    code = "not_found"


class Gone(MuseumKGError):
    code = "gone"


class MethodNotAllowed(MuseumKGError):
    code = "method_not_allowed"


class PreconditionFailed(MuseumKGError):
    """A conditional write (`If-Match`, `If-None-Match`) whose condition is false."""

    code = "precondition_failed"


# --- evaluation ------------------------------------------------------------------


class QueryTimeout(MuseumKGError):
    """The query ran past its deadline and was stopped."""

    code = "query_timeout"

    def __init__(self, limit_s: float) -> None:
        super().__init__(
            f"the query was stopped at its time limit of {limit_s:g} s; "
            "simplify it, add a LIMIT, or run it on your own copy of the dumps",
            limit_s=limit_s,
        )
        self.limit_s = limit_s


class Overloaded(MuseumKGError):
    """Every worker is busy and the queue is full; retry later."""

    code = "overloaded"

    def __init__(self, retry_after_s: int = 5) -> None:
        super().__init__(
            f"the server is busy; retry in {retry_after_s} s", retry_after_s=retry_after_s
        )
        self.retry_after_s = retry_after_s


class WriteTimeout(MuseumKGError):
    """A write ran past its deadline and was stopped; nothing of it was applied."""

    code = "write_timeout"

    def __init__(self, limit_s: float) -> None:
        super().__init__(
            f"the write was stopped at its time limit of {limit_s:g} s and nothing was "
            "changed; split it into smaller updates, or load large data with "
            "`museum-kg load FILE --mode add`",
            limit_s=limit_s,
        )
        self.limit_s = limit_s


class WriteBusy(Overloaded):
    """Another write or load held the store for longer than this write could wait."""

    code = "write_busy"

    def __init__(self, retry_after_s: int = 2) -> None:
        MuseumKGError.__init__(
            self,
            "another write or load is changing the store; nothing was changed by this "
            f"request: send it again in {retry_after_s} s (writes are applied one at a time)",
            retry_after_s=retry_after_s,
        )
        self.retry_after_s = retry_after_s


class StoreError(MuseumKGError):
    """The store could not be read or written (disk full, missing snapshot...)."""

    code = "store_error"


class BackendError(MuseumKGError):
    """A remote SPARQL engine failed; never echoes the remote response body."""

    code = "backend_error"


# --- loading ---------------------------------------------------------------------


class LoadError(MuseumKGError):
    """A load was refused; the served snapshot is unchanged."""

    code = "load_failed"


class RdfSyntaxError(LoadError):
    code = "rdf_syntax"

    def __init__(
        self, file: str, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        where = f":{line}:{column}" if line is not None else ""
        super().__init__(f"{file}{where}: {message}", file=file, line=line, column=column)
        self.file, self.line, self.column = file, line, column
        self.excerpt: str | None = None  # the offending line, when the loader could read it

    def report_lines(self) -> list[str]:
        """The offending line with a caret under the column (for terminals)."""
        if self.excerpt is None:
            return []
        text = self.excerpt.rstrip("\n")
        col = max(1, self.column or 1)
        start = 0 if len(text) <= 120 else max(0, col - 60)
        shown = ("..." if start else "") + text[start : start + 120]
        caret = " " * (col - 1 - start + (3 if start else 0)) + "^"
        return [f"  {self.line} | {shown}", "  " + " " * len(str(self.line)) + " | " + caret]


@dataclass
class Violation:
    """One SHACL result, grouped by focus node in reports."""

    focus: str
    path: str | None
    message: str
    severity: str = "Violation"
    shape: str | None = None
    value: str | None = None


class ShapeViolations(LoadError):
    code = "shape_violations"

    def __init__(self, violations: list[Violation], source: str = "") -> None:
        self.violations = violations
        focus = {v.focus for v in violations}
        super().__init__(
            f"{len(violations)} SHACL violation(s) on {len(focus)} node(s)"
            + (f" in {source}" if source else "")
            + "; nothing was changed: fix the data and send it again",
            count=len(violations),
            violations=[
                {"focus": v.focus, "path": v.path, "message": v.message, "value": v.value}
                for v in violations[:200]
            ],
        )
        self.source = source

    def report_lines(self, limit: int = 50) -> list[str]:
        """The violations grouped by focus node, one block per node (for terminals)."""
        groups: dict[str, list[Violation]] = {}
        for v in self.violations:
            groups.setdefault(v.focus, []).append(v)
        lines: list[str] = []
        for focus, items in list(groups.items())[:limit]:
            lines.append(f"  <{focus}>")
            for v in items:
                where = f"{v.path}: " if v.path else ""
                shown = v.value and v.value != f"<{v.focus}>"  # the node itself: said above
                value = f" (value {v.value})" if shown else ""
                level = "" if v.severity == "Violation" else f"[{v.severity}] "
                lines.append(f"    - {level}{where}{v.message}{value}")
        if len(groups) > limit:
            lines.append(f"  ... and {len(groups) - limit} more node(s)")
        return lines


class ShapesNotSupported(LoadError):
    """A shapes graph uses SHACL the validator cannot check; nothing is skipped silently."""

    code = "shapes_not_supported"

    def __init__(self, shape: str, what: str) -> None:
        super().__init__(
            f"shape {shape}: {what}; the validator checks the SHACL Core constraints listed in "
            "docs/loading.md#validation: rewrite the shape with those (or as a sh:sparql "
            "constraint on a node shape)",
            shape=shape,
        )


class CurationError(LoadError):
    """A curation step (`museum-kg source ...`) cannot go on: a document it cannot read, an
    author it cannot find, a spreadsheet it cannot parse."""

    code = "curation_failed"


@dataclass
class Problem:
    """One finding of `museum-kg check`, located in a file and a row (or line)."""

    file: str
    row: str  # "row 3 of events.csv (line 41)", "line 12", "" when unknown
    entity: str | None
    message: str
    severity: str = "error"  # "error" or "warning"
    field: str | None = None  # the property (or spreadsheet column) at fault
    shape: str | None = None  # the SHACL shape, for shape violations


class CheckFailed(LoadError):
    """`museum-kg check` (also run by `museum-kg load`) found errors."""

    code = "check_failed"

    def __init__(self, problems: list[Problem], summary: str) -> None:
        self.problems = problems
        super().__init__(summary, count=sum(p.severity == "error" for p in problems))

    def report_lines(self, limit: int = 200) -> list[str]:
        return problem_lines(self.problems, limit)


def problem_lines(problems: list[Problem], limit: int = 200) -> list[str]:
    """Problems grouped per file, then per row, errors before warnings."""
    lines: list[str] = []

    def natural(text: str) -> list:
        return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]

    ordered = sorted(
        problems, key=lambda p: (p.file, p.severity != "error", natural(p.row), p.entity or "")
    )
    current_file = current_row = None
    for shown, p in enumerate(ordered):
        if shown == limit:
            lines.append(f"  ... and {len(ordered) - limit} more")
            break
        if p.file != current_file:
            lines.append(p.file)
            current_file, current_row = p.file, None
        row = (p.row, p.entity)
        if row != current_row:
            where = p.row or "(no row)"
            lines.append(f"  {where}" + (f": <{p.entity}>" if p.entity else ""))
            current_row = row
        level = "" if p.severity == "error" else f"[{p.severity}] "
        field = f"{p.field}: " if p.field else ""
        lines.append(f"    - {level}{field}{p.message}")
    return lines


@dataclass
class SavedQueryProblem:
    query_id: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)


class SavedQueryError(MuseumKGError):
    """A saved query file is invalid (bad YAML header, unknown key, lint failure)."""

    code = "bad_saved_query"


# --- across a process boundary -------------------------------------------------------


def to_wire(exc: MuseumKGError) -> dict[str, Any]:
    """`exc` as plain data, for a worker process to send to its parent (`from_wire`)."""
    data: dict[str, Any] = {"class": type(exc).__name__, "message": exc.message,
                            "details": dict(exc.details)}  # fmt: skip
    if isinstance(exc, ShapeViolations):
        data["violations"] = [vars(v) for v in exc.violations]
        data["source"] = exc.source
    elif isinstance(exc, RdfSyntaxError):
        data["rdf"] = (exc.file, exc.line, exc.column, exc.excerpt)
    return data


def from_wire(data: dict[str, Any]) -> MuseumKGError:
    """The error `to_wire` described, as the same class with the same message and details."""
    cls = globals().get(data["class"])
    if not (isinstance(cls, type) and issubclass(cls, MuseumKGError)):
        cls = MuseumKGError
    if cls is ShapeViolations:
        return ShapeViolations([Violation(**v) for v in data["violations"]], data["source"])
    exc = cls.__new__(cls)
    MuseumKGError.__init__(exc, data["message"], **data["details"])
    if cls is RdfSyntaxError:
        exc.file, exc.line, exc.column, exc.excerpt = data["rdf"]
    for name in ("limit_s", "retry_after_s"):
        if name in data["details"]:
            setattr(exc, name, data["details"][name])
    return exc
