"""A SPARQL Update request cut into its operations, read from its tokens.

`operations(text, base_iri)` returns one `Operation` per operation of the
request, each with the prologue in force (PREFIX / BASE declarations seen so
far) and the parts the write path needs to work out the operation's exact
effect: the DATA block, the DELETE and INSERT templates, WITH, USING and the
WHERE pattern (as source text), or the graphs a graph-management operation
names. Nothing here evaluates anything; the engine's parser still decides
whether the request is valid (`museum_kg.store.delta` runs it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from museum_kg.errors import QuerySyntaxError
from museum_kg.sparql.iri import is_absolute, resolve
from museum_kg.sparql.lexer import Token, split_pname, tokenize

DEFAULT = "DEFAULT"  # a graph reference to the default graph
# Placeholder IRIs for template variables, so a template parses as TriG.
VARIABLE_IRI = "urn:museum-kg:variable:"


@dataclass
class Operation:
    """One operation of an update request."""

    kind: str  # insert_data, delete_data, delete_where, modify, load, clear, drop, create,
    # add, move, copy
    prologue: str  # the PREFIX / BASE declarations in force, as source text
    base: str | None
    data: str | None = None  # the DATA block (INSERT DATA / DELETE DATA), without braces
    delete: str | None = None  # the DELETE template, without braces
    insert: str | None = None  # the INSERT template, without braces
    where: str | None = None  # the WHERE group, with its braces
    with_graph: str | None = None
    using: list[str] = field(default_factory=list)
    using_named: list[str] = field(default_factory=list)
    silent: bool = False
    graphs: list[str] = field(default_factory=list)  # IRIs, DEFAULT, NAMED or ALL
    source: str | None = None  # LOAD: what is loaded
    text: str = ""  # the operation as written


def operations(text: str, base_iri: str | None = None) -> list[Operation]:
    """The operations of `text`, in order."""
    return _Reader(text, tokenize(text), base_iri).run()


def template_as_trig(template: str) -> str:
    """A SPARQL quad template or data block written as TriG.

    Each variable becomes a placeholder IRI (see `VARIABLE_IRI`), and the `.` that
    SPARQL lets a block of triples leave out before `GRAPH` and at the end is added.
    """
    out, last, depth, previous = [], 0, 0, None
    for tok in tokenize(template):
        if tok.kind == "var":
            out.append(template[last : tok.start])
            out.append(f"<{VARIABLE_IRI}{tok.text[1:]}>")
            last = tok.end
        elif depth == 0 and tok.is_keyword("GRAPH") and _open_statement(previous):
            out.append(template[last : tok.start] + " . ")
            last = tok.start
        if tok.kind == "punct" and tok.text in "{[(":
            depth += 1
        elif tok.kind == "punct" and tok.text in "}])":
            depth -= 1
        previous = tok
    out.append(template[last:])
    if _open_statement(previous):
        out.append(" .")
    return "".join(out)


def _open_statement(tok: Token | None) -> bool:
    return tok is not None and not (tok.kind == "punct" and tok.text in (".", "}"))


class _Reader:
    def __init__(self, text: str, tokens: list[Token], base: str | None) -> None:
        self.text, self.toks, self.base = text, tokens, base
        self.prefixes: dict[str, str] = {}
        self.prologue: list[str] = []
        self.i = 0

    def run(self) -> list[Operation]:
        ops: list[Operation] = []
        while self.i < len(self.toks):
            tok = self.toks[self.i]
            if tok.is_keyword("PREFIX") and self._at(self.i + 2, "iri"):
                name = self.toks[self.i + 1].text.rstrip(":")
                self.prefixes[name] = self._absolute(self.toks[self.i + 2].value)
                self.prologue.append(self.text[tok.start : self.toks[self.i + 2].end])
                self.i += 3
            elif tok.is_keyword("BASE") and self._at(self.i + 1, "iri"):
                self.base = self._absolute(self.toks[self.i + 1].value)
                self.prologue.append(self.text[tok.start : self.toks[self.i + 1].end])
                self.i += 2
            elif tok.kind == "punct" and tok.text == ";":
                self.i += 1
            else:
                ops.append(self._operation())
        return ops

    # --- one operation -----------------------------------------------------------------

    def _operation(self) -> Operation:
        start = self.toks[self.i]
        word = start.text.upper() if start.kind == "name" else ""
        op = Operation(kind="", prologue="\n".join(self.prologue), base=self.base)
        if word in ("INSERT", "DELETE") and self._word(self.i + 1) == "DATA":
            op.kind = f"{word.lower()}_data"
            self.i += 2
            op.data = self._block()[1:-1]
        elif word == "DELETE" and self._word(self.i + 1) == "WHERE":
            op.kind = "delete_where"
            self.i += 2
            op.where = self._block()
            op.delete = op.where[1:-1]
        elif word in ("WITH", "INSERT", "DELETE"):
            self._modify(op)
        elif word in ("LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY"):
            op.kind = word.lower()
            self.i += 1
            if self._word(self.i) == "SILENT":
                op.silent = True
                self.i += 1
            self._graph_management(op)
        else:
            raise QuerySyntaxError(
                f"expected an update operation (INSERT, DELETE, LOAD, CLEAR...), found "
                f"{start.text!r}",
                start.line,
                start.column,
            )
        end = self.toks[self.i - 1].end if self.i > 0 else start.end
        op.text = self.text[start.start : end]
        return op

    def _modify(self, op: Operation) -> None:
        op.kind = "modify"
        if self._word(self.i) == "WITH":
            self.i += 1
            op.with_graph = self._iri()
        if self._word(self.i) == "DELETE":
            self.i += 1
            op.delete = self._block()[1:-1]
        if self._word(self.i) == "INSERT":
            self.i += 1
            op.insert = self._block()[1:-1]
        while self._word(self.i) == "USING":
            self.i += 1
            if self._word(self.i) == "NAMED":
                self.i += 1
                op.using_named.append(self._iri())
            else:
                op.using.append(self._iri())
        if self._word(self.i) != "WHERE":
            self._fail("WHERE")
        self.i += 1
        op.where = self._block()

    def _graph_management(self, op: Operation) -> None:
        if op.kind == "load":
            op.source = self._iri()
            if self._word(self.i) == "INTO":
                self.i += 1
                self._expect("GRAPH")
                op.graphs.append(self._iri())
            else:
                op.graphs.append(DEFAULT)
        elif op.kind in ("clear", "drop"):
            word = self._word(self.i)
            if word in ("DEFAULT", "NAMED", "ALL"):
                op.graphs.append(word)
                self.i += 1
            else:
                self._expect("GRAPH")
                op.graphs.append(self._iri())
        elif op.kind == "create":
            self._expect("GRAPH")
            op.graphs.append(self._iri())
        else:  # add, move, copy
            op.graphs.append(self._graph_or_default())
            self._expect("TO")
            op.graphs.append(self._graph_or_default())

    # --- pieces ------------------------------------------------------------------------

    def _graph_or_default(self) -> str:
        if self._word(self.i) == "DEFAULT":
            self.i += 1
            return DEFAULT
        if self._word(self.i) == "GRAPH":
            self.i += 1
        return self._iri()

    def _block(self) -> str:
        """The text of the `{...}` group starting at the current token, braces included."""
        if not (self._at(self.i, "punct") and self.toks[self.i].text == "{"):
            self._fail("{")
        first, depth = self.toks[self.i], 0
        while self.i < len(self.toks):
            tok = self.toks[self.i]
            self.i += 1
            if tok.kind == "punct" and tok.text == "{":
                depth += 1
            elif tok.kind == "punct" and tok.text == "}":
                depth -= 1
                if depth == 0:
                    return self.text[first.start : tok.end]
        raise QuerySyntaxError("a { is never closed", first.line, first.column)

    def _iri(self) -> str:
        if self.i >= len(self.toks):
            self._fail("an IRI")
        tok = self.toks[self.i]
        if tok.kind == "iri":
            self.i += 1
            return self._absolute(tok.value)
        if tok.kind == "pname":
            prefix, local = split_pname(tok.text)
            if prefix not in self.prefixes:
                raise QuerySyntaxError(
                    f"the prefix {prefix}: is not declared; add PREFIX {prefix}: <...>",
                    tok.line,
                    tok.column,
                )
            self.i += 1
            return self.prefixes[prefix] + local
        self._fail("an IRI")
        raise AssertionError  # unreachable

    def _expect(self, word: str) -> None:
        if self._word(self.i) != word:
            self._fail(word)
        self.i += 1

    def _word(self, i: int) -> str | None:
        if i < len(self.toks) and self.toks[i].kind == "name":
            return self.toks[i].text.upper()
        return None

    def _at(self, i: int, kind: str) -> bool:
        return i < len(self.toks) and self.toks[i].kind == kind

    def _absolute(self, iri: str) -> str:
        return resolve(self.base, iri) if self.base and not is_absolute(iri) else iri

    def _fail(self, expected: str) -> None:
        if self.i < len(self.toks):
            tok = self.toks[self.i]
            raise QuerySyntaxError(f"expected {expected}, found {tok.text!r}", tok.line, tok.column)
        last = self.toks[-1] if self.toks else None
        raise QuerySyntaxError(
            f"expected {expected} at the end of the update",
            last.line if last else 1,
            last.column if last else 1,
        )
