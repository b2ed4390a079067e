"""Facts from spreadsheets: CSV rows become RDF, problems name file, row and column."""

from __future__ import annotations

import shutil

import pyoxigraph as ox
import pytest
from curate_helpers import AUTHOR, EXAMPLE
from museum_kg.loader.curate.register import add_source
from museum_kg.loader.curate.tables import build_facts

from museum_kg.cli import main
from museum_kg.errors import CheckFailed, CurationError

MKG = "https://w3id.org/museum-kg/ontology#"
ID = "https://w3id.org/museum-kg/id/"


@pytest.fixture()
def sheets(tmp_path, document, data_dir):
    """The example's CSV files in a folder of their own, the document registered."""
    folder = tmp_path / "lantern-street"
    folder.mkdir()
    for csv_file in EXAMPLE.glob("*.csv"):
        shutil.copy(csv_file, folder)
    add_source(document, data_dir, author=AUTHOR)
    return folder


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def _value(store, subject: str, predicate: str):
    quads = list(store.quads_for_pattern(ox.NamedNode(subject), ox.NamedNode(predicate), None))
    return [q.object for q in quads]


def test_the_example_spreadsheets_become_checked_facts_of_the_documents_graph(sheets, data_dir):
    report = build_facts(sheets, data_dir)
    assert report.entities == 11 and report.rows == 11
    assert report.problems and all(p.severity == "warning" for p in report.problems)
    store = ox.Store()
    store.load(path=str(data_dir / "lantern-street.trig"), format=ox.RdfFormat.TRIG)
    event = ID + "event/lights-over-the-channel-2019"
    assert _value(store, event, MKG + "year")[0].value == "2019"  # derived from start
    assert len(_value(store, event, MKG + "organizer")) == 2
    observation = ID + "observation/lantern-street-museum-visitors-2022"
    value = _value(store, observation, MKG + "value")[0]
    assert (value.value, value.datatype.value) == (
        "48000",
        "http://www.w3.org/2001/XMLSchema#integer",
    )
    assert _value(store, observation, MKG + "qualifier")[0].value == MKG + "MoreThan"
    assert _value(store, observation, MKG + "startDate")[0].value == "2022"  # from its year
    award = ID + "award/quillhaven-small-museum-of-the-year"
    assert _value(store, award, MKG + "source")  # defined by the recognition's row
    text = (data_dir / "lantern-street.trig").read_text(encoding="utf-8")
    assert "    # events.csv row 3\n    event:lights-over-the-channel-kerbrume-2020 a" in text


def test_running_again_replaces_the_facts_and_source_add_keeps_their_rows(
    sheets, data_dir, document
):
    build_facts(sheets, data_dir)
    (sheets / "observations.csv").unlink()
    build_facts(sheets, data_dir)
    text = (data_dir / "lantern-street.trig").read_text(encoding="utf-8")
    assert "observations.csv" not in text and "lantern-street-museum-visitors-2022" not in text
    add_source(document, data_dir)
    assert (data_dir / "lantern-street.trig").read_text(encoding="utf-8") == text


def test_cell_errors_name_file_row_and_column(sheets, data_dir):
    _edit(sheets / "events.csv", ",2019,", ",spring 2019,")
    _edit(sheets / "observations.csv", "more than", "roughly")
    _edit(sheets / "places.csv", "place:kerbrume,City", "Kerbrume town,City")
    _edit(
        sheets / "positions.csv",
        ',Director,"lantern-street#char=64,76 lantern-street#char=78,120"',
        ",Director,",
    )
    with pytest.raises(CheckFailed) as caught:
        build_facts(sheets, data_dir)
    found = {(p.file.rsplit("/", 1)[-1], p.row, p.field): p.message for p in caught.value.problems}
    assert "'spring 2019' is not a date" in found[("events.csv", "row 2", "start")]
    assert (
        "'roughly' is not one of: exactly, more than, about"
        in found[("observations.csv", "row 2", "qualifier")]
    )
    assert "not an id such as place:name" in found[("places.csv", "row 3", "id")]
    assert found[("positions.csv", "row 2", "passages")] == "required, but empty"


