"""The query page: YASGUI from the configured asset base (local files offline), examples,
and a plain form that works without JavaScript; in headless Chromium."""

from __future__ import annotations

import pytest
import requests

PREFIX = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
QUERY = (
    PREFIX + "SELECT ?name WHERE { <https://w3id.org/museum-kg/id/place/guangzhou> "
    "rdfs:label ?name }"
)


def test_page_lists_examples_prefixes_and_a_plain_form(page_server):
    r = requests.get(page_server.url)
    assert r.status_code == 200
    html = r.text
    assert '<form class="nojs-form" id="plain-form" method="get" action="/sparql">' in html
    assert "Museums and where they are" in html
    assert "PREFIX mkg: &lt;https://w3id.org/museum-kg/ontology#&gt;" in html
    assert "/assets/@zazuko/yasgui@4.6.2/build/yasgui.min.js" in html


def test_page_prefills_a_query_or_an_example(page_server):
    r = requests.get(page_server.url, params={"query": "ASK { <urn:x> ?p '</textarea>' }"})
    assert "ASK { &lt;urn:x&gt; ?p &#39;&lt;/textarea&gt;&#39; }" in r.text
    r = requests.get(page_server.url, params={"example": "4"})
    assert "GRAPH ?graph" in r.text.split('id="plain-query"')[1].split("</textarea>")[0]


def test_page_uses_a_cdn_when_asset_base_is_a_url(server_factory):
    server = server_factory(asset_base="https://cdn.example.org/npm/")
    r = requests.get(server.url)
    assert 'src="https://cdn.example.org/npm/@zazuko/yasgui@4.6.2/build/yasgui.min.js"' in r.text
    assert "script-src 'self' https://cdn.example.org" in r.headers["Content-Security-Policy"]
    assert requests.get(server.url + "assets/chart.js@4.6.1/package.json").status_code == 404


def test_local_assets_are_served_pinned_and_cached(page_server):
    r = requests.get(page_server.url + "assets/chart.js@4.6.1/dist/chart.umd.min.js")
    assert r.status_code == 200
    assert "immutable" in r.headers["Cache-Control"]
    assert (
        requests.get(page_server.url + "assets/chart.js@4.0.0/dist/chart.umd.min.js").status_code
        == 404
    )
    assert requests.get(page_server.url + "assets/left-pad@1.0.0/index.js").status_code == 404
    traversal = page_server.url + "assets/chart.js@4.6.1/..%2F..%2F..%2Fpackage.json"
    assert requests.get(traversal).status_code == 404


@pytest.mark.browser
def test_yasgui_runs_a_typed_query_and_shows_the_result_table(browser, page_server):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(page_server.url)
        page.wait_for_selector(".yasqe .CodeMirror")
        assert page.is_hidden("#plain-form")
        page.click(".yasqe .CodeMirror")
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.insert_text(QUERY)
        page.click(".yasqe_queryButton")
        cell = page.wait_for_selector(".yasr table td:has-text('Guangzhou')", timeout=20000)
        assert cell is not None
        assert page.locator(".yasr table th", has_text="name").count() >= 1
        assert errors == []
    finally:
        page.close()


@pytest.mark.browser
def test_plain_form_runs_a_query_without_javascript(browser, page_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(page_server.url)
        assert page.is_visible("#plain-form")
        assert "JavaScript is off" in page.locator("main").inner_text()
        page.fill("#plain-query", QUERY)
        page.select_option("select[name=format]", "csv")
        # the browser saves a CSV result as a file
        with page.expect_download() as download_info:
            page.click("#plain-form button[type=submit]")
        download = download_info.value
        assert "/sparql?query=" in download.url and "format=csv" in download.url
        with open(download.path(), encoding="utf-8") as saved:
            assert saved.read().splitlines() == ["name", "Guangzhou"]
    finally:
        context.close()


@pytest.mark.browser
def test_page_keeps_the_plain_form_when_yasgui_cannot_load(browser, server_factory):
    server = server_factory(asset_base="http://127.0.0.1:9/npm/")  # nothing listens there
    page = browser.new_page()
    try:
        page.goto(server.url)
        page.wait_for_load_state("load")
        assert page.is_visible("#plain-form")
        assert page.is_hidden("#yasgui")
        note = page.locator("#editor-note")
        assert note.is_visible()
        assert "could not load" in note.inner_text()
        assert "http://127.0.0.1:9/npm/@zazuko/yasgui" in note.inner_text()
    finally:
        page.close()
