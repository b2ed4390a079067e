"""`commit()`: the one write path for changes of any size but a bulk rebuild.

Every change (SPARQL Update, Graph Store PUT / POST / DELETE, `museum-kg load
--mode add|replace` of curated files) goes through the same steps, on a new
snapshot that nobody reads until the last one:

1. take the store's write lock (waiting at most `lock_wait` seconds, else
   `WriteBusy`), and this process's head, a writable copy of the served snapshot
   kept open between writes (`museum_kg.store.head`);
2. apply the change and keep its exact `Delta` (`museum_kg.store.delta`);
   a change that changes nothing stops here and publishes nothing;
3. settle its effects for the affected entities only (`effects.Effects`):
   digests, version contents, derived alignments, the union merge;
4. validate the focus nodes it touched, and those that point to them, against
   the shapes (`Validator`); a violation refuses the whole change;
5. record the changes (and each version) in the change log as pending,
   publish a checkpoint of the head as the new snapshot (switch CURRENT), mark
   the changes published. After any failure the head is thrown away (the next
   write copies the served snapshot again): nothing of the change remains.

A crash at any point leaves the served snapshot as it was; a pending record
whose snapshot never became current is undone by the next write or load
(`ChangeLog.recover`). `write(payload)` is the entry the writer process of the
embedded backend runs (`museum_kg.store.changes.WRITE_PIPELINE`).
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from museum_kg.loader import versions
from museum_kg.loader.changelog import ChangeLog
from museum_kg.loader.inference import Alignments
from museum_kg.loader.pipeline.effects import Effects
from museum_kg.loader.validate import Validator

from museum_kg.errors import (
    LoadError,
    MuseumKGError,
    ShapeViolations,
    StoreError,
    WriteBusy,
    to_wire,
)
from museum_kg.store.changes import Change, WriteReport
from museum_kg.store.delta import Delta, apply
from museum_kg.store.head import Head
from museum_kg.store.snapshots import SnapshotStore


@dataclass(frozen=True)
class Target:
    """Where a change goes: the store folder and the settings the write path reads."""

    store: Path
    base_iri: str
    keep: int = 3
    lock_wait: float = 30.0
    validate: bool = True

    @property
    def inferred_graph(self) -> str:
        return self.base_iri + "graph/inferred"

    @property
    def schema_graphs(self) -> set[str]:
        """Graphs whose change changes the alignments or the shapes."""
        base = self.base_iri
        return {base + "ontology", base + "shapes", base + "graph/vocabularies"}


class _Context:
    """Alignments and validator of a snapshot, kept across writes while they still hold."""

    snapshot: str | None = None
    alignments: Alignments | None = None
    validator: Validator | None = None


_context = _Context()


def write(payload: dict) -> dict:
    """Entry of the writer process: commit `payload["change"]`, answer plain data."""
    target = Target(
        Path(payload["store"]), payload["base_iri"], payload["keep"], payload["lock_wait"]
    )
    try:
        report = commit(payload["change"], target, payload.get("label"))
    except MuseumKGError as exc:
        return {"error": to_wire(exc)}
    return {"report": report.as_json()}


def commit(change: Change, target: Target, label: str | None = None) -> WriteReport:
    """Apply `change` to the store of `target` through the whole write path."""
    started = time.monotonic()
    snapshots = SnapshotStore(target.store, keep=target.keep)
    try:
        lock = snapshots.lock(target.lock_wait)
    except LoadError:
        raise WriteBusy() from None
    changelog = ChangeLog(snapshots.changelog_path)
    head = _head(snapshots)
    work = snapshots.path / "heads" / f"{os.getpid()}.work"
    try:
        snapshots.clean_staging()
        changelog.recover(snapshots.current_id())
        base = snapshots.current()
        if base is None:
            raise StoreError(
                f"the store {target.store} holds no data yet; run `museum-kg load` first",
                store=str(target.store),
            )
        store = head.checkout()
        try:
            delta = apply(store, change, reserved={target.inferred_graph})
            if not delta:
                head.keep()
                return WriteReport(version=base.id, seconds=time.monotonic() - started)
            schema_changed = bool(delta.graphs() & target.schema_graphs)
            alignments, validator = _prepare(store, base.id, target, schema_changed)
            effects = Effects(store, target.inferred_graph, alignments)
            affected = effects.affected(delta)
            settled = effects.settle(delta, work, everything=schema_changed)
            validated = 0
            if target.validate and validator.active:  # on the settled data, derived included
                around = affected | validator.referencing(affected)
                focus = validator.targets(among=around)
                _check(validator, focus, base.path, label or change.kind)
                validated = len(focus)
            diff = changelog.diff_of(settled.digests)
            now = {i: d for i, d in settled.digests.items() if d is not None}
            new_id = snapshots.new_id()
            load_id = changelog.record(
                new_id, diff, now, datetime.now(UTC), change.kind, [label or change.kind]
            )
            versions.record(changelog, load_id, settled.described)
            snapshot = head.publish(new_id)
        except BaseException:
            if _context.validator is not None:
                _context.validator.store = None  # let the head's database close
            head.discard()  # the next write copies the served snapshot again
            changelog.recover(snapshots.current_id())
            raise
        changelog.publish(load_id)
        _context.snapshot = None if schema_changed else snapshot.id
        return _report(delta, settled, diff, validated, snapshot.id, started)
    finally:
        changelog.close()
        lock.close()
        shutil.rmtree(work, ignore_errors=True)


def warm() -> None:
    """Load what the first write would otherwise wait for (rdflib, which reads the shapes),
    in a writer process that has just started."""
    import rdflib.plugins.parsers.ntriples  # noqa: F401


def _head(snapshots: SnapshotStore) -> Head:
    """This process's head for the store, kept open between writes."""
    key = snapshots.path.resolve()
    head = _heads.get(key)
    if head is None:
        head = _heads[key] = Head(snapshots)
    head.snapshots = snapshots
    return head


