"""`museum-kg source add` records a document and reports what an edit did to its passages."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox
import pytest
from curate_helpers import AUTHOR
from museum_kg.loader.curate.register import add_source

from museum_kg.cli import main
from museum_kg.errors import CurationError

SRC = "https://w3id.org/museum-kg/source/lantern-street"
MKG = "https://w3id.org/museum-kg/ontology#"
PARTNERS = "In 2017 the museum signed"


def _quads(path):
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TRIG)
    return store


def test_the_cli_registers_the_document_and_prints_each_passage_with_its_id(
    runner, document, data_dir
):
    result = runner.invoke(
        main, ["source", "add", str(document), "--data", str(data_dir), "--author", AUTHOR]
    )
    assert result.exit_code == 0, result.output
    text = document.read_text(encoding="utf-8")
    start = text.index(PARTNERS)
    end = text.index("\n", start)
    assert f"lantern-street#char={start},{end}" in result.output
    assert "Partners abroad ¶2" in result.output
    store = _quads(data_dir / "lantern-street.trig")
    graphs = {q.graph_name.value for q in store}
    assert graphs == {"https://w3id.org/museum-kg/graph/lantern-street"}
    doc = ox.NamedNode(SRC)
    sha = next(store.quads_for_pattern(doc, ox.NamedNode(MKG + "sha256"), None)).object.value
    assert sha == hashlib.sha256(document.read_bytes()).hexdigest()
    passage = ox.NamedNode(f"{SRC}#char={start},{end}")
    assert next(store.quads_for_pattern(passage, ox.NamedNode(MKG + "startOffset"), None))
    digest = next(store.quads_for_pattern(passage, ox.NamedNode(MKG + "textSha256"), None))
    assert digest.object.value == hashlib.sha256(text[start:end].encode()).hexdigest()


def test_the_author_is_a_person_citing_the_byline(document, data_dir):
    add_source(document, data_dir, author=AUTHOR)
    store = _quads(data_dir / "lantern-street.trig")
    rows = list(
        store.query(
            "SELECT ?p ?s ?doc WHERE { GRAPH ?g { ?doc <http://purl.org/dc/terms/creator> ?p . "
            "?p mkg:source ?pass . ?pass mkg:startOffset ?s } }",
            prefixes={"mkg": MKG},
            substitutions={ox.Variable("doc"): ox.NamedNode(SRC)},
        )
    )
    assert len(rows) == 1
    assert rows[0]["p"].value.endswith("/id/person/orla-fenwick")
    text = document.read_text(encoding="utf-8")
    assert int(rows[0]["s"].value) == text.index(AUTHOR)


def test_an_author_not_named_in_the_document_is_refused(document, data_dir):
    with pytest.raises(CurationError, match="not named in the document"):
        add_source(document, data_dir, author="Someone Else")
    with pytest.raises(CurationError, match="--author"):
        add_source(document, data_dir)


def test_registering_again_keeps_the_facts_and_reports_moved_changed_and_vanished(
    document, data_dir
):
    first = add_source(document, data_dir, author=AUTHOR)
    old = {p.text[:20]: first.passage_iri(p) for p in first.passages}
    data_file = data_dir / "lantern-street.trig"
    partners = old[PARTNERS[:20]]
    visitors = old["In 2022 the museum w"]
    exhibition = old["In 2019 they organis"]
    # a fact citing three passages, as `source facts` would write it
    text = data_file.read_text(encoding="utf-8")
    fact = (
        "    <https://w3id.org/museum-kg/id/partnership/x> a mkg:Partnership ;\n"
        '        rdfs:label "X"@en ;\n'
        f"        mkg:source <{partners}> , <{visitors}> , <{exhibition}> .\n"
    )
    data_file.write_text(text.replace("\n}\n", "\n" + fact + "}\n"), encoding="utf-8")
    edited = document.read_text(encoding="utf-8")
    edited = edited.replace("## Partners abroad\n", "## Partners abroad\n\nA new paragraph.\n")
    edited = edited.replace("48,000 visitors", "49,500 visitors")
    edited = edited.replace(edited[edited.index("In 2019 they") : edited.index("## Visitors")], "")
    document.write_text(edited, encoding="utf-8")

    second = add_source(document, data_dir)
    kinds = {c.old: c for c in second.changes if c.old}
    assert kinds[partners].kind == "moved"
    assert kinds[partners].new.endswith(
        f"#char={edited.index(PARTNERS)},{edited.index(chr(10), edited.index(PARTNERS))}"
    )
    assert kinds[visitors].kind == "changed"
    assert kinds[exhibition].kind == "vanished" and kinds[exhibition].new is None
    for iri in (partners, visitors, exhibition):
        assert kinds[iri].cited_by == (
            ("lantern-street.trig", "https://w3id.org/museum-kg/id/partnership/x"),
        )
    assert [c.kind for c in second.changes if c.old is None] == ["new"]
    unchanged = old["Orla Fenwick"]
    assert unchanged not in kinds
    lines = "\n".join(second.lines())
    assert f"moved     lantern-street#{partners.split('#')[1]} -> " in lines
    assert "cited by partnership:x in lantern-street.trig" in lines
    # the facts part is kept, the passages are the new ones
    store = _quads(data_file)
    fact_node = ox.NamedNode("https://w3id.org/museum-kg/id/partnership/x")
    assert len(list(store.quads_for_pattern(fact_node, None, None))) == 5
    assert not list(store.quads_for_pattern(ox.NamedNode(exhibition), None, None))


def test_an_unchanged_document_reports_no_change(document, data_dir):
    add_source(document, data_dir, author=AUTHOR)
    before = (data_dir / "lantern-street.trig").read_bytes()
    again = add_source(document, data_dir)
    assert again.changes == [] and not again.created
    assert "no passage changed" in "\n".join(again.lines())
    assert (data_dir / "lantern-street.trig").read_bytes() == before


def test_documents_that_are_not_utf8_text_are_refused_with_what_to_do(tmp_path, data_dir):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Caf\xe9 Museum\n".encode("latin-1"))
    with pytest.raises(CurationError, match="save the document as UTF-8"):
        add_source(latin, data_dir, author="Caf")
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF")
    with pytest.raises(CurationError, match="plain-text"):
        add_source(pdf, data_dir, author="x")


def test_an_author_already_in_the_graph_keeps_their_iri(tmp_path, data_dir):
    """Jingquan Liu is in the bundled graph: a document of theirs reuses the person."""
    document = tmp_path / "note.txt"
    document.write_text("A short note\n\nJingquan Liu\n\nSome text of the note.\n", "utf-8")
    report = add_source(document, data_dir, author="jingquan liu")
    text = report.data_file.read_text(encoding="utf-8")
    assert "dcterms:creator person:jingquan-liu" in text
    assert "person:jingquan-liu a mkg:Person" not in text  # described in its own graph
