"""Paths of the fictional case study (tests/curate/data/lantern-street/)."""

from __future__ import annotations

from pathlib import Path

EXAMPLE = Path(__file__).parent / "data" / "lantern-street"
DOCUMENT = EXAMPLE / "lantern-street.md"
AUTHOR = "Orla Fenwick"
