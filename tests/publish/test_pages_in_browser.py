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


def test_an_entity_page_opens_with_a_card_then_themes(browser, bundled_page_server, screenshot):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(bundled_page_server.url + "id/org/beijing-auto-museum")
        card = page.locator("section.card")
        assert card.locator("h1").inner_text() == "Beijing Auto Museum"
        facts = card.locator("dl.facts").inner_text()
        assert "北京汽车博物馆" in facts and "zh" in facts  # names in every language
        assert "2011" in facts  # founding date
        assert "Fengtai District" in card.locator("dd.place").inner_text()
        # the card comes before any statement table
        order = page.evaluate(
            "[...document.querySelectorAll('section.card, #timeline, #statements')]"
            ".map(e => e.id || e.className)"
        )
        assert order == ["card", "timeline", "statements"]
        years = page.locator("ol.timeline .year").all_inner_texts()
        assert years == sorted(years) and "2014" in years and "2019" in years
        partners = page.locator("table.partners").inner_text()
        assert "National Automobile Museum of Milus" in partners and "France" in partners
        numbers = page.locator("table.numbers").inner_text()
        assert "more than 600,000" in numbers and "%" in numbers
        # a small chart: one bar per number, a share out of 100
        rows = page.locator("table.numbers tbody tr")
        assert page.locator("table.numbers meter").count() == rows.count()
        share = rows.filter(has_text="Share of children").locator("meter")
        assert share.get_attribute("max") == "100.0"
        assert "Chinese Museums Association" in page.locator("ul.awards").inner_text()
        screenshot(page, "entity-museum")
    finally:
        page.close()


def test_inferred_statements_are_folded_until_asked_for(browser, bundled_page_server):
    page = browser.new_page()
    try:
        page.goto(bundled_page_server.url + "id/org/beijing-auto-museum")
        asserted = page.locator("table.statements.asserted")
        assert asserted.is_visible()
        assert "prov:wasDerivedFrom" not in asserted.inner_text()  # inferred repeats
        inferred = page.locator("table.statements.inferred")
        assert inferred.is_hidden()
        page.click("details.inferred > summary")
        assert inferred.is_visible()
        assert "prov:wasDerivedFrom" in inferred.inner_text()
    finally:
        page.close()


def test_the_passage_row_a_link_lands_on_is_highlighted(browser, bundled_page_server):
    page = browser.new_page()
    try:
        page.goto(bundled_page_server.url + "id/org/beijing-auto-museum")
        link = page.locator('table.provenance a[href*="#char="]').first
        fragment = link.get_attribute("href").split("#", 1)[1]
        link.click()
        page.wait_for_url(f"**#{fragment}")
        row = page.locator(f'tr[id="{fragment}"]')
        colour = row.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour not in ("rgba(0, 0, 0, 0)", "transparent")
        other = page.locator('table.provenance tr[id^="char="]').last
        if other.get_attribute("id") != fragment:
            assert other.evaluate("e => getComputedStyle(e).backgroundColor") == "rgba(0, 0, 0, 0)"
    finally:
        page.close()


def test_a_graph_link_leads_to_the_dataset_description_not_a_dump(browser, bundled_page_server):
    page = browser.new_page()
    try:
        page.goto(bundled_page_server.url + "id/org/guangdong-museum")
        link = page.locator("table.statements td.graph a").first
        with page.expect_navigation() as navigation:
            link.click()
        assert navigation.value.status == 200
        assert page.url.endswith("/dataset#graphs")
        assert page.locator("h2#graphs").is_visible()
    finally:
        page.close()


def test_a_units_card_names_its_parent_organisation(browser, bundled_page_server):
    page = browser.new_page()
    try:
        page.goto(
            bundled_page_server.url + "id/org/beijing-crm-development-centre-cooperation-department"
        )
        parent = page.locator("section.card dd.parent a")
        assert parent.get_attribute("href") == "/id/org/beijing-crm-development-centre"
    finally:
        page.close()
