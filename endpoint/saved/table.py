"""A readable terminal table from SPARQL JSON results (`museum-kg query run --format table`)."""

from __future__ import annotations

import unicodedata

from museum_kg.endpoint.saved.binding import lexical
from museum_kg.endpoint.saved.model import SavedQuery
from museum_kg.endpoint.saved.runner import parse_json_results

MAX_WIDTH = 60


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str) -> str:
    text = " ".join(text.split())
    while _width(text) > MAX_WIDTH:
        text = text[: max(1, len(text) - (_width(text) - MAX_WIDTH) - 1)] + "…"
    return text


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def render_table(data: bytes, saved: SavedQuery | None = None) -> str:
    """Columns in projection order, cells cut at 60 columns, then a row count."""
    parsed = parse_json_results(data)
    names = parsed.variables
    cells = [[_fit(lexical(row[n])) if n in row else "" for n in names] for row in parsed.rows]
    widths = [max([_width(n)] + [_width(r[i]) for r in cells]) for i, n in enumerate(names)]
    lines = [
        "  ".join(_pad(n, w) for n, w in zip(names, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    count = len(cells)
    lines.append(f"({count} row{'s' if count != 1 else ''})")
    return "\n".join(lines) + "\n"
