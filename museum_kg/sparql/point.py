"""Point queries: the ones the serving process may answer itself, read from the tokens.

`point_plan(tokens, prefixes, base)` returns a `PointPlan` when the query is, in
full, one of

    SELECT [DISTINCT|REDUCED] (?var ... | *) [WHERE] { BGP } [LIMIT n]
    ASK [WHERE] { BGP }
    CONSTRUCT { triples } [WHERE] { BGP } [LIMIT n]

(after PREFIX/BASE declarations) where the basic graph pattern is triple patterns of
variables, IRIs, prefixed names, `a`, strings (with a language tag or a datatype),
canonical integers and booleans (no blank nodes, paths, FILTER, OPTIONAL, GRAPH...),
and the patterns can be put in an order in which the first has a constant subject or
object and each next one a subject or object that is a constant or a variable bound by
the patterns before it. Anything else gets None and goes to a query worker.

The order is the evaluation order of `museum_kg.store.point`, which matches each pattern
with an index lookup on its bound positions and stops (handing the query to a worker)
once it has read `point_budget` quads: the shape makes a lookup likely to be small, the
budget makes it certain. Terms are given as `("var", name)`, `("iri", iri)` or
`("literal", value, datatype, language)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from museum_kg.sparql.iri import is_absolute, resolve
from museum_kg.sparql.lexer import Token, split_pname

MAX_PATTERNS = 8  # a lookup, a join of a few hops; longer ones go to a worker
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_CANONICAL_INTEGER = re.compile(r"0|[1-9][0-9]*")

Term = tuple  # ("var", name) | ("iri", iri) | ("literal", value, datatype, language)
Pattern = tuple[Term, Term, Term]


@dataclass(frozen=True)
class PointPlan:
    form: str  # "select", "ask" or "construct"
    variables: tuple[str, ...]  # SELECT's projection (for `*`: in order of appearance)
    patterns: tuple[Pattern, ...]  # in evaluation order
    template: tuple[Pattern, ...] = ()  # CONSTRUCT's
    distinct: bool = False
    limit: int | None = None


class _Refused(Exception):
    """The text is not a point query (or not one this reader is sure about)."""


def point_plan(tokens: list[Token], prefixes: dict[str, str], base: str | None) -> PointPlan | None:
    try:
        return _Parser(tokens, prefixes, base).query()
    except (_Refused, IndexError):
        return None


class _Parser:
    def __init__(self, tokens: list[Token], prefixes: dict[str, str], base: str | None) -> None:
        self.tokens, self.prefixes, self.base, self.i = tokens, prefixes, base, 0

    # --- tokens ---------------------------------------------------------------------

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> Token:
        tok = self.tokens[self.i]  # IndexError at the end: refused
        self.i += 1
        return tok

    def keyword(self, *words: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.is_keyword(*words):
            self.i += 1
            return True
        return False

    def punct(self, text: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "punct" and tok.text == text:
            self.i += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.punct(text):
            raise _Refused

    # --- grammar --------------------------------------------------------------------

    def query(self) -> PointPlan:
        while self.keyword("PREFIX", "BASE"):  # read by `inspect`: skipped here
            if self.tokens[self.i - 1].is_keyword("PREFIX") and self.take().kind != "pname":
                raise _Refused
            if self.take().kind != "iri":
                raise _Refused
        distinct, variables, template = False, None, ()
        if self.keyword("SELECT"):
            form = "select"
            distinct = self.keyword("DISTINCT", "REDUCED")
            if not self.punct("*"):
                variables = []
                while (tok := self.peek()) is not None and tok.kind == "var":
                    variables.append(self.take().value)
                if not variables or len(set(variables)) != len(variables):
                    raise _Refused
        elif self.keyword("ASK"):
            form = "ask"
        elif self.keyword("CONSTRUCT"):
            form = "construct"
            self.expect("{")
            template = self.triples()
        else:
            raise _Refused
        self.keyword("WHERE")
        self.expect("{")
        patterns = self.triples()
        limit = None
        if form != "ask" and self.keyword("LIMIT"):
            tok = self.take()
            if tok.kind != "number" or not tok.text.isdigit():
                raise _Refused
            limit = int(tok.text)
        if self.peek() is not None or not patterns or len(patterns) > MAX_PATTERNS:
            raise _Refused
        if variables is None:
            variables = sorted(_variables(patterns)) if form == "select" else []  # as the engine
        return PointPlan(form, tuple(variables), _ordered(patterns), template, distinct, limit)

    def triples(self) -> tuple[Pattern, ...]:
        """Triples up to the closing `}` (taken)."""
        out: list[Pattern] = []
        while not self.punct("}"):
            subject = self.term()
            if subject[0] == "literal":
                raise _Refused
            while True:
                verb = self.verb()
                while True:
                    out.append((subject, verb, self.term()))
                    if not self.punct(","):
                        break
                if not self.punct(";"):
                    break
                tok = self.peek()
                if tok is not None and tok.kind == "punct" and tok.text in ".}":
                    break  # a trailing `;`
            if not self.punct("."):
                self.expect("}")
                break
        return tuple(out)

    def verb(self) -> Term:
        tok = self.peek()
        if tok is not None and tok.kind == "name" and tok.text == "a":
            self.i += 1
            return ("iri", RDF_TYPE)
        term = self.term()
        if term[0] == "literal":
            raise _Refused
        return term

    def term(self) -> Term:
        tok = self.take()
        if tok.kind == "var":
            return ("var", tok.value)
        if tok.kind in ("iri", "pname"):
            return ("iri", self.iri(tok))
        if tok.kind == "string":
            value = tok.value
            after = self.peek()
            if after is not None and after.kind == "langtag":
                self.i += 1
                return ("literal", value, None, after.text[1:].lower())
            if self.punct("^^"):
                datatype = self.take()
                if datatype.kind not in ("iri", "pname"):
                    raise _Refused
                return ("literal", value, self.iri(datatype), None)
            return ("literal", value, None, None)
        if tok.kind == "number" and _CANONICAL_INTEGER.fullmatch(tok.text):
            return ("literal", tok.text, XSD + "integer", None)
        if tok.kind == "name" and tok.text in ("true", "false"):
            return ("literal", tok.text, XSD + "boolean", None)
        raise _Refused  # blank nodes, collections, other numbers, keywords...

    def iri(self, tok: Token) -> str:
        if tok.kind == "iri":
            iri = tok.value
            if not is_absolute(iri):
                if not self.base:
                    raise _Refused
                iri = resolve(self.base, iri)
            return iri
        prefix, local = split_pname(tok.text)
        if prefix not in self.prefixes or "%" in local:
            raise _Refused
        return self.prefixes[prefix] + local


def _variables(patterns: tuple[Pattern, ...]) -> list[str]:
    seen: list[str] = []
    for pattern in patterns:
        for term in pattern:
            if term[0] == "var" and term[1] not in seen:
                seen.append(term[1])
    return seen


def _ordered(patterns: tuple[Pattern, ...]) -> tuple[Pattern, ...]:
    """The patterns in an order where each starts from a constant or bound subject or
    object; the most bound first. Refused when there is none."""
    left, order, bound = list(patterns), [], set()

    def anchored(term: Term) -> bool:
        return term[0] != "var" or term[1] in bound

    def weight(pattern: Pattern) -> int:
        return sum(2 if anchored(t) else 0 for t in pattern) + anchored(pattern[0])

    while left:
        ready = [p for p in left if anchored(p[0]) or anchored(p[2])]
        if not ready:
            raise _Refused  # a scan of a whole predicate, or a cross product
        best = max(ready, key=weight)
        left.remove(best)
        order.append(best)
        bound.update(t[1] for t in best if t[0] == "var")
    return tuple(order)
