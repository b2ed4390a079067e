"""queries/README.md is generated from the headers and must not go stale."""

from __future__ import annotations

from museum_kg.endpoint.saved.catalogue import (
    MARKER,
    SavedQueries,
    catalogue_is_current,
    readme_intro,
    render_catalogue,
)

from museum_kg.errors import NotFound
from museum_kg.paths import QUERIES_DIR

README = QUERIES_DIR / "README.md"


def test_catalogue_in_the_readme_is_current() -> None:
    assert catalogue_is_current(SavedQueries(), README), (
        "queries/README.md is stale: run `museum-kg query catalogue`"
    )


def test_every_saved_query_is_in_the_catalogue_with_its_file() -> None:
    text = README.read_text(encoding="utf-8")
    for saved in SavedQueries():
        assert f"### {saved.id}\n" in text, f"{saved.id} is missing from queries/README.md"
        assert f"({saved.file_name})" in text


def test_the_rule_paragraph_stays_on_top() -> None:
    intro = readme_intro(README)
    assert intro.startswith("# queries/") and "Rule:" in intro and MARKER not in intro


def test_a_new_query_makes_the_catalogue_stale(tmp_path) -> None:
    for path in QUERIES_DIR.glob("counts-per-class.rq"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    readme = tmp_path / "README.md"
    readme.write_text(render_catalogue(SavedQueries(tmp_path), "# queries/\n\nRule: x\n"))
    assert catalogue_is_current(SavedQueries(tmp_path), readme)
    text = (QUERIES_DIR / "topics.rq").read_text(encoding="utf-8")
    (tmp_path / "topics.rq").write_text(text, encoding="utf-8")
    assert not catalogue_is_current(SavedQueries(tmp_path), readme)


def test_unknown_id_is_not_found_and_says_how_to_list() -> None:
    try:
        SavedQueries().get("nope")
    except NotFound as exc:
        assert "museum-kg query list" in exc.message
    else:
        raise AssertionError("no NotFound")
