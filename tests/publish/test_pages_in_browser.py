"""Entity pages in a real browser (headless Chromium): content, links that work."""

from __future__ import annotations

import json
from urllib.parse import urljoin

import pytest

pytestmark = pytest.mark.browser


def test_museum_page_shows_its_name_and_its_links_lead_to_pages(browser, publish_server):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        response = page.goto(publish_server.url + "id/org/beijing-auto-museum")
        assert response.status == 200
        assert page.locator("h1").inner_text() == "Beijing Auto Museum"
        data = json.loads(page.locator('script[type="application/ld+json"]').inner_text())
        assert data["@id"] == "https://w3id.org/museum-kg/id/org/beijing-auto-museum"
        # follow an internal link from the statements table: a linked entity's page
        link = page.locator('table.statements a[href^="/id/"]').first
        target = link.get_attribute("href")
        with page.expect_navigation() as navigation:
            link.click()
        assert navigation.value.status == 200
        assert page.url == urljoin(publish_server.url, target)
        assert page.locator("h1").inner_text()
        # and the class link lands on the ontology documentation, on the term's anchor
        page.go_back()
        with page.expect_navigation() as navigation:
            page.locator('p.types a[href^="/ontology#"]').first.click()
        assert navigation.value.status == 200
        anchor = page.url.split("#", 1)[1]
        assert page.locator(f"section#{anchor}").is_visible()
        assert errors == []
    finally:
        page.close()


def test_passage_link_lands_on_the_passage_row_of_its_document(browser, publish_server):
    page = browser.new_page()
    try:
        page.goto(publish_server.url + "id/org/beijing-auto-museum")
        link = page.locator('table.provenance a[href*="#char="]').first
        href = link.get_attribute("href")
        with page.expect_navigation() as navigation:
            link.click()
        assert navigation.value.status == 200
        fragment = href.split("#", 1)[1]
        row = page.locator(f'tr[id="{fragment}"]')
        assert row.count() == 1
        start, end = fragment.removeprefix("char=").split(",")
        assert f"{start}–{end}" in row.inner_text()
    finally:
        page.close()