_heads: dict[Path, Head] = {}


def _prepare(store: ox.Store, base_id: str, target: Target, schema_changed: bool):
    """The alignments and the validator for this write, reused while the schema holds."""
    ctx = _context
    if schema_changed or ctx.snapshot != base_id or ctx.validator is None:
        ctx.alignments = Alignments.of(store, target.base_iri + "ontology")
        ctx.validator = Validator(store, target.base_iri, ctx.alignments.classes)
        ctx.snapshot = base_id
    ctx.validator.store = store  # the same shapes, read against this snapshot
    return ctx.alignments, ctx.validator


def _check(validator: Validator, focus: list[str], before: Path, source: str) -> None:
    """Refuse the violations this change brings; those the nodes already had before it
    (data loaded with `--no-validate`) do not block a change that leaves them as they were."""
    try:
        validator.check(focus, source=source)
    except ShapeViolations as after:
        now = validator.store
        validator.store = ox.Store.read_only(str(before))
        try:
            validator.check([v.focus for v in after.violations], source=source)
            known: set = set()
        except ShapeViolations as old:
            known = {_key(v) for v in old.violations}
        finally:
            validator.store = now
        new = [v for v in after.violations if _key(v) not in known]
        if new:
            raise ShapeViolations(new, source) from None


def _key(v) -> tuple:
    return (v.focus, v.path, v.message, v.value)


def _report(delta: Delta, settled, diff, validated: int, version: str, started: float):
    inserted: dict[str, int] = {}
    deleted: dict[str, int] = {}
    for quads, counts in ((delta.inserted, inserted), (delta.deleted, deleted)):
        for q in quads:
            name = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
            counts[name] = counts.get(name, 0) + 1
    return WriteReport(
        inserted=inserted,
        deleted=deleted,
        derived_inserted=settled.derived_inserted,
        derived_deleted=settled.derived_deleted,
        created=tuple(diff.created),
        updated=tuple(diff.updated),
        deleted_entities=tuple(diff.deleted),
        created_graphs=tuple(sorted(delta.created_graphs)),
        dropped_graphs=tuple(sorted(delta.dropped_graphs)),
        validated=validated,
        version=version,
        seconds=time.monotonic() - started,
    )
