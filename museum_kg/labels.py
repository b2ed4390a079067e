"""Which of an entity's labels to show: English first, then untagged, then any language.

Shared by the loader (the labels frozen with each version of the change log) and the
endpoint (pages, feeds), so both choose the same one.
"""

from __future__ import annotations

from collections.abc import Iterable


def label_rank(text: str, language: str | None) -> tuple[int, str]:
    """Sort key of a label: the smallest is the one to show (ties broken by the text)."""
    lang = (language or "").lower()
    return (0 if lang.startswith("en") else 1 if not lang else 2, text)


def choose_label(labels: Iterable[tuple[str, str | None]]) -> str | None:
    """The text of the label to show among `(text, language)` pairs; None if there is none."""
    best = min(labels, key=lambda pair: label_rank(*pair), default=None)
    return None if best is None else best[0]