def test_unknown_columns_missing_columns_and_repeated_ids_are_refused(sheets, data_dir):
    _edit(sheets / "partnerships.csv", "id,label,partners,", "id,label,partner,")
    _edit(sheets / "places.csv", "place:quillhaven,City", "place:kerbrume,City")
    with pytest.raises(CheckFailed) as caught:
        build_facts(sheets, data_dir)
    found = {(p.file.rsplit("/", 1)[-1], p.row, p.field): p.message for p in caught.value.problems}
    assert found[("partnerships.csv", "row 1", "partners")] == "required column is missing"
    assert "unknown column 'partner'" in found[("partnerships.csv", "row 1", "partner")]
    assert "the same id as places.csv row 2" in found[("places.csv", "row 3", "id")]
    (sheets / "loans.csv").write_text("id,label\n")
    with pytest.raises(CurationError, match="name the file one of organisations.csv"):
        build_facts(sheets, data_dir)


def test_shape_violations_and_missing_passages_name_the_row_and_column(runner, sheets, data_dir):
    _edit(
        sheets / "events.csv", "2019,place:united-kingdom", "2019,org:quillhaven-heritage-council"
    )
    _edit(sheets / "observations.csv", "char=851,942", "char=851,943")
    result = runner.invoke(main, ["source", "facts", str(sheets), "--data", str(data_dir)])
    assert result.exit_code == 1
    out = result.output
    assert "Error: 2 problem(s) in 2 file(s), 1 SHACL violation(s) on 1 node(s)" in out
    events = out[out.index(str(sheets / "events.csv")) :]
    assert events.splitlines()[1] == (
        "  row 2: <https://w3id.org/museum-kg/id/event/lights-over-the-channel-2019>"
    )
    assert events.splitlines()[2].startswith(
        "    - countries: mkg:participantCountry must be a mkg:Country"
    )
    observations = out[out.index(str(sheets / "observations.csv")) :]
    assert "  row 2: <https://w3id.org/museum-kg/id/observation/lantern-street" in observations
    assert "- passages: cites lantern-street#char=851,943, which is not a passage" in observations


def test_facts_need_a_registered_document(tmp_path, sheets):
    with pytest.raises(CurationError, match="register the document first"):
        build_facts(sheets, tmp_path / "elsewhere")


def test_source_add_with_sheets_follows_moved_passages_in_cells_and_facts(
    runner, sheets, data_dir, document
):
    build_facts(sheets, data_dir)
    _edit(sheets / "places.csv", '"lantern-street#char=425,643 ', '"char=425,643 ')  # short form
    build_facts(sheets, data_dir)
    text = document.read_text(encoding="utf-8")
    text = text.replace("## Partners abroad\n", "## Partners abroad\n\nNew.\n")
    document.write_text(text, encoding="utf-8")
    start = text.index("In 2017")
    moved = f"char={start},{text.index(chr(10), start)}"
    result = runner.invoke(
        main, ["source", "add", str(document), "--data", str(data_dir), "--sheets", str(sheets)]
    )
    assert result.exit_code == 0, result.output
    assert "moved passages followed in the spreadsheets and the data file:" in result.output
    assert f"places.csv row 3: char=425,643 -> {moved}" in result.output
    assert f"partnerships.csv row 2: lantern-street#char=425,643 -> lantern-street#{moved}" in (
        result.output
    )
    assert "char=425,643" not in (sheets / "organisations.csv").read_text(encoding="utf-8")
    header = (sheets / "events.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "id,type,label,organizer,place,start,countries,topics,realizes,passages"
    # the data file and the spreadsheets agree, and only moved passages were followed
    checked = runner.invoke(main, ["check", str(data_dir / "lantern-street.trig")])
    assert checked.exit_code == 0, checked.output
    again = runner.invoke(main, ["source", "facts", str(sheets), "--data", str(data_dir)])
    assert again.exit_code == 0, again.output
