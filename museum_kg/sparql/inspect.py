"""What a SPARQL request asks for, read from its tokens before evaluation.

`inspect(text, kind)` returns a `QueryInfo`: the query form (or the update
operations), the PREFIX/BASE declarations, every SERVICE target and every
LOAD source, resolved through the prologue, plus the nesting depth. It does
not validate the query: syntax errors come from the engine and are converted
by `syntax_error_from`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from museum_kg.errors import QuerySyntaxError, RequestError
from museum_kg.sparql.iri import is_absolute, resolve
from museum_kg.sparql.lexer import Token, split_pname, tokenize
from museum_kg.sparql.point import PointPlan, point_plan

MAX_DEPTH = 64  # brackets nested deeper than this are refused before parsing
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
_UPDATE_OPS = ("LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "INSERT", "DELETE", "WITH")
_OPEN, _CLOSE = "{([", "})]"


@dataclass(frozen=True)
class Target:
    """A SERVICE target or a LOAD source.

    `iri` is the absolute IRI when the target is an IRI or a prefixed name that
    the prologue resolves; `variable` is set for `SERVICE ?var`; `raw` is the
    text as written; `start`/`end` delimit the target token in the query text.
    """

    keyword: str  # "SERVICE" or "LOAD"
    raw: str
    start: int
    end: int
    line: int
    column: int
    iri: str | None = None
    variable: str | None = None
    silent: bool = False
    problem: str | None = None  # why no IRI could be worked out


@dataclass(frozen=True)
class QueryInfo:
    kind: str  # "query" or "update"
    form: str | None  # select/ask/construct/describe for queries, None for updates
    operations: tuple[str, ...] = ()  # update operations: load, clear, insert_data, modify...
    prefixes: Mapping[str, str] = field(default_factory=dict)  # read-only: answers are shared
    base: str | None = None
    services: tuple[Target, ...] = ()
    loads: tuple[Target, ...] = ()
    max_depth: int = 0
    dataset_clause: bool = False  # FROM or FROM NAMED: the query names its own dataset
    graph_patterns: bool = True  # the word GRAPH occurs: the query may read named graphs
    light: bool = False  # looks like a lookup: see `_looks_light`
    # prefixes of prefixed names the text uses without declaring them (see `prefixes.py`)
    undeclared: frozenset[str] = frozenset()
    # a query the serving process may answer itself (`museum_kg.sparql.point`), else None
    point: PointPlan | None = None

    @property
    def fetches(self) -> tuple[Target, ...]:
        """Everything the engine would fetch over the network: SERVICE targets and LOAD sources."""
        return self.services + self.loads


CACHED_TEXT_CHARS = 4096  # queries up to this size are read once per process


def inspect(text: str, kind: str = "query", base_iri: str | None = None) -> QueryInfo:
    """Read the form, prologue, SERVICE targets and LOAD sources of SPARQL `text`.

    The answer depends on the text alone, so short texts (dashboards and harvesters
    repeat theirs) are read once: the endpoint and the store both ask on every request.
    """
    if len(text) <= CACHED_TEXT_CHARS:
        return _inspect_cached(text, kind, base_iri)
    return _inspect(text, kind, base_iri)


@functools.lru_cache(maxsize=1024)
def _inspect_cached(text: str, kind: str, base_iri: str | None) -> QueryInfo:
    return _inspect(text, kind, base_iri)


def _inspect(text: str, kind: str, base_iri: str | None) -> QueryInfo:
    if kind not in ("query", "update"):
        raise ValueError(f"kind must be 'query' or 'update', not {kind!r}")
    tokens = tokenize(text)
    depth = _check_depth(tokens)
    reader = _Reader(tokens, base_iri)
    reader.run(kind)
    form = None
    if kind == "query":
        form = reader.form.lower() if reader.form else None
    return QueryInfo(
        kind=kind,
        form=form,
        operations=tuple(reader.operations),
        prefixes=MappingProxyType(dict(reader.prefixes)),
        base=reader.base,
        services=tuple(reader.services),
        loads=tuple(reader.loads),
        max_depth=depth,
        dataset_clause=any(tok.is_keyword("FROM") for tok in tokens),
        graph_patterns=any(_names_graph(tok) for tok in tokens),
        light=kind == "query" and _looks_light(tokens),
        undeclared=frozenset(
            {split_pname(tok.text)[0] for tok in tokens if tok.kind == "pname"}
            - set(reader.prefixes)
            - reader.glued_prefixes
        ),
        point=point_plan(tokens, reader.prefixes, reader.base) if kind == "query" else None,
    )


# Words and operators that make evaluation read much more than it returns: aggregation,
# negation, federation and (below) property paths.
_HEAVY_WORDS = {
    "GROUP", "HAVING", "MINUS", "EXISTS", "SERVICE",
    "COUNT", "SUM", "AVG", "MIN", "MAX", "SAMPLE", "GROUP_CONCAT",
}  # fmt: skip
_HEAVY_PUNCT = {"*", "+", "?", "|", "^", "/"}


def _looks_light(tokens: list[Token]) -> bool:
    """A lookup: one query form, none of the heavy words or path operators, and a
    constant to start from (an IRI, prefixed name or literal in a triple pattern, not in
    a FILTER or BIND expression; or the resource a DESCRIBE names).

    Only a scheduling hint (light queries may use the workers kept for them, see
    `museum_kg.store.pool`): a wrong guess costs speed, never safety, since every
    query keeps its deadline.
    """
    forms = [t for t in tokens if t.is_keyword(*FORMS)]
    if len(forms) != 1:
        return False
    describe = forms[0].is_keyword("DESCRIBE")
    braces = parens = 0
    after_form = anchored = False
    for i, tok in enumerate(tokens):
        if tok.kind == "punct" and tok.text == "{":
            braces += 1
        elif tok.kind == "punct" and tok.text == "}":
            braces = max(0, braces - 1)
        elif tok.kind == "punct" and tok.text in "([":
            parens += 1
        elif tok.kind == "punct" and tok.text in ")]":
            parens = max(0, parens - 1)
        elif tok.is_keyword(*FORMS):
            after_form = True
        elif tok.kind == "name" and tok.text.upper() in _HEAVY_WORDS:
            return False
        elif tok.kind == "punct" and tok.text in _HEAVY_PUNCT:
            previous = tokens[i - 1] if i else None
            if not (tok.text == "*" and previous is not None and previous.is_keyword("SELECT")):
                return False
        elif tok.kind in ("iri", "pname", "string", "number") and not parens:
            in_pattern = braces > 0
            described = describe and after_form and braces == 0 and tok.kind in ("iri", "pname")
            anchored = anchored or in_pattern or described
    return anchored


def _names_graph(tok: Token) -> bool:
    """`GRAPH`, also glued to what follows (`GRAPH?g`, `GRAPHex:g` read as one word)."""
    return tok.kind in ("name", "pname") and tok.text.upper().startswith("GRAPH")


def _check_depth(tokens: list[Token]) -> int:
    depth = deepest = 0
    for tok in tokens:
        if tok.kind != "punct":
            continue
        if tok.text in _OPEN:
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth > MAX_DEPTH:
                    raise QuerySyntaxError(
                        f"brackets are nested more than {MAX_DEPTH} levels deep; "
                        "simplify the query",
                        tok.line,
                        tok.column,
                    )
        elif tok.text in _CLOSE:
            depth = max(0, depth - 1)
    return deepest


class _Reader:
    """One pass over the tokens, tracking the prologue and bracket depth."""

    def __init__(self, tokens: list[Token], base_iri: str | None) -> None:
        self.tokens = tokens
        self.base = base_iri
        self.prefixes: dict[str, str] = {}
        self.services: list[Target] = []
        self.loads: list[Target] = []
        self.operations: list[str] = []
        self.form: str | None = None
        # Prefixes declared as `PREFIXe:<...>`: the engine's parser reads the keyword glued
        # to the name, so a target through them is refused rather than guessed.
        self.glued_prefixes: set[str] = set()

    def run(self, kind: str) -> None:
        toks, i, depth, expect_op = self.tokens, 0, 0, True
        while i < len(toks):
            tok = toks[i]
            if tok.is_keyword("PREFIX") and i + 2 < len(toks) and toks[i + 1].kind == "pname":
                if toks[i + 2].kind == "iri":
                    name = toks[i + 1].text[:-1] if toks[i + 1].text.endswith(":") else None
                    if name is not None:
                        self.prefixes[name] = self._absolute(toks[i + 2].value)
                i += 3
                continue
            glued_prefix = _glued(tok, "PREFIX") and tok.text.endswith(":")
            if glued_prefix and i + 1 < len(toks) and toks[i + 1].kind == "iri":
                self.glued_prefixes.add(tok.text[len("PREFIX") : -1])
                i += 2
                continue
            if tok.is_keyword("BASE") and i + 1 < len(toks) and toks[i + 1].kind == "iri":
                self.base = self._absolute(toks[i + 1].value)
                i += 2
                continue
            if tok.kind == "punct" and tok.text in _OPEN:
                depth += 1
            elif tok.kind == "punct" and tok.text in _CLOSE:
                depth = max(0, depth - 1)
            elif tok.kind == "punct" and tok.text == ";" and depth == 0 and kind == "update":
                expect_op = True
            elif tok.is_keyword("SERVICE", "LOAD", "SERVICESILENT", "LOADSILENT"):
                i = self._target(i)
                if tok.is_keyword("LOAD", "LOADSILENT") and expect_op and depth == 0:
                    self.operations.append("load")
                    expect_op = False
                continue
            elif _glued(tok, "SERVICE") or _glued(tok, "LOAD"):
                self._glued_fetch(tok)
            elif depth == 0 and expect_op and kind == "query" and tok.is_keyword(*FORMS):
                self.form = tok.text.upper()
                expect_op = False
            elif depth == 0 and expect_op and kind == "update" and tok.is_keyword(*_UPDATE_OPS):
                self.operations.append(self._operation(i))
                expect_op = False
            i += 1

    def _operation(self, i: int) -> str:
        word = self.tokens[i].text.upper()
        nxt = self.tokens[i + 1] if i + 1 < len(self.tokens) else None
        if word in ("INSERT", "DELETE") and nxt is not None and nxt.is_keyword("DATA"):
            return f"{word.lower()}_data"
        if word == "DELETE" and nxt is not None and nxt.is_keyword("WHERE"):
            return "delete_where"
        if word in ("INSERT", "DELETE", "WITH"):
            return "modify"
        return word.lower()

    def _glued_fetch(self, tok: Token) -> None:
        """`SERVICEe:x`, `SERVICE:x`, `LOADSILENT...`: keyword and target written as one word.

        The engine's parser accepts these. When the glued remainder can name a target
        (its prefix is declared), the target is recorded with a problem, so it is refused.
        """
        keyword = "SERVICE" if tok.text.upper().startswith("SERVICE") else "LOAD"
        rest = tok.text[len(keyword) :]
        candidates = [rest]
        if rest.upper().startswith("SILENT"):
            candidates.append(rest[len("SILENT") :])
        for candidate in candidates:
            prefix = candidate.partition(":")[0]
            if ":" in candidate and (prefix in self.prefixes or prefix in self.glued_prefixes):
                self._add(
                    Target(
                        keyword,
                        tok.text,
                        tok.start,
                        tok.end,
                        tok.line,
                        tok.column,
                        problem=f"`{keyword}` is glued to what follows; separate the words "
                        "with spaces",
                    )
                )
                return

    def _target(self, i: int) -> int:
        """Record the target after SERVICE/LOAD at token `i`; return the next index."""
        keyword = self.tokens[i].text.upper()
        j, silent = i + 1, False
        if keyword.endswith("SILENT"):  # SERVICESILENT / LOADSILENT
            keyword, silent = keyword[: -len("SILENT")], True
        if j < len(self.tokens) and self.tokens[j].is_keyword("SILENT"):
            silent, j = True, j + 1
        if j >= len(self.tokens):
            anchor = self.tokens[i]
            target = Target(
                keyword,
                "",
                anchor.end,
                anchor.end,
                anchor.line,
                anchor.column,
                problem="nothing follows it",
            )
            self._add(target)
            return j
        tok = self.tokens[j]
        common = dict(
            keyword=keyword,
            raw=tok.text,
            start=tok.start,
            end=tok.end,
            line=tok.line,
            column=tok.column,
            silent=silent,
        )
        if tok.kind == "iri":
            iri = self._absolute(tok.value)
            problem = None if is_absolute(iri) else "it is a relative IRI and no BASE is set"
            target = Target(**common, iri=iri if problem is None else None, problem=problem)
        elif _glued(tok, "SILENT"):
            target = Target(
                **common,
                problem="`SILENT` is glued to what follows; separate the words with spaces",
            )
        elif tok.kind == "pname":
            prefix, local = split_pname(tok.text)
            if prefix in self.glued_prefixes:
                target = Target(
                    **common,
                    problem=f"prefix `{prefix}:` is declared with `PREFIX` glued to its name; "
                    "separate the words with spaces",
                )
            elif prefix in self.prefixes:
                target = Target(**common, iri=self.prefixes[prefix] + local)
            else:
                target = Target(**common, problem=f"prefix `{prefix}:` is not declared")
        elif tok.kind == "var":
            target = Target(**common, variable=tok.value)
        else:
            target = Target(**common, problem="it is not followed by an IRI")
            self._add(target)
            return j
        self._add(target)
        return j + 1

    def _add(self, target: Target) -> None:
        (self.services if target.keyword == "SERVICE" else self.loads).append(target)

    def _absolute(self, iri: str) -> str:
        if self.base and not is_absolute(iri):
            return resolve(self.base, iri)
        return iri


def _glued(tok: Token, keyword: str) -> bool:
    """Whether `tok` is `keyword` glued to more text (a longer word or a prefixed name)."""
    return (
        tok.kind in ("name", "pname")
        and len(tok.text) > len(keyword)
        and tok.text[: len(keyword)].upper() == keyword
    )


_POSITION = re.compile(r"^error at (\d+):(\d+):\s*(.*)$", re.S)
_MAX_MESSAGE = 300


def syntax_error_from(exc: BaseException) -> RequestError:
    """Turn the engine's `SyntaxError` text ("error at 3:18: expected ...") into our error."""
    text = str(exc).strip()
    match = _POSITION.match(text)
    line = column = None
    if match:
        line, column, text = int(match.group(1)), int(match.group(2)), match.group(3)
    text = " ".join(text.split())
    if len(text) > _MAX_MESSAGE:
        text = text[:_MAX_MESSAGE].rsplit(" ", 1)[0] + " ..."
    return QuerySyntaxError(text or "unknown syntax error", line, column)
