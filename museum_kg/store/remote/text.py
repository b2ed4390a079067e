"""The text a remote engine receives: the client's query plus blocks we write from terms.

The client's text is never rewritten; only our own, validated pieces are
inserted at token boundaries found by the lexer:

- `bind_values`: parameter values become a `VALUES (?a ?b) { (<iri> "lit") }`
  block placed first in the query's outer `WHERE` group (joined before any
  grouping, like a substitution), or after the query when it has no such
  group (`DESCRIBE <x>`, `CONSTRUCT WHERE {...}`). Each term is checked and
  written with rdflib's `.n3()`; blank nodes cannot be sent.
- `with_base`: a `BASE` for queries that use relative IRIs.
- `with_version_bump`: an update followed by our replacement of the version marker.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from rdflib.term import Identifier, Literal, URIRef

from museum_kg.errors import RequestError
from museum_kg.sparql.iri import is_absolute
from museum_kg.sparql.lexer import Token, tokenize
from museum_kg.store.remote.marker import version_bump

_VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")


def term_n3(name: str, term: Identifier) -> str:
    """`term` in SPARQL syntax, or `RequestError` when it cannot be sent safely."""
    if isinstance(term, URIRef):
        if _IRI_BAD.search(str(term)) or not is_absolute(str(term)):
            raise RequestError(
                f'the value for ?{name} must be an absolute IRI without spaces or <>"{{}}|^`\\; '
                f"got {str(term)[:80]!r}",
                parameter=name,
            )
        return f"<{term}>"
    if isinstance(term, Literal):
        if term.language is not None and not re.fullmatch(
            r"[A-Za-z]+(-[A-Za-z0-9]+)*", term.language
        ):
            raise RequestError(f"the language tag of ?{name} is not valid", parameter=name)
        if term.datatype is not None and _IRI_BAD.search(str(term.datatype)):
            raise RequestError(f"the datatype of ?{name} is not a valid IRI", parameter=name)
        return term.n3()
    raise RequestError(
        f"the value for ?{name} must be an IRI or a literal; got {term!r}", parameter=name
    )


def values_block(substitutions: Mapping[str, Identifier]) -> str:
    names, cells = [], []
    for raw, term in substitutions.items():
        name = raw.lstrip("?$")
        if not _VARNAME.match(name):
            raise RequestError(f"{raw!r} is not a SPARQL variable name", parameter=raw)
        names.append("?" + name)
        cells.append(term_n3(name, term))
    return f" VALUES ({' '.join(names)}) {{ ({' '.join(cells)}) }} "


def bind_values(text: str, substitutions: Mapping[str, Identifier]) -> str:
    """`text` with a VALUES block of the substitutions (see the module docstring)."""
    if not substitutions:
        return text
    block = values_block(substitutions)
    tokens = tokenize(text)
    index = _outer_group(tokens)
    if index is None:
        return text + "\n" + block.strip() + "\n"
    at = tokens[index].end
    if index + 1 < len(tokens) and tokens[index + 1].is_keyword("SELECT"):
        # `WHERE { SELECT ... }`: a sub-select must be alone in its group; nest it
        close = tokens[_skip_group(tokens, index) - 1].start
        return text[:at] + block + "{ " + text[at:close] + " }" + text[close:]
    return text[:at] + block + text[at:]


def _outer_group(tokens: list[Token]) -> int | None:
    """Index of the `{` token opening the query's outer WHERE group, if it has one."""
    start = next((i for i, t in enumerate(tokens) if t.is_keyword(*_FORMS)), None)
    if start is None:
        return None
    form = tokens[start].text.upper()
    i = start + 1
    if form == "CONSTRUCT":
        if i < len(tokens) and tokens[i].text == "{":
            i = _skip_group(tokens, i)  # the template
        elif i < len(tokens) and tokens[i].is_keyword("WHERE"):
            return None  # CONSTRUCT WHERE { triples }: the pattern is also the template
    depth = 0
    for j in range(i, len(tokens)):
        tok = tokens[j]
        if tok.kind != "punct":
            continue
        if tok.text == "{" and depth == 0:
            return j
        if tok.text in "([{":
            depth += 1
        elif tok.text in ")]}":
            depth -= 1
    return None


def _skip_group(tokens: list[Token], i: int) -> int:
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].text == "{":
            depth += 1
        elif tokens[j].text == "}":
            depth -= 1
            if depth == 0:
                return j + 1
    return len(tokens)


def with_base(text: str, base_iri: str | None) -> str:
    """`BASE <base_iri>` before `text` when it has relative IRIs and no BASE of its own."""
    if not base_iri or _IRI_BAD.search(base_iri):
        return text
    tokens = tokenize(text)
    if any(t.is_keyword("BASE") for t in tokens):
        return text
    if not any(t.kind == "iri" and not is_absolute(t.value) for t in tokens):
        return text
    return f"BASE <{base_iri}> " + text  # on the first line: line numbers stay right


def with_version_bump(update: str, version: str, graph: str | None = None) -> str:
    """`update` followed by the marker replacement (in `graph`, None = the default graph),
    in the same request (one transaction on engines that apply a request atomically)."""
    tokens = tokenize(update)
    if not any(t.kind == "name" and t.text.upper() in _OPERATIONS for t in tokens):
        return update  # a prologue alone changes nothing
    separator = "\n" if tokens[-1].text == ";" else "\n;\n"
    return update + separator + version_bump(version, graph)


_OPERATIONS = ("LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "INSERT", "DELETE", "WITH")
