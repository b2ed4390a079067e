"""The query editor in headless Chromium over the bundled graph, offline (local assets):
share links, prefixes from the page's list, readable errors, completion from the graph,
history, shortened IRIs that open this server's pages, and a chart."""

from __future__ import annotations

import pytest
from museum_kg.endpoint.examples import EXAMPLES

pytestmark = pytest.mark.browser

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture()
def page(browser):
    """A page in a fresh context (its own localStorage), closed afterwards."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def open_editor(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".yasqe .CodeMirror")


def editor_value(page) -> str:
    return page.evaluate("window.museumKgYasgui.getTab().getYasqe().getValue()")


def set_query(page, text: str) -> None:
    page.evaluate("(q) => window.museumKgYasgui.getTab().getYasqe().setValue(q)", text)


def clear_and_type(page, text: str) -> None:
    page.click(".yasqe .CodeMirror")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type(text)


def run(page) -> None:
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr .yasr_results > *", timeout=20000)


def bindings(page) -> list[dict]:
    page.wait_for_function("window.museumKgYasgui.getTab().getYasr().results !== undefined")
    return page.evaluate("window.museumKgYasgui.getTab().getYasr().results.getBindings()")


def test_a_share_link_restores_its_query_in_the_editor(page, browser, bundled_page_server):
    open_editor(page, bundled_page_server.url)
    set_query(page, COUNT)
    run(page)
    page.click(".yasqe_share")
    link = page.locator(".yasqe_sharePopup input").input_value()
    assert "#" in link and "query=" in link
    other = browser.new_context()  # another reader, without this browser's saved tabs
    try:
        reader = other.new_page()
        open_editor(reader, link)
        reader.wait_for_selector(".yasr table td", timeout=20000)
        assert editor_value(reader) == COUNT
        assert int(bindings(reader)[0]["n"]["value"]) > 1000
    finally:
        other.close()


def test_the_editor_declares_a_typed_prefix_from_the_page_list(page, bundled_page_server):
    open_editor(page, bundled_page_server.url)
    clear_and_type(page, "SELECT ?m WHERE { ?m a schema:Museum }")
    text = editor_value(page)
    assert "PREFIX schema: <https://schema.org/>" in text
    assert "http://schema.org/" not in text
    run(page)
    assert len(bindings(page)) == 3


def test_a_syntax_error_is_one_short_sentence_and_marked_in_the_editor(page, bundled_page_server):
    open_editor(page, bundled_page_server.url)
    set_query(page, "SELECT * WHERE {\n  ?s ?p ?o\n  FILTER( }")
    run(page)
    message = page.wait_for_selector(".query-error p").inner_text()
    assert message.startswith("Line 3, column")
    assert len(message) < 200
    assert "u{" not in message
    assert page.locator(".CodeMirror .query-error-mark").count() == 1
    assert page.locator(".CodeMirror .query-error-line").count() == 1
    # an unknown prefix is named
    set_query(page, "SELECT * WHERE { ?s nope:name ?o }")
    assert page.locator(".CodeMirror .query-error-mark").count() == 0  # cleared on change
    run(page)
    message = page.wait_for_selector(".query-error p").inner_text()
    assert "Unknown prefix nope:" in message


def test_the_top_menu_names_each_page_once(page, bundled_page_server):
    for path in ("", "queries", "dataset", "ontology", "dumps/", "id/org/beijing-auto-museum"):
        page.goto(bundled_page_server.url + path)
        entries = page.locator("header.site nav a").all_inner_texts()
        assert entries and len(entries) == len(set(entries)), (path, entries)


@pytest.mark.parametrize("index", [0, 2])
def test_an_example_lists_each_thing_once(page, bundled_page_server, index):
    example = EXAMPLES[index]
    open_editor(page, bundled_page_server.url)
    page.click(f"[data-example='{index}']")
    run(page)
    rows = bindings(page)
    keys = [tuple(row.get(k, {}).get("value") for k in example.key) for row in rows]
    assert rows and len(keys) == len(set(keys)), keys


def test_classes_complete_from_the_graph_itself(page, bundled_page_server, screenshot):
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    open_editor(page, bundled_page_server.url)
    clear_and_type(page, "PREFIX mkg: <https://w3id.org/museum-kg/ontology#>\n")
    page.keyboard.type("SELECT ?m WHERE { ?m a mkg:Muse")
    page.keyboard.press("Control+Space")
    hint = page.wait_for_selector(".CodeMirror-hints li:has-text('mkg:Museum')")
    assert "uses" in hint.inner_text()  # how often the data uses the class
    screenshot(page, "query-completion")
    hint.click()
    assert "?m a mkg:Museum" in editor_value(page)
    assert any(url.endswith("/api/completions") for url in asked)
    assert all(url.startswith((bundled_page_server.url, "data:")) for url in asked), asked


def test_history_and_tabs_survive_a_reload(page, bundled_page_server):
    open_editor(page, bundled_page_server.url)
    assert page.is_hidden("#history")
    set_query(page, COUNT)
    run(page)
    page.reload()
    page.wait_for_selector(".yasqe .CodeMirror")
    assert editor_value(page) == COUNT  # the tab kept its query
    entry = page.locator("#history-list button.restore").first
    assert entry.inner_text() == COUNT
    set_query(page, "ASK {}")
    entry.click()
    assert editor_value(page) == COUNT


def test_result_iris_are_short_and_open_this_servers_pages(page, bundled_page_server):
    open_editor(page, bundled_page_server.url)
    set_query(
        page,
        "SELECT ?type ?m WHERE { VALUES ?m { <https://w3id.org/museum-kg/id/org/guangdong-museum> }"
        " ?m a ?type FILTER(STRSTARTS(STR(?type), 'https://w3id.org/museum-kg/ontology#')) }",
    )
    run(page)
    short = page.wait_for_selector(".yasr table a:has-text('mkg:Museum')")
    assert short.get_attribute("href") == "/ontology#Museum"
    entity = page.locator(".yasr table a[href='/id/org/guangdong-museum']").first
    with page.expect_navigation() as navigation:
        entity.click()
    assert navigation.value.status == 200
    assert page.locator("h1").inner_text() == "Guangdong Museum"


def test_a_select_with_a_numeric_column_is_drawn_as_a_chart(page, bundled_page_server, screenshot):
    open_editor(page, bundled_page_server.url)
    page.click("[data-example='1']")  # activities per year
    run(page)
    screenshot(page, "query-table")
    page.click(".yasr .select_chart")
    canvas = page.wait_for_selector(".query-chart canvas[data-rendered]")
    assert int(canvas.get_attribute("data-rendered")) == len(bindings(page)) > 1
    assert "activities" in canvas.get_attribute("aria-label")
    screenshot(page, "query-chart")
