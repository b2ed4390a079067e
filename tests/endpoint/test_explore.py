"""Exploring without SPARQL, in headless Chromium over the bundled graph: the search box
on every page, the list per class, the network of partnerships (and its plain table)."""

from __future__ import annotations

import pytest
import requests

browser_only = pytest.mark.browser


def test_search_binds_the_text_and_finds_names_in_every_language(bundled_server):
    found = requests.get(bundled_server.url + "search", params={"q": "汽车"})
    assert found.status_code == 200
    assert 'href="/id/org/beijing-auto-museum"' in found.text
    odd = requests.get(bundled_server.url + "search", params={"q": '"} } SELECT * {'})
    assert odd.status_code == 200 and "0 resources" in odd.text


def test_an_unknown_class_is_a_404_that_points_to_the_list(bundled_server):
    r = requests.get(bundled_server.url + "explore/NoSuchClass", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert "/explore" in r.text


@browser_only
def test_the_search_box_on_any_page_finds_a_museum_by_its_chinese_name(
    browser, bundled_page_server, screenshot
):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        for path in ("dataset", "id/org/guangdong-museum"):
            page.goto(bundled_page_server.url + path)
            assert page.locator("header.site form.site-search input[name=q]").is_visible()
        page.fill("header.site input[name=q]", "汽车博物馆")
        with page.expect_navigation():
            page.press("header.site input[name=q]", "Enter")
        hit = page.locator("ol.search-results a", has_text="Beijing Auto Museum")
        assert hit.count() == 1
        assert "北京汽车博物馆" in page.locator("ol.search-results").inner_text()
        screenshot(page, "search")
        with page.expect_navigation() as navigation:
            hit.click()
        assert navigation.value.status == 200
        assert page.locator("h1").inner_text() == "Beijing Auto Museum"
    finally:
        page.close()


@browser_only
def test_classes_are_listed_with_counts_and_lead_to_their_members(
    browser, bundled_page_server, screenshot
):
    page = browser.new_page()
    try:
        page.goto(bundled_page_server.url)
        page.click("header.site nav a:has-text('Explore')")
        row = page.locator("table.classes tr", has_text="mkg:Museum")
        assert row.locator("td.count").inner_text() == "3"
        screenshot(page, "explore-classes")
        row.locator("a").click()
        page.wait_for_selector("ul.members")
        assert page.locator("ul.members li").all_inner_texts() == [
            "Beijing Auto Museum",
            "Guangdong Museum",
            "National Automobile Museum of Milus",
        ]
    finally:
        page.close()


@browser_only
def test_the_network_view_draws_organisations_and_their_partnerships(
    browser, bundled_page_server, screenshot
):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(bundled_page_server.url + "explore/network")
        holder = page.wait_for_selector("#network[data-nodes]")
        assert int(holder.get_attribute("data-edges")) >= 6
        labels = page.evaluate("window.museumKgNetwork.nodes().map(n => n.data('label'))")
        assert "Beijing Auto Museum" in labels and "National Automobile Museum of Milus" in labels
        assert "France" in labels
        edge = page.evaluate(
            "window.museumKgNetwork.edges().map(e => e.data('label'))"
            ".find(l => l.includes('Milus'))"
        )
        assert edge.endswith("(2014)")  # when they worked together
        assert page.is_hidden("#network-note")
        screenshot(page, "explore-network")
        assert errors == []
    finally:
        page.close()


@browser_only
def test_without_javascript_the_network_is_a_table_with_a_note(browser, bundled_page_server):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(bundled_page_server.url + "explore/network")
        assert "JavaScript is off" in page.locator("main").inner_text()
        assert page.locator("table.network-table tbody tr").count() >= 6
    finally:
        context.close()
