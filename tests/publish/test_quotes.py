"""Quoted provenance (setting `source_documents`): pages show each passage's text, cut from
its source document after the document's file matched the checksum the graph records; a
missing or different file is reported and nothing is shown for it. The tests read the three
seed documents (skipped when they are not beside the checkout) and never copy their text."""

from __future__ import annotations

import hashlib
import html
import re
import shutil
from pathlib import Path

import pytest
import requests
from museum_kg.endpoint.pages.quotes import Quote, check_document, quote

BAM_DOC = "000_97874258721e1525.txt"
SOURCE = "source/000_97874258721e1525"
MUSEUM = "id/org/beijing-auto-museum"
PASSAGE = re.compile(r"#char=(\d+),(\d+)")


def _quotes(page: str) -> dict[str, str]:
    """passage IRI -> quoted text, from the page's blockquotes."""
    found = re.findall(r'<blockquote cite="([^"]+)">(.*?)</blockquote>', page, re.S)
    return {iri: html.unescape(text) for iri, text in found}


def _passages(page: str, document: str) -> set[str]:
    return set(re.findall(rf'data-passage="([^"]*{re.escape(document)}#char=\d+,\d+)"', page))


@pytest.fixture(scope="module")
def quoting_server(publish_store, start_publish_server, seeds_dir):
    return start_publish_server(publish_store, source_documents=seeds_dir)


def test_the_source_page_quotes_every_passage_at_its_code_point_offsets(quoting_server, seeds_dir):
    page = requests.get(quoting_server.url + SOURCE).text
    text = (seeds_dir / BAM_DOC).read_text("utf-8")
    quotes = _quotes(page)
    assert len(quotes) > 10, "the document page quotes its passages"
    for iri, quoted in quotes.items():
        start, end = map(int, PASSAGE.search(iri).groups())
        assert quoted == text[start:end], iri
    assert "Not quoted" not in page


def test_the_entity_page_quotes_the_passages_of_its_facts(quoting_server, seeds_dir):
    page = requests.get(quoting_server.url + MUSEUM).text
    quotes = _quotes(page)
    assert any(BAM_DOC.removesuffix(".txt") in iri for iri in quotes)
    texts = {
        name: (seeds_dir / name).read_text("utf-8")
        for name in (p.name for p in seeds_dir.iterdir())
    }
    for iri, quoted in quotes.items():
        name = iri.rsplit("/", 1)[1].split("#", 1)[0] + ".txt"
        start, end = map(int, PASSAGE.search(iri).groups())
        assert quoted == texts[name][start:end], iri


def test_a_changed_document_is_reported_and_not_quoted(
    publish_store, start_publish_server, seeds_dir, tmp_path
):
    folder = tmp_path / "documents"
    shutil.copytree(seeds_dir, folder)
    changed = folder / BAM_DOC
    changed.write_bytes(changed.read_bytes() + b"\n")  # one more line: another checksum
    server = start_publish_server(publish_store, source_documents=folder)
    page = requests.get(server.url + SOURCE).text
    assert not _quotes(page)
    assert "is not the document the graph was made from" in page
    assert _passages(page, BAM_DOC.removesuffix(".txt"))


def test_a_missing_document_is_reported_and_not_quoted(
    publish_store, start_publish_server, tmp_path
):
    server = start_publish_server(publish_store, source_documents=tmp_path)
    page = requests.get(server.url + MUSEUM).text
    assert not _quotes(page)
    assert f"{BAM_DOC} is not in the documents folder" in page


def test_without_the_setting_pages_quote_nothing(publish_server):
    page = requests.get(publish_server.url + SOURCE).text
    assert 'id="quotes"' not in page and "<blockquote" not in page


def test_quote_cuts_code_points_and_refuses_what_it_cannot_check(tmp_path: Path):
    text = "一二三 four five\nsix"
    (tmp_path / "doc.txt").write_text(text, "utf-8")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    check = check_document(tmp_path, "urn:doc", "doc.txt", digest)
    assert check.ok
    assert quote(check, "urn:p", 1, 8) == Quote("urn:p", "二三 four")
    assert quote(check, "urn:p", 5, 99).problem  # beyond the end
    assert not check_document(tmp_path, "urn:doc", "doc.txt", "0" * 64).ok
    assert not check_document(tmp_path, "urn:doc", "doc.txt", None).ok
    assert not check_document(tmp_path, "urn:doc", "../doc.txt", digest).ok
    assert not check_document(tmp_path, "urn:doc", "other.txt", digest).ok
