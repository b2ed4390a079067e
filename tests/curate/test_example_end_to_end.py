"""The fictional Lantern Street case study, from a text file to served, cited facts.

Every step runs the documented command (`museum-kg ...` through click, in this process) on
copies in a temporary folder; the store is a real one, served over HTTP.
"""

from __future__ import annotations

import html
import re
import shutil
import time
from datetime import UTC, datetime

import pytest
import requests
from curate_helpers import AUTHOR, DOCUMENT, EXAMPLE
from lxml import etree

from museum_kg.cli import main

ID = "https://w3id.org/museum-kg/id/"
MUSEUM = ID + "org/lantern-street-museum-of-signals"
SRC = "https://w3id.org/museum-kg/source/lantern-street"
OAI = {"oai": "http://www.openarchives.org/OAI/2.0/"}
PREFIXES = """PREFIX mkg: <https://w3id.org/museum-kg/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""


def _ok(result):
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    """The curator's steps, as docs/curating.md gives them; yields the folders and outputs."""
    from click.testing import CliRunner

    runner = CliRunner()
    work = tmp_path_factory.mktemp("curating")
    document = work / "sources" / DOCUMENT.name
    document.parent.mkdir()
    shutil.copy(DOCUMENT, document)
    data, store = work / "data", work / "store"
    sheets = data / "lantern-street"  # the spreadsheets beside the data file, as documented
    shutil.copytree(EXAMPLE, sheets, ignore=shutil.ignore_patterns("*.md"))
    started = time.monotonic()
    out: dict = {"times": {}}

    def step(name: str, *args: str) -> None:
        begun = time.monotonic()
        out[name] = _ok(runner.invoke(main, list(args)))
        out["times"][name] = time.monotonic() - begun

    step("load bundled", "load", "--store", str(store))
    step("add", "source", "add", str(document), "--data", str(data), "--author", AUTHOR)
    step("entities", "source", "entities", str(document))
    step("facts", "source", "facts", str(sheets), "--data", str(data))
    step("check", "check", str(data / "lantern-street.trig"))
    before_load = datetime.now(UTC).replace(microsecond=0)
    time.sleep(1.1)  # OAI-PMH dates have seconds: the new load's changes come after
    step("load", "load", str(data / "lantern-street.trig"), "--store", str(store))
    out["seconds"] = time.monotonic() - started
    yield {"runner": runner, "work": work, "document": document, "data": data,
           "store": store, "out": out, "before_load": before_load}  # fmt: skip


@pytest.fixture(scope="module")
def served(curated, server_factory):
    return server_factory(store=curated["store"])


