"""Cutting a plain-text or Markdown document into passages.

A passage is a heading or a paragraph: whole lines, without the blanks around them, with
its code-point offsets in the text (end exclusive, as RFC 5147 `char=` counts them).

- Markdown (`.md`, `.markdown`): a paragraph is a run of non-blank lines between blank
  lines; a heading is a line starting with one to six `#`.
- Plain text: each non-blank line is a paragraph (as text exports write them); a line is a
  heading when it looks like one (at most 80 characters, not ending in `. ! ? : ; ,` or a
  closing quote or bracket) and the next line does not (a run of short lines, such as a
  byline and an address, stays a run of paragraphs).
- A heading starts a section named by its text and is paragraph 1 of it; the paragraphs
  after it are 2, 3, ... Before the first heading the section is "front matter". A heading
  text seen before gets " (2)", " (3)"... so that section and paragraph stay unique.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

MARKDOWN_SUFFIXES = (".md", ".markdown")
FRONT_MATTER = "front matter"
HEADING_MAX = 80
_MD_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
_SENTENCE_END = tuple(".!?:;,\"'”’»)")


@dataclass(frozen=True)
class Passage:
    start: int
    end: int
    section: str
    paragraph: int
    text: str
    heading: bool = False

    @property
    def fragment(self) -> str:
        return f"char={self.start},{self.end}"

    @property
    def digest(self) -> str:
        """SHA-256 of the passage's text (UTF-8), as recorded by `mkg:textSha256`."""
        return text_digest(self.text)


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_markdown(path: Path) -> bool:
    return path.suffix.lower() in MARKDOWN_SUFFIXES


def _blocks(text: str, markdown: bool) -> list[tuple[int, int, bool]]:
    """(start, end, is_markdown_heading) of each paragraph or heading, stripped."""
    blocks: list[tuple[int, int, bool]] = []
    current: list[int] = []  # start, end of the running paragraph

    def close() -> None:
        if current:
            blocks.append((current[0], current[1], False))
            current.clear()

    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        stripped = body.strip()
        begin = offset + (len(body) - len(body.lstrip()))
        finish = offset + len(body.rstrip())
        offset += len(line)
        if not stripped:
            close()
        elif not markdown or _MD_HEADING.match(body):
            close()
            blocks.append((begin, finish, markdown))
        elif current:
            current[1] = finish
        else:
            current.extend([begin, finish])
    close()
    return blocks


def _looks_like_heading(text: str) -> bool:
    return (
        len(text) <= HEADING_MAX
        and not text.endswith(_SENTENCE_END)
        and any(ch.isalpha() for ch in text)
    )


def _titles(text: str, blocks: list[tuple[int, int, bool]], markdown: bool) -> list[str | None]:
    """The heading text of each block, or None for a paragraph."""
    if markdown:
        return [
            _MD_HEADING.match(text[s:e]).group(2).strip() if md else None for s, e, md in blocks
        ]
    like = [_looks_like_heading(text[s:e]) for s, e, _ in blocks]
    return [
        text[s:e] if like[i] and i + 1 < len(blocks) and not like[i + 1] else None
        for i, (s, e, _) in enumerate(blocks)
    ]


def cut(text: str, markdown: bool = False) -> list[Passage]:
    """The passages of `text`, in order."""
    passages: list[Passage] = []
    section, paragraph = FRONT_MATTER, 0
    seen: dict[str, int] = {}
    blocks = _blocks(text, markdown)
    for (start, end, _), title in zip(blocks, _titles(text, blocks, markdown), strict=True):
        body = text[start:end]
        if title is not None:
            seen[title] = seen.get(title, 0) + 1
            section = title if seen[title] == 1 else f"{title} ({seen[title]})"
            paragraph = 0
        paragraph += 1
        passages.append(Passage(start, end, section, paragraph, body, title is not None))
    return passages


def title_of(passages: list[Passage]) -> str | None:
    """The document's title: its first heading, else its first passage."""
    for passage in passages:
        if passage.heading:
            return passage.section
    return passages[0].text.splitlines()[0].strip() if passages else None


def slug(name: str) -> str:
    """A name for IRIs and files: letters, digits, `_` and `-` (accents dropped)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "-", ascii_name).strip("-").lower()
    return cleaned or "document"
