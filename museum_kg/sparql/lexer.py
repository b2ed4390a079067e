"""A small SPARQL 1.1 lexer: the token stream `inspect` and the guard read.

It follows the terminals of the SPARQL 1.1 grammar (section 19.8): IRIs, the
four string forms with their escapes, comments, prefixed names, variables,
blank node labels, language tags, numbers and punctuation. Words that are not
prefixed names come out as `name` tokens (keywords are matched case-
insensitively by the reader). It never decides whether a query is valid; the
parser of the engine does that at evaluation. It only refuses text it cannot
cut into tokens at all (an unterminated string or IRI escape).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from museum_kg.errors import QuerySyntaxError

_PN_CHARS_BASE = (
    "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c-\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff"
)
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"\\[tbnrf\\\"']"
_PN_PREFIX = f"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_LOCAL = (
    f"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
)
_VARNAME = f"[{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*"
_EXP = r"[eE][+-]?[0-9]+"
_IRI_CHAR = r"[^<>\"{}|^`\\\x00-\x20]"
# IRIs and one-line strings are written as "plain run, then (escape, plain run)*": the
# same language as "(plain char | escape)*", matched without trying an escape per char

_TOKEN = re.compile(
    "|".join(
        [
            r"(?P<ws>[ \t\r\n]+)",
            r"(?P<comment>#[^\r\n]*)",
            rf"(?P<iri><{_IRI_CHAR}*(?:(?:{_UCHAR}){_IRI_CHAR}*)*>)",
            rf"(?P<string>'''(?:(?:'|'')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''"
            rf'|"""(?:(?:"|"")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*"""'
            rf"|'[^'\\\n\r]*(?:(?:{_ECHAR}|{_UCHAR})[^'\\\n\r]*)*'"
            rf'|"[^"\\\n\r]*(?:(?:{_ECHAR}|{_UCHAR})[^"\\\n\r]*)*")',
            rf"(?P<var>[?$]{_VARNAME})",
            rf"(?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)",
            rf"(?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)",
            r"(?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)",
            rf"(?P<number>[0-9]+\.[0-9]*(?:{_EXP})?|\.[0-9]+(?:{_EXP})?|[0-9]+(?:{_EXP})?)",
            r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)",
            r"(?P<punct>\^\^|&&|\|\||<=|>=|!=|[{}()\[\],;.*+\-/!=<>|^?$@])",
        ]
    )
)
MAX_TOKENS = 250_000  # bounds the time spent reading a query before it is evaluated
_ESCAPE = re.compile(rf"{_UCHAR}|{_ECHAR}")
_ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f"}
_LOCAL_ESCAPE = re.compile(r"\\(.)")


class Token(NamedTuple):
    """One token: `kind`, its source `text`, and where it starts (0-based offset, 1-based line)."""

    kind: str  # iri, string, var, bnode, pname, langtag, number, name, punct, other
    text: str
    start: int
    line: int
    column: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "name" and self.text.upper() in words

    @property
    def value(self) -> str:
        """The decoded content: the IRI between `<>`, the string body, the variable name."""
        if self.kind == "iri":
            return unescape(self.text[1:-1])
        if self.kind == "string":
            quote = 3 if self.text[:3] in ("'''", '"""') else 1
            return unescape(self.text[quote:-quote])
        if self.kind == "var":
            return self.text[1:]
        return self.text


def unescape(text: str) -> str:
    r"""Decode `\uXXXX`, `\UXXXXXXXX` and the string escapes (`\n`, `\"`...)."""

    def one(match: re.Match[str]) -> str:
        s = match.group(0)
        if s[1] in "uU":
            return chr(int(s[2:], 16))
        return _ECHARS.get(s[1], s[1])

    return _ESCAPE.sub(one, text)


def split_pname(text: str) -> tuple[str, str]:
    r"""`ex:a\-b` -> ("ex", "a-b"): the prefix and the unescaped local part."""
    prefix, _, local = text.partition(":")
    return prefix, _LOCAL_ESCAPE.sub(r"\1", local)


def tokenize(text: str) -> list[Token]:
    """Cut SPARQL text into tokens, dropping whitespace and comments.

    One `finditer` over the text (the lexer runs on every request): the characters it
    skips between two matches are tokens of kind `other`, one each."""
    tokens: list[Token] = []
    append = tokens.append
    pos, line, line_start = 0, 1, 0
    for match in _TOKEN.finditer(text):
        start = match.start()
        if pos < start:
            _unmatched(text, pos, start, line, line_start, tokens)
        kind = match.lastgroup
        piece = match.group()
        if kind != "ws" and kind != "comment":
            if len(tokens) >= MAX_TOKENS:
                _count(tokens, line, start - line_start + 1)
            append(Token(kind, piece, start, line, start - line_start + 1))
        if "\n" in piece:
            line += piece.count("\n")
            line_start = start + piece.rindex("\n") + 1
        pos = match.end()
    if pos < len(text):  # characters after the last match
        _unmatched(text, pos, len(text), line, line_start, tokens)
    return tokens


def _unmatched(
    text: str, pos: int, end: int, line: int, line_start: int, tokens: list[Token]
) -> None:
    """Characters no terminal matches (none holds a line break): an unclosed string is an
    error, anything else an "other" token each."""
    for at in range(pos, end):
        if text[at] in "\"'":
            raise QuerySyntaxError(
                "a string is not closed (or contains a bad escape or a line break)",
                line,
                at - line_start + 1,
            )
        _count(tokens, line, at - line_start + 1)
        tokens.append(Token("other", text[at], at, line, at - line_start + 1))


def _count(tokens: list[Token], line: int, column: int) -> None:
    if len(tokens) >= MAX_TOKENS:
        raise QuerySyntaxError(
            f"the text has more than {MAX_TOKENS} tokens; split it into smaller requests",
            line,
            column,
        )
