"""Helpers of the publishing tests (imported by their conftest and modules)."""

from __future__ import annotations

from pathlib import Path


def load_files(store: Path, files: list[Path]) -> str:
    """One load of `files` into `store` (replacing its data); returns the snapshot id.

    Mirrors the load pipeline's steps that publishing depends on: a new snapshot,
    entity digests compared in the change log (deletions leave tombstones), the
    dumps written before the switch, then CURRENT switched and the log published.
    """
    import hashlib
    from datetime import UTC, datetime

    import pyoxigraph as ox
    from museum_kg.loader.changelog import ChangeLog
    from museum_kg.loader.dumps import write_dumps

    from museum_kg.bundled import graph_for_file
    from museum_kg.store.snapshots import SnapshotStore

    snapshots = SnapshotStore(store)
    with ChangeLog(store / "changelog.sqlite") as log:
        builder = snapshots.begin()
        for path in files:
            fmt = ox.RdfFormat.from_extension(path.suffix.lstrip("."))
            if fmt in (ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS):
                builder.store.load(path=str(path), format=fmt)
            else:
                graph = ox.NamedNode(graph_for_file(path))
                builder.store.load(path=str(path), format=fmt, to_graph=graph)
        lines: dict[str, list[str]] = {}
        for q in builder.store:
            if isinstance(q.subject, ox.NamedNode):
                lines.setdefault(q.subject.value, []).append(str(q))
        digests = {
            iri: hashlib.blake2b("\n".join(sorted(found)).encode(), digest_size=16).digest()
            for iri, found in lines.items()
        }
        diff = log.diff(digests)
        load_id = log.record(
            builder.id, diff, digests, datetime.now(UTC), "replace", [p.name for p in files]
        )
        write_dumps(builder.store, store, builder.id)
        snapshot = builder.publish()
        log.publish(load_id)
    return snapshot.id
