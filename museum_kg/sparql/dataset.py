"""The SPARQL 1.1 Protocol's update dataset: `using-graph-uri` and `using-named-graph-uri`.

The protocol (section 2.2.3) says these parameters act exactly like `USING` and
`USING NAMED` clauses on every operation of the request that has a `WHERE`
clause, and that a request must not give both the parameters and `USING`,
`USING NAMED` or `WITH` in the update text. `with_protocol_dataset` writes the
clauses into the update, in front of the `WHERE` of each `DELETE`/`INSERT ...
WHERE` operation, so that every engine behind the store interface (the
embedded one and any remote SPARQL 1.1 engine) applies the same dataset.

Only IRIs are written, each checked to be absolute and free of the characters
an IRI reference cannot hold, then written between `<` and `>`: no other part
of a request ever becomes SPARQL text. Operations without a `WHERE` clause
(`INSERT DATA`, `DELETE DATA`, `DELETE WHERE`, `LOAD`, `CLEAR`, graph
management) are left as they are: the protocol dataset has nothing to apply to
in them.
"""

from __future__ import annotations

from museum_kg.errors import ParameterError, RequestError
from museum_kg.sparql.iri import is_absolute
from museum_kg.sparql.lexer import Token, tokenize

_OPEN = ("{", "(", "[")
_CLOSE = ("}", ")", "]")
_FORBIDDEN = set(' <>"{}|^`\\') | {chr(c) for c in range(0x21)}
EXAMPLE_GRAPH = "https://w3id.org/museum-kg/graph/guangdong-museum"


def protocol_iri(name: str, value: str) -> str:
    """`value` of parameter `name` as an IRI the protocol may name; `ParameterError` if not."""
    if not is_absolute(value) or any(c in _FORBIDDEN for c in value):
        raise ParameterError(name, value, "an absolute IRI", EXAMPLE_GRAPH)
    return value


def with_protocol_dataset(text: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """`text` with `USING <g>` / `USING NAMED <g>` before the `WHERE` of each operation.

    Raises `RequestError` when the update already names its dataset (USING, USING NAMED
    or WITH), which the protocol forbids together with the parameters.
    """
    if not default_graphs and not named_graphs:
        return text
    for name, iris in (
        ("using-graph-uri", default_graphs),
        ("using-named-graph-uri", named_graphs),
    ):
        for iri in iris:
            protocol_iri(name, iri)
    clause = " ".join(
        [f"USING <{iri}>" for iri in default_graphs]
        + [f"USING NAMED <{iri}>" for iri in named_graphs]
    )
    tokens = tokenize(text)
    conflict = _dataset_keyword(tokens)
    if conflict is not None:
        raise RequestError(
            f"the update names its dataset with `{conflict.text.upper()}` (line {conflict.line}, "
            f"column {conflict.column}) and the request gives `using-graph-uri` or "
            "`using-named-graph-uri`; use one or the other, not both",
            line=conflict.line,
            column=conflict.column,
        )
    out, last = [], 0
    for where in _modify_wheres(tokens):
        out.append(text[last : where.start])
        out.append(clause + " ")
        last = where.start
    out.append(text[last:])
    return "".join(out)


def _dataset_keyword(tokens: list[Token]) -> Token | None:
    """The first `USING` or `WITH` outside brackets, if any."""
    depth = 0
    for tok in tokens:
        if tok.kind == "punct" and tok.text in _OPEN:
            depth += 1
        elif tok.kind == "punct" and tok.text in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and tok.is_keyword("USING", "WITH"):
            return tok
    return None


def _modify_wheres(tokens: list[Token]):
    """The top-level `WHERE` token of each DELETE/INSERT ... WHERE operation, in order."""
    depth, start_of_operation, modify = 0, True, False
    meaningful = [t for t in tokens if t.kind not in ("ws", "comment")]
    for i, tok in enumerate(meaningful):
        if tok.kind == "punct" and tok.text in _OPEN:
            depth += 1
            continue
        if tok.kind == "punct" and tok.text in _CLOSE:
            depth = max(0, depth - 1)
            continue
        if depth:
            continue
        if tok.kind == "punct" and tok.text == ";":
            start_of_operation, modify = True, False
            continue
        if start_of_operation and tok.is_keyword("INSERT", "DELETE"):
            nxt = meaningful[i + 1] if i + 1 < len(meaningful) else None
            modify = not (nxt is not None and nxt.is_keyword("DATA", "WHERE"))
            start_of_operation = False
        elif start_of_operation and tok.is_keyword("PREFIX", "BASE"):
            continue
        elif start_of_operation and tok.kind in ("name",):
            start_of_operation = False
        elif modify and tok.is_keyword("WHERE"):
            modify = False
            yield tok