def _select(server, query: str) -> list[dict]:
    r = requests.get(
        server.sparql,
        params={"query": PREFIXES + query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    assert r.status_code == 200, r.text
    return [{k: v["value"] for k, v in b.items()} for b in r.json()["results"]["bindings"]]


def test_each_step_says_what_it_did(curated):
    out = curated["out"]
    assert "src:lantern-street: registered" in out["add"] and "(11 passages)" in out["add"]
    assert "place:france" in out["entities"] and "place:united-kingdom" in out["entities"]
    assert "11 entities from 11 rows" in out["facts"]
    assert "0 error(s)" in out["check"]
    assert "snapshot" in out["load"] and "11 created" not in out["load bundled"]
    steps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in out["times"].items())
    print(f"curating the example took {out['seconds']:.1f} s ({steps})")


def test_competency_questions_are_answered_from_the_new_facts(served):
    countries = _select(served, f"""
        SELECT DISTINCT ?country WHERE {{
          ?x a mkg:Partnership ; mkg:partner <{MUSEUM}> ; mkg:participantCountry ?c .
          ?c rdfs:label ?country FILTER(lang(?country) = "en")
        }} ORDER BY ?country""")  # fmt: skip
    assert [r["country"] for r in countries] == ["France", "United Kingdom"]
    exhibitions = _select(served, f"""
        SELECT ?label ?year ?place WHERE {{
          ?e a mkg:Exhibition ; mkg:organizer <{MUSEUM}> ; rdfs:label ?label ; mkg:year ?year ;
             mkg:place/rdfs:label ?place .
        }} ORDER BY ?year""")  # fmt: skip
    assert [(r["year"], r["place"]) for r in exhibitions] == [
        ("2019", "Quillhaven"), ("2020", "Kerbrume")
    ]  # fmt: skip
    visitors = _select(served, f"""
        SELECT ?value ?qualifier ?year WHERE {{
          ?o mkg:observedEntity <{MUSEUM}> ; mkg:measure ?m ; mkg:value ?value ;
             mkg:qualifier ?qualifier ; mkg:year ?year .
        }}""")  # fmt: skip
    assert visitors == [{"value": "48000", "qualifier": "https://w3id.org/museum-kg/ontology#MoreThan",
                         "year": "2022"}]  # fmt: skip
    awarded = _select(served, f"""
        SELECT ?by WHERE {{ ?r a mkg:Recognition ; mkg:awardedTo <{MUSEUM}> ;
                                mkg:awardedBy/rdfs:label ?by }}""")  # fmt: skip
    assert awarded == [{"by": "Quillhaven Heritage Council"}]


def test_every_new_fact_cites_a_passage_of_the_document_with_its_offsets(served, curated):
    text = curated["document"].read_text(encoding="utf-8")
    rows = _select(served, f"""
        SELECT ?fact ?start ?end WHERE {{
          GRAPH <https://w3id.org/museum-kg/graph/lantern-street> {{
            ?fact mkg:source ?p . ?p mkg:document <{SRC}> ;
               mkg:startOffset ?start ; mkg:endOffset ?end }}
        }}""")  # fmt: skip
    facts = {r["fact"] for r in rows}
    assert MUSEUM in facts and len(facts) == 13  # 11 rows, the award and the author
    quoted = {
        r["fact"]: text[int(r["start"]) : int(r["end"])] for r in rows if "visitors" in r["fact"]
    }
    assert (
        "more than 48,000 visitors"
        in quoted[ID + "observation/lantern-street-museum-visitors-2022"]
    )


def test_the_new_entities_appear_in_the_feeds(served, curated):
    since = curated["before_load"].strftime("%Y-%m-%dT%H:%M:%SZ")
    identifiers, params = [], {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": since}
    while True:
        root = etree.fromstring(requests.get(served.url + "oai", params=params, timeout=60).content)
        identifiers += [e.text for e in root.findall(".//oai:header/oai:identifier", OAI)]
        token = root.find(".//oai:resumptionToken", OAI)
        if token is None or not token.text:
            break
        params = {"verb": "ListIdentifiers", "resumptionToken": token.text}
    assert MUSEUM in identifiers and ID + "event/lights-over-the-channel-2019" in identifiers
    assert not any("beijing" in i for i in identifiers)  # only what the load changed
    view = requests.get(served.url + "feeds/ldes/view", headers={"Accept": "text/turtle"},
                        timeout=60)  # fmt: skip
    assert view.status_code == 200
    pages = sorted({int(n) for n in re.findall(r"feeds/ldes/(\d+)>", view.text)})
    last = requests.get(f"{served.url}feeds/ldes/{pages[-1]}", headers={"Accept": "text/turtle"},
                        timeout=60)  # fmt: skip
    assert f"<{MUSEUM}>" in last.text or "org:lantern-street-museum-of-signals" in last.text


def test_the_entity_page_links_the_passages_behind_its_facts(served):
    page = requests.get(served.url + "id/org/lantern-street-museum-of-signals",
                        headers={"Accept": "text/html"}, timeout=60)  # fmt: skip
    assert page.status_code == 200
    assert "Lantern Street Museum of Signals" in page.text
    assert "lantern-street#char=154,403" in page.text


def test_the_entity_pages_quote_the_passages_from_the_document(curated, server_factory):
    """With the documents folder set (`source_documents`), the passages are quoted, cut from
    the registered file after its checksum matched."""
    server = server_factory(store=curated["store"], source_documents=curated["document"].parent)
    text = curated["document"].read_text(encoding="utf-8")
    for path, expected in (
        ("id/org/lantern-street-museum-of-signals", 2),  # the two passages it cites
        ("id/observation/lantern-street-museum-visitors-2022", 1),
    ):
        page = requests.get(server.url + path, headers={"Accept": "text/html"}, timeout=60).text
        quotes = {
            iri: html.unescape(quoted)
            for iri, quoted in re.findall(
                r'<blockquote cite="([^"]+)">(.*?)</blockquote>', page, re.S
            )
            if iri.startswith(SRC + "#")
        }
        assert len(quotes) == expected, path
        for iri, quoted in quotes.items():
            start, end = map(int, re.search(r"#char=(\d+),(\d+)$", iri).groups())
            assert quoted == text[start:end], iri
    assert "more than 48,000 visitors" in "".join(quotes.values())


def test_an_edited_copy_reports_moved_changed_and_vanished_passages_and_their_facts(curated):
    document, data = curated["document"], curated["data"]
    edited = document.parent / "edited" / document.name
    edited.parent.mkdir()
    text = document.read_text(encoding="utf-8")
    text = text.replace("## Partners abroad\n", "## Partners abroad\n\nA note on sources.\n")
    text = text.replace("more than 48,000 visitors", "more than 49,000 visitors")
    text = text.replace(text[text.index("In 2019 they") : text.index("## Visitors")], "")
    edited.write_text(text, encoding="utf-8")
    out = _ok(curated["runner"].invoke(main, ["source", "add", str(edited), "--data", str(data)]))
    lines = out.splitlines()
    report = lines[lines.index(next(x for x in lines if x.startswith("changes since"))) :]
    assert report[0].startswith("changes since the last registration: ")
    moved = next(x for x in report if x.strip().startswith("moved") and "char=425,643" in x)
    start = text.index("In 2017")
    assert moved.strip().endswith(f"-> lantern-street#char={start},{text.index(chr(10), start)}")
    changed = next(x for x in report if x.strip().startswith("changed"))
    assert "char=851,942" in changed
    vanished = next(x for x in report if x.strip().startswith("vanished"))
    assert "char=645,820" in vanished
    block = "\n".join(report)
    assert "cited by event:lights-over-the-channel-2019 in lantern-street.trig" in block
    assert "cited by observation:lantern-street-museum-visitors-2022 in lantern-street.trig" in (
        block
    )
    # the facts now cite passages that moved or are gone: check says so, per CSV row
    result = curated["runner"].invoke(main, ["check", str(data / "lantern-street.trig")])
    assert result.exit_code == 1
    assert "events.csv row 2 (line" in result.output
