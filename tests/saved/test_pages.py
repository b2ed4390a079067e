"""The saved-query pages in headless Chromium: a form from the header, a table, a chart."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

GUANGDONG = "https://w3id.org/museum-kg/id/org/guangdong-museum"


@pytest.fixture()
def page(browser, offline_assets, saved_server):
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    page.close()


def test_list_links_every_saved_query_to_its_page(page, saved_server, catalogue) -> None:
    page.goto(saved_server.url + "queries")
    links = page.locator("table.saved-list a", has_text="Timeline of events")
    assert links.count() == 1
    assert page.locator("table.saved-list tbody tr").count() == len(catalogue)
    links.click()
    page.wait_for_url("**/queries/timeline")
    assert page.locator("h1").inner_text() == "Timeline of events"


def test_form_fills_runs_and_shows_table_and_rendered_chart(page, saved_server) -> None:
    page.goto(saved_server.url + "queries/annual-visitors")
    field = page.locator("#param-museum")
    assert field.get_attribute("multiple") is not None
    field.select_option(label=["Guangdong Museum", "Beijing Auto Museum"])
    page.locator("form.saved-form button[type=submit]").click()
    page.wait_for_selector("table.results-table tbody tr")
    rows = page.locator("table.results-table tbody tr")
    assert rows.count() == 2
    assert "4300000" in rows.nth(1).inner_text() and "2016" in rows.nth(1).inner_text()
    page.wait_for_function(
        "document.getElementById('saved-chart').getAttribute('data-rendered') === '2'"
    )
    box = page.locator("canvas#saved-chart").bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    assert page.errors == []


def test_an_iri_input_takes_a_typed_value(page, saved_server) -> None:
    page.goto(saved_server.url + "queries/visitor-statistics")
    field = page.locator("#param-museum")
    assert field.get_attribute("type") == "url"
    field.fill(GUANGDONG)
    page.locator("form.saved-form button[type=submit]").click()
    page.wait_for_selector("table.results-table tbody tr")
    assert page.locator("table.results-table tbody tr").count() == 1
    assert "Guangdong Museum" in page.locator("table.results-table tbody").inner_text()


def test_typed_inputs_and_enum_select_filter_the_results(page, saved_server) -> None:
    page.goto(saved_server.url + "queries/timeline")
    year = page.locator("#param-year")
    assert year.get_attribute("type") == "number"
    year.fill("2014")
    page.select_option("#param-type", "https://w3id.org/museum-kg/ontology#Exhibition")
    page.locator("form.saved-form button[type=submit]").click()
    page.wait_for_selector("table.results-table tbody tr")
    text = page.locator("table.results-table tbody").inner_text()
    assert "Red Flag" in text and "French car body" in text
    assert page.locator("table.results-table tbody tr").count() == 2
    assert page.locator("#param-year").input_value() == "2014"


def test_enum_from_parameters_are_selects_of_the_source_querys_values(page, saved_server):
    page.goto(saved_server.url + "queries/events-in-country")
    options = page.locator("#param-country option")
    assert options.count() >= 6
    page.select_option("#param-country", label="France")
    page.locator("form.saved-form button[type=submit]").click()
    page.wait_for_selector("table.results-table tbody tr")
    assert "Red Flag" in page.locator("table.results-table tbody").inner_text()


def test_a_bad_value_shows_the_message_not_a_traceback(page, saved_server) -> None:
    response = page.goto(saved_server.url + "queries/timeline?run=1&year=16a")
    assert response.status == 400
    assert "parameter `year` must be an xsd:gYear such as 2025; got '16a'" in (
        page.locator("[role=alert]").inner_text()
    )


def test_a_query_without_parameters_runs_when_its_page_opens(page, saved_server) -> None:
    page.goto(saved_server.url + "queries/museums")
    assert page.locator("table.results-table tbody tr").count() == 3
    cell = page.locator("table.results-table a", has_text="Guangdong Museum").first
    assert cell.get_attribute("title") == GUANGDONG  # a label, the IRI on hover
    assert cell.get_attribute("href") == "/id/org/guangdong-museum"


def test_results_download_as_csv_and_json(page, saved_server) -> None:
    page.goto(saved_server.url + "queries/timeline?run=1&year=2014")
    with page.expect_download() as info:
        page.click(".downloads a:has-text('CSV')")
    download = info.value
    assert "/api/queries/timeline/run.csv?year=2014" in download.url
    with open(download.path(), encoding="utf-8") as saved:
        lines = saved.read().splitlines()
    assert lines[0].startswith("year,event,") and len(lines) > 2
    json_link = page.locator(".downloads a:has-text('JSON')").get_attribute("href")
    assert json_link.startswith("/api/queries/timeline/run.json?year=2014")


def test_open_in_the_query_editor_carries_the_query_as_it_ran(page, saved_server) -> None:
    page.goto(saved_server.url + "queries/timeline?run=1&year=2014")
    with page.expect_navigation():
        page.click("a.editor")
    page.wait_for_selector(".yasqe .CodeMirror")
    text = page.evaluate("window.museumKgYasgui.getTab().getYasqe().getValue()")
    assert "mkg:year ?year" in text
    assert 'VALUES (?year) { ("2014"^^<http://www.w3.org/2001/XMLSchema#gYear>) }' in text
    page.click(".yasqe_queryButton")
    page.wait_for_selector(".yasr table td:has-text('Red Flag')", timeout=20000)


def test_descriptions_render_markdown_without_raw_html(page, saved_server) -> None:
    page.goto(saved_server.url + "queries/museums")
    description = page.locator(".description")
    assert description.locator("code", has_text="museum").count() >= 1
    assert "`" not in description.inner_text()


def test_a_count_chart_has_axis_titles_and_whole_number_ticks(page, saved_server, screenshot):
    page.goto(saved_server.url + "queries/events-per-year?run=1")
    page.wait_for_selector("canvas#saved-chart[data-rendered]")
    scales = page.evaluate(
        "(() => { const c = window.museumKgSavedChart; return {"
        " x: c.options.scales.x.title.text, y: c.options.scales.y.title.text,"
        " ticks: c.scales.y.ticks.map(t => t.value) }; })()"
    )
    assert scales["x"] == "the year" and scales["y"] == "number of events that year"
    assert scales["ticks"] and all(float(t).is_integer() for t in scales["ticks"])
    screenshot(page, "saved-query-chart")
    assert page.errors == []


def test_without_javascript_the_page_is_a_table_with_a_note(browser, saved_server) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(saved_server.url + "queries/events-per-year")
        assert "JavaScript is off, so the chart is not drawn" in page.locator("main").inner_text()
        assert page.locator("table.results-table tbody tr").count() > 3
    finally:
        context.close()
