"""Documents are cut into headings and paragraphs with exact code-point offsets."""

from __future__ import annotations

import re

from museum_kg.loader.curate.passages import cut, slug, title_of

from museum_kg.paths import DATA_DIR

MARKDOWN = (
    "# Title\n\nBy A. Writer\n\n## Part one\n\nFirst line\nsecond line.\n\n## Part one\n\nÉté.\n"
)


def test_markdown_headings_start_sections_and_count_as_paragraph_one():
    passages = cut(MARKDOWN, markdown=True)
    assert [(p.section, p.paragraph, p.heading) for p in passages] == [
        ("Title", 1, True),
        ("Title", 2, False),
        ("Part one", 1, True),
        ("Part one", 2, False),
        ("Part one (2)", 1, True),
        ("Part one (2)", 2, False),
    ]
    assert passages[3].text == "First line\nsecond line."  # one paragraph of two lines
    assert title_of(passages) == "Title"


def test_offsets_are_code_points_of_whole_lines_without_blanks():
    text = "  Ünïcode heading\n\n中文 paragraph — one.  \n"
    passages = cut(text)
    for p in passages:
        assert text[p.start : p.end] == p.text == p.text.strip()
    assert passages[1].start == text.index("中")
    assert passages[1].end == len(text.rstrip())


def test_plain_text_lines_are_paragraphs_and_a_short_line_before_prose_is_a_heading():
    text = "Front line\n\nAuthor Name\n\nA Heading\n\nProse that ends.\nMore prose.\n\nFooter"
    passages = cut(text)
    assert [(p.section, p.paragraph) for p in passages] == [
        ("front matter", 1),
        ("front matter", 2),
        ("A Heading", 1),
        ("A Heading", 2),
        ("A Heading", 3),
        ("A Heading", 4),
    ]


def test_slugs_are_safe_for_iris_and_file_names():
    assert slug("Lantern Street (draft) é") == "lantern-street-draft-e"
    assert slug("000_97874258721e1525") == "000_97874258721e1525"


def test_every_passage_the_bundled_data_cites_is_a_passage_of_the_cutter(seeds_dir):
    """The seeds' hand-made passages are exactly what `source add` would cut."""
    for data_file in sorted(DATA_DIR.glob("*.trig")):
        text = data_file.read_text(encoding="utf-8")
        stem = re.search(r'dcterms:identifier "([^"]+)"', text).group(1)
        cited = {(int(a), int(b)) for a, b in re.findall(r"#char=(\d+),(\d+)> a mkg:Passage", text)}
        seed = (seeds_dir / stem).read_text(encoding="utf-8")
        offsets = {(p.start, p.end) for p in cut(seed)}
        assert cited and cited <= offsets, f"{data_file.name}: {sorted(cited - offsets)}"
