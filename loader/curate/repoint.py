"""Moved passages, followed: `museum-kg source add FILE --sheets FOLDER`.

A passage that *moved* (the same text at other offsets) still states what the facts citing
it say, so its new id can replace the old one: in the `passages` cells of the curator's CSV
files and in the facts part of the data file, in the same run. Changed and vanished
passages are only reported: someone has to read them again.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyoxigraph as ox
from museum_kg.loader.curate.rdf import MKG, SOURCE, expand, named, short

_RELATIVE = re.compile(r"^#?char=\d+,\d+$")
_TOKENS = re.compile(r"([^;\s]+)")


def repoint_facts(blocks: list, moved: dict[str, str]) -> list:
    """The fact blocks with `mkg:source` objects of moved passages replaced."""
    source = MKG + "source"
    out = []
    for comment, triples in blocks:
        fixed = [
            ox.Triple(t.subject, t.predicate, named(moved[t.object.value]))
            if t.predicate.value == source and isinstance(t.object, ox.NamedNode)
            and t.object.value in moved
            else t
            for t in triples
        ]  # fmt: skip
        out.append((comment, fixed))
    return out


def repoint_sheets(folder: Path, moved: dict[str, str], document: str) -> list[str]:
    """Rewrite the `passages` cells of the CSV files in `folder` that cite moved passages;
    returns one line per cell changed ("events.csv row 2: old -> new")."""
    done: list[str] = []
    doc_name = document[len(SOURCE) :]
    for path in sorted(Path(folder).glob("*.csv")):
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
        newline = "\r\n" if "\r\n" in text else "\n"
        rows = list(csv.reader(io.StringIO(text, newline="")))
        if not rows or "passages" not in rows[0]:
            continue
        column = rows[0].index("passages")
        changed = False
        for number, row in enumerate(rows[1:], 2):
            if column >= len(row):
                continue
            cell, swaps = _swap(row[column], moved, doc_name)
            if swaps:
                row[column], changed = cell, True
                done += [f"{path.name} row {number}: {a} -> {b}" for a, b in swaps]
        if changed:
            out = io.StringIO()
            csv.writer(out, lineterminator=newline).writerows(rows)
            bom = "\ufeff" if raw.startswith(b"\xef\xbb\xbf") else ""
            tmp = path.with_name(path.name + ".tmp")
            tmp.write_text(bom + out.getvalue(), encoding="utf-8", newline="")
            tmp.replace(path)
    return done


def _swap(cell: str, moved: dict[str, str], doc_name: str) -> tuple[str, list[tuple[str, str]]]:
    """The cell with moved passages' ids replaced (in the form they were written)."""
    swaps: list[tuple[str, str]] = []

    def one(match) -> str:
        token = match.group(1)
        relative = bool(_RELATIVE.match(token))
        iri = expand(f"{doc_name}#{token.lstrip('#')}" if relative else token)
        if iri not in moved:
            return token
        new = moved[iri]
        if relative:
            replacement = ("#" if token.startswith("#") else "") + new.split("#", 1)[1]
        elif token.startswith("<"):
            replacement = f"<{new}>"
        elif token.startswith("http"):
            replacement = new
        else:
            replacement = short(new)
        swaps.append((token, replacement))
        return replacement

    return _TOKENS.sub(one, cell), swaps
