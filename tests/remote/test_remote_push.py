"""`museum-kg load --backend`: validate and log locally, push the graphs (the bundled graph
is small: in one atomic update where the engine applies updates atomically, graph by graph
on Virtuoso), publish nothing when the push fails; over each engine kind."""

from __future__ import annotations

import pytest
from museum_kg.loader.changelog import ChangeLog

from museum_kg.store.snapshots import SnapshotStore

BASE = "https://w3id.org/museum-kg/"
EXTRA = BASE + "graph/remote-extra"
NEW_ORG = BASE + "id/org/remote-extra-museum"


def _graphs(engine) -> dict[str, int]:
    rows = engine.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {row["g"]: int(row["n"]) for row in rows}


def _marker(engine) -> str | None:
    pattern = "<urn:museum-kg:version> ?p ?v"  # the default graph; Virtuoso: a named graph
    if engine.kind == "virtuoso":
        pattern = f"GRAPH <urn:museum-kg:version> {{ {pattern} }}"
    rows = engine.select(f"SELECT ?v WHERE {{ {pattern} }}")
    return rows[0]["v"] if rows else None


@pytest.fixture(scope="module")
def engine(engine_factory, cli_load):
    engine = engine_factory()
    result = cli_load(engine, "--no-validate")  # `loaded_remote` loads with validation
    assert result.exit_code == 0, result.output
    how = "graph by graph" if engine.kind == "virtuoso" else "in one atomic update"
    assert "pushed 7 graph(s)" in result.output and how in result.output
    return engine


@pytest.fixture(scope="module")
def extra_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("extra") / "remote-extra.ttl"
    path.write_text(
        "@prefix mkg: <https://w3id.org/museum-kg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f'<{NEW_ORG}> a mkg:Museum ; rdfs:label "Remote Extra Museum"@en .\n',
        encoding="utf-8",
    )
    return path


def test_the_rebuild_pushes_every_graph_and_marks_the_snapshot(engine) -> None:
    store = engine.settings().store
    current = SnapshotStore(store).current()
    assert current is not None and _marker(engine) == current.id
    local = _graphs(engine)
    assert local[BASE + "graph/beijing-auto-museum"] > 100
    assert local[BASE + "graph/inferred"] > 100
    with ChangeLog(store / "changelog.sqlite") as log:
        assert log.last_snapshot() == current.id and log.last_id() > 0


def test_an_added_file_replaces_only_its_graph_and_the_derived_one(engine, cli_load, extra_file):
    before = _graphs(engine)
    result = cli_load(engine, "--mode", "add", "--no-validate", str(extra_file))
    assert result.exit_code == 0, result.output
    after = _graphs(engine)
    assert after[EXTRA] == 2
    for graph in before:
        if graph != BASE + "graph/inferred":
            assert after[graph] == before[graph], graph
    derived = engine.select(
        f"SELECT ?c WHERE {{ GRAPH <{BASE}graph/inferred> {{ <{NEW_ORG}> a ?c }} }}",
    )
    assert {"c": "https://schema.org/Museum"} in derived  # mkg:Museum is a schema:Museum
    current = SnapshotStore(engine.settings().store).current()
    assert _marker(engine) == current.id
    with ChangeLog(engine.settings().store / "changelog.sqlite") as log:
        assert log.entity(NEW_ORG).status == "live"


def test_a_replaced_file_replaces_its_graph(engine, cli_load, tmp_path) -> None:
    changed = tmp_path / "remote-extra.ttl"  # the same file name: the same graph
    changed.write_text(
        "@prefix mkg: <https://w3id.org/museum-kg/ontology#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f'<{NEW_ORG}> a mkg:Museum ; rdfs:label "Remote Extra Museum, renamed"@en .\n',
        encoding="utf-8",
    )
    result = cli_load(engine, "--mode", "replace", "--no-validate", str(changed))
    assert result.exit_code == 0, result.output
    labels = engine.select(
        f"SELECT ?l WHERE {{ GRAPH <{EXTRA}> {{ ?s ?p ?l FILTER(isLiteral(?l)) }} }}"
    )
    assert labels == [{"l": "Remote Extra Museum, renamed"}]
    assert _marker(engine) == SnapshotStore(engine.settings().store).current().id


def test_a_push_that_fails_exits_non_zero_and_publishes_nothing(engine, cli_load, extra_file):
    from click.testing import CliRunner

    from museum_kg.cli import main

    store = engine.settings().store
    current = SnapshotStore(store).current().id
    with ChangeLog(store / "changelog.sqlite") as log:
        last_change = log.last_id()
    marker = _marker(engine)
    env = {
        "MUSEUM_KG_BACKEND_ENGINE": engine.kind,
        "MUSEUM_KG_STORE": str(store),
        "MUSEUM_KG_BACKEND_UPDATE": engine.url + "no-update-here",
    }
    result = CliRunner().invoke(
        main,
        ["load", "--backend", engine.query_url, "--mode", "rebuild", "--no-validate"],
        env=env,
        catch_exceptions=False,
    )
    assert result.exit_code != 0
    # atomic engines: nothing changed; Virtuoso: the first step (the marker) failed
    done = "0 graph(s) were already" if engine.kind == "virtuoso" else "nothing changed there"
    assert "not published" in result.output and done in result.output
    assert SnapshotStore(store).current().id == current
    with ChangeLog(store / "changelog.sqlite") as log:
        assert log.last_id() == last_change
        assert log.entity(NEW_ORG).status == "live"  # the rebuild would have deleted it
    assert _marker(engine) == marker


def test_an_unreachable_engine_fails_the_load_before_anything_is_recorded(
    tmp_path, cli_load, engine
) -> None:
    from click.testing import CliRunner

    from museum_kg.cli import main

    store = tmp_path / "store"
    result = CliRunner().invoke(
        main,
        ["load", "--backend", "http://127.0.0.1:9/query"],
        env={"MUSEUM_KG_BACKEND_ENGINE": "oxigraph", "MUSEUM_KG_STORE": str(store)},
        catch_exceptions=False,
    )
    assert result.exit_code != 0
    assert "127.0.0.1:9" in result.output and "nothing was loaded" in result.output
    assert not (store / "changelog.sqlite").exists()
    assert not (store / "snapshots").exists() or SnapshotStore(store).current() is None


def test_a_rebuild_deletes_the_graphs_the_input_no_longer_has(engine, cli_load) -> None:
    assert EXTRA in _graphs(engine)
    result = cli_load(engine, "--no-validate")
    assert result.exit_code == 0, result.output
    assert "deleted 1 graph(s)" in result.output
    assert EXTRA not in _graphs(engine)


def test_an_add_is_refused_when_the_engine_holds_data_the_local_snapshot_lacks(
    oxigraph_factory, cli_load, extra_file, tmp_path
):
    engine = oxigraph_factory()
    assert cli_load(engine, "--no-validate").exit_code == 0
    elsewhere = tmp_path / "another-loader"  # a folder whose snapshot is not the engine's
    assert cli_load(engine, "--no-validate", "--mode", "rebuild", store=elsewhere).exit_code == 0
    before = _graphs(engine)
    result = cli_load(engine, "--mode", "add", "--no-validate", str(extra_file))
    assert result.exit_code != 0, (result.output, _marker(engine))
    assert "builds on the local snapshot" in result.output and "--mode rebuild" in result.output
    assert _graphs(engine) == before  # nothing pushed
