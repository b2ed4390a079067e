"""`load()`: build a new snapshot from RDF files, check it, then serve it.

Steps, all on a snapshot nobody serves yet (see `museum_kg.store.snapshots`):
1. start from an empty database (`rebuild`) or a checkpoint copy of the
   current one (`replace`: drop the graphs the input writes; `add`: keep all);
2. load each file (Oxigraph's bulk loader for big files);
3. one pass over the snapshot: entity digests (change log) and the triples
   implied by the ontology's alignments (`<base>graph/inferred`), loaded by
   threads (`feed`) while the change log is written; a `rebuild` from
   N-Triples / N-Quads reads the files once for steps 2 and 3 (`stream`), and
   without validation, from N-Triples, loads the derived triples with the input;
4. SHACL validation of the nodes the load affected;
5. with `push` (`load --backend`), copy the graphs to the remote engine;
6. record the changes and the content of each version (`versions`, both
   pending), switch CURRENT, mark them published.
Any error before the switch throws the new snapshot away: the served one is
never touched.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import hashlib
import shutil
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
from museum_kg.loader import versions
from museum_kg.loader.changelog import open_changelog
from museum_kg.loader.dumps import write_dumps
from museum_kg.loader.feed import Feed
from museum_kg.loader.inference import Alignments
from museum_kg.loader.pipeline import Target, commit
from museum_kg.loader.progress import CountingReader, Reporter
from museum_kg.loader.scanning import from_store, while_loading
from museum_kg.loader.sources import Source, collect, graphs_in, line_of, syntax_error
from museum_kg.loader.stream import streamable
from museum_kg.loader.validate import Validator

from museum_kg.bundled import bundled_files
from museum_kg.errors import LoadError, RdfSyntaxError
from museum_kg.settings import Settings
from museum_kg.store.changes import GraphWrite, RdfPayload, WriteReport
from museum_kg.store.snapshots import SnapshotStore
from museum_kg.store.union import UNION_GRAPH
from museum_kg.store.union import internal as union_internal
from museum_kg.store.union import materialise as materialise_union
from museum_kg.store.union import needed as union_needed

MODES = ("rebuild", "replace", "add")
BULK_BYTES = 4 * 1024 * 1024  # files above this go through the bulk loader
CHANGE_BYTES = 8 * 1024 * 1024  # add / replace inputs up to this go through `pipeline.commit`
FULL_VALIDATION_SHARE = 0.5  # above this share of changed entities, check every target
LOCK_WAIT_S = 600.0  # how long a load waits for another writer of a shared change log


@dataclass
class LoadReport:
    """What a load did."""

    snapshot: str
    previous: str | None
    mode: str
    files: list[str]
    triples: int  # quads in the new snapshot, derived ones excluded
    inferred: int
    created: int
    updated: int
    deleted: int
    validated: int | None  # focus nodes checked; None when validation was skipped
    seconds: float
    warnings: list[str] = field(default_factory=list)
    change: WriteReport | None = None  # set when the load went through `pipeline.commit`

    def summary(self) -> str:
        if self.change is not None:
            if not self.change.changed:
                return f"{self.mode}: no change, the store already holds this data"
            return f"snapshot {self.snapshot} ({self.mode}): {self.change.summary()}"
        checked = "not validated" if self.validated is None else f"{self.validated:,} node(s) valid"
        return (
            f"snapshot {self.snapshot} ({self.mode}): {self.triples:,} triples, "
            f"{self.inferred:,} derived; {self.created:,} created, {self.updated:,} updated, "
            f"{self.deleted:,} deleted; {checked}; {self.seconds:.1f} s"
        )


def load(
    paths: list[Path] | None = None,
    settings: Settings | None = None,
    mode: str | None = None,
    validate: bool = True,
    reporter: Reporter | None = None,
    push: Callable[[ox.Store, str, set[str] | None], object] | None = None,
    marker: Callable[[], str | None] | None = None,
) -> LoadReport:
    """Load `paths` (default: the bundled graph) into a new snapshot of `settings.store`.

    `push(store, snapshot_id, graphs)` runs after validation and before anything is
    recorded; `graphs` is None for a rebuild (push everything), else the graphs this
    load replaced. If it raises, the snapshot is thrown away and nothing is published.
    `marker()` (with `push`) reads the engine's version marker: what the data there is,
    which a pending record of the change log is settled against, and which an `add` or
    `replace` must find equal to the local snapshot it builds on.
    """
    started = time.monotonic()
    settings = settings or Settings.load()
    reporter = reporter or Reporter(enabled=False)
    mode = mode or ("replace" if paths else "rebuild")
    if mode not in MODES:
        raise LoadError(f"mode must be one of {', '.join(MODES)}; got {mode!r}", mode=mode)
    sources = collect(list(paths) if paths else bundled_files(), settings.base_iri)
    if not sources:
        shown = ", ".join(str(p) for p in paths or []) or "ontology/ and data/"
        raise LoadError(f"no RDF files found in {shown}", paths=shown)
    inferred_graph = settings.base_iri + "graph/inferred"
    ontology_graph = settings.base_iri + "ontology"

    snapshots = SnapshotStore(settings.store, keep=settings.keep_snapshots)
    small = mode != "rebuild" and push is None and _small(sources) and snapshots.current()
    if small and versions.current(snapshots.changelog_path):  # else a bulk load migrates them
        return _commit_files(sources, settings, mode, validate, reporter, started)
    new_store = not Path(settings.store).exists()
    Path(settings.store).mkdir(parents=True, exist_ok=True)
    changelog = open_changelog(settings)
    cleanup: list[Path] = []
    held = contextlib.ExitStack()  # the change log's one writer, from recover() to publish()
    try:
        previous = snapshots.current()
        replaced: set[str] = set()
        if mode == "replace":
            for source in sources:
                replaced |= graphs_in(source)
        base = mode in ("replace", "add") and previous is not None
        with snapshots.begin(from_current=base) as builder:
            previous = snapshots.current()  # another load may have switched while we waited
            held.enter_context(changelog.writing(max(settings.timeout, LOCK_WAIT_S)))
            current = snapshots.current_id
            if push is not None and marker is not None:
                current = marker  # the engine holds the published data
                _check_base(mode, previous.id if previous else None, marker())
            changelog.recover(current())
            store = builder.store
            if base:
                internals = {g.value for g in store.named_graphs() if union_internal(g.value)}
                for graph in sorted(replaced | internals | {inferred_graph}):
                    if store.contains_named_graph(ox.NamedNode(graph)):
                        store.remove_graph(ox.NamedNode(graph))
            work = builder.path.with_name(builder.id + "-work")
            work.mkdir()
            cleanup.append(work)
            feed = Feed(store, work)  # bulk loads in threads, in bounded memory
            builder.before_close(feed.close)
            scanned = None
            if streamable(sources, mode):  # one read of the files feeds the store and the scan
                derive = not validate and _cannot_write(sources, (inferred_graph, UNION_GRAPH))
                scanned = _load_reading(store, sources, feed, work, ontology_graph,
                                        inferred_graph, reporter, derive)  # fmt: skip
                triples = feed.lines
            else:
                for source in sources:
                    _load_file(store, source, reporter)
            if scanned is None:
                triples = len(store)
                alignments = _alignments(store, ontology_graph)
                scanned = from_store(store, work / "scan", alignments, inferred_graph, reporter)
            alignments = scanned.alignments
            digests, materializer = scanned.digests, scanned.materializer
            spool, described = scanned.spool, scanned.described
            diff = changelog.diff(digests.digests)
            validated = None
            if validate:
                feed.drain()  # the input is in the store
                validated = _validate(
                    store, settings, alignments, diff, len(digests.digests), sources, reporter
                )
            else:
                reporter.note("warning: shape validation skipped (--no-validate)")
            if not scanned.derived_loaded:
                feed.add_triples_file(materializer.path, inferred_graph)  # loads meanwhile
            feed.compact_when_loaded()
            spool.compress_whole()  # the whole-dataset dump, meanwhile too
            changelog.defer_checkpoints()  # copied into the file beside the end of the load
            load_id = changelog.record(  # pending until the switch
                builder.id,
                diff,
                digests.digests,
                datetime.now(UTC),
                mode,
                [str(s.path) for s in sources],
            )
            digests.digests.clear()  # frees memory while the derived triples load
            del store  # publish() must be able to close the database
            try:
                versions.record(changelog, load_id, described)  # pending with the changes
                changelog.checkpoint_later()
                snapshot = _finish(builder, settings, digests, materializer, spool,
                                   sources, mode, push, reporter, feed)  # fmt: skip
            except BaseException:
                changelog.recover(current())
                raise
            changelog.publish(load_id)
            held.close()
        return LoadReport(
            snapshot=snapshot.id,
            previous=previous.id if previous else None,
            mode=mode,
            files=[str(s.path) for s in sources],
            triples=triples,
            inferred=materializer.count,
            created=len(diff.created),
            updated=len(diff.updated),
            deleted=len(diff.deleted),
            validated=validated,
            seconds=time.monotonic() - started,
            warnings=[m for m in reporter.messages if m.startswith("warning")],
        )
    except OSError as exc:
        if not _disk_full(exc):
            raise
        raise LoadError(
            f"the disk of the store is full ({exc}); free space in {settings.store} or set "
            "`store` to a larger disk, then load again (the served snapshot is unchanged)"
        ) from None
    finally:
        held.close()
        changelog.close()
        for folder in cleanup:
            shutil.rmtree(folder, ignore_errors=True)
        if new_store and snapshots.current_id() is None:  # a first load that failed or was
            shutil.rmtree(settings.store, ignore_errors=True)  # stopped: no empty skeleton


def _check_base(mode: str, local: str | None, engine: str | None) -> None:
    """An `add` or `replace` pushed to an engine builds on the local snapshot: refuse it
    unless that snapshot is what the engine holds (no write or other load since)."""
    if mode == "rebuild" or engine is None or engine == local:
        return
    raise LoadError(
        f"`--mode {mode}` builds on the local snapshot in the store folder "
        f"({local or 'none'}), but the remote engine holds other data (version {engine}: "
        "changed by writes through museum-kg or by a load from another folder); load every "
        "file with `--mode rebuild`, or send the change as a write (`museum-kg update "
        "--backend`, Graph Store); nothing was loaded",
        mode=mode,
    )


def _small(sources: list[Source]) -> bool:
    """Whether the input is small enough for the change-sized write path (held in memory)."""
    return not any(s.gzipped for s in sources) and sum(s.size for s in sources) <= CHANGE_BYTES


def _commit_files(sources, settings, mode, validate, reporter, started) -> LoadReport:
    """`add` / `replace` of curated files: one change through the write path
    (`pipeline.commit`), at the cost of the change, like a Graph Store write."""
    payloads = []
    for source in sources:
        with source.open() as stream:
            data = stream.read()
        payloads.append(RdfPayload(data, source.format.media_type, source.graph, str(source.path)))
    if not validate:
        reporter.note("warning: shape validation skipped (--no-validate)")
    target = Target(Path(settings.store), settings.base_iri, settings.keep_snapshots,
                    lock_wait=30.0, validate=validate)  # fmt: skip
    previous = SnapshotStore(settings.store).current_id()
    names = ", ".join(s.path.name for s in sources[:3]) + (" ..." if len(sources) > 3 else "")
    try:
        with reporter.bar("writing", None) as advance:
            report = commit(GraphWrite(tuple(payloads), replace=mode == "replace"), target, names)
            advance(0, sum(report.inserted.values()) + sum(report.deleted.values()))
    except RdfSyntaxError as error:
        source = next((s for s in sources if str(s.path) == error.file), None)
        if source is not None:
            error.excerpt = line_of(source, error.line)
        raise
    return LoadReport(
        snapshot=report.version or previous or "",
        previous=previous,
        mode=mode,
        files=[str(s.path) for s in sources],
        triples=sum(report.inserted.values()),
        inferred=report.derived_inserted,
        created=len(report.created),
        updated=len(report.updated),
        deleted=len(report.deleted_entities),
        validated=report.validated if validate else None,
        seconds=time.monotonic() - started,
        warnings=[m for m in reporter.messages if m.startswith("warning")],
        change=report,
    )


def _finish(builder, settings, digests, materializer, spool, sources, mode, push, reporter, feed):
    """Derived graph, dumps and the optional push, then the switch (returns the snapshot)."""
    _prepare(builder.store, builder, settings, digests, materializer, spool, sources, mode, push,
             reporter, feed)  # fmt: skip
    return builder.publish()


def _prepare(
    store, builder, settings, digests, materializer, spool, sources, mode, push, reporter, feed
):
    inferred_graph = settings.base_iri + "graph/inferred"
    with reporter.bar("deriving", materializer.count) as advance:  # derived triples loaded
        shown = 0
        while True:
            busy = feed.loading()
            done = min(max(feed.loaded - feed.lines, 0), materializer.count)
            advance(done - shown, done - shown)
            shown = done
            if not busy:
                break
            time.sleep(0.2)
    if feed.error is not None:
        feed.wait()  # raises the load's error
    keys = dict(digests.graph_keys)
    keys[inferred_graph] = hashlib.sha256(  # derived data follows from the rest
        "\n".join(f"{g} {k}" for g, k in sorted(keys.items())).encode()
    ).hexdigest()[:32]
    spool.add_graph_file(inferred_graph, materializer.path, materializer.count, copy=False)
    spool.close()
    # everything is loaded: the dumps are written while the files are merged
    write_dumps(store, Path(settings.store), builder.id, settings.base_iri, keys, spool.prepared())
    if feed.settling():  # the files the chunks left are merged (`Store.optimize`)
        with reporter.bar("compacting", None) as advance:
            advance(0, feed.loaded)
            feed.wait()
    else:
        feed.wait()
    if push is not None:
        touched = None
        if mode != "rebuild":
            touched = {inferred_graph}.union(*(graphs_in(s) for s in sources))
        push(store, builder.id, touched)
    if union_needed(store, digests.shared, digests.blank_graphs):  # else the engine's union
        with reporter.bar("merging", None) as advance:  # has no triple twice; last: dumps,
            materialise_union(store, lambda n: advance(0, n))  # digests, pushes never see it


def _load_reading(store, sources, feed, work, ontology_graph, inferred_graph, reporter, derive):
    """Load the files through `feed` while the scan reads them (`scanning.while_loading`);
    with `derive`, the derived triples load meanwhile too."""

    def alignments() -> Alignments:
        return _alignments(store, ontology_graph)

    graphs = (ontology_graph, inferred_graph)
    return while_loading(sources, feed, work / "read", alignments, graphs, reporter, derive)


def _cannot_write(sources: list[Source], graphs: tuple[str, ...]) -> bool:
    """Whether no triple of `sources` can land in `graphs`: N-Triples files of other graphs.

    The derived triples then load during the read (nothing else is in their graph, so a
    read that falls back to a scan of the store can drop them). Validation, which reads
    every graph, must not see them before they would have been there otherwise, so the
    caller asks only without validation."""
    return all(s.format == ox.RdfFormat.N_TRIPLES and s.graph not in graphs for s in sources)


def _load_file(store: ox.Store, source: Source, reporter: Reporter) -> None:
    graph = ox.NamedNode(source.graph)
    size = source.size
    try:
        with source.open() as stream, reporter.bar(source.path.name, size) as advance:
            raw = stream.fileobj if source.gzipped else None
            reader = CountingReader(
                stream, advance, raw_size_of=(lambda: raw.tell()) if raw is not None else None
            )
            if size > BULK_BYTES or source.gzipped:
                store.bulk_load(input=reader, format=source.format, to_graph=graph)
            else:
                store.load(input=reader, format=source.format, to_graph=graph)
    except SyntaxError as exc:
        error = syntax_error(source, exc)
        error.excerpt = line_of(source, error.line)
        raise error from None
    except (OSError, EOFError, gzip.BadGzipFile, zlib.error) as exc:
        if _disk_full(exc):  # a write of the new snapshot failed, not the read of the file
            raise LoadError(
                f"{source.path}: the disk of the store is full ({exc}); free space there or "
                "set `store` to a larger disk, then load again (the served snapshot is unchanged)",
                path=str(source.path),
            ) from None
        raise LoadError(f"{source.path}: cannot read: {exc}", path=str(source.path)) from None


def _disk_full(exc: BaseException) -> bool:
    if getattr(exc, "errno", None) in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return True
    text = str(exc)
    return any(s in text for s in ("No space left", "File too large", "quota exceeded"))


def _alignments(store: ox.Store, ontology_graph: str) -> Alignments:
    return Alignments.of(store, ontology_graph)


def _validate(store, settings, alignments, diff, entities, sources, reporter) -> int:
    validator = Validator(store, settings.base_iri, alignments.classes)
    if not validator.active:
        reporter.note("warning: no SHACL shapes found; shape validation skipped")
        return 0
    if not diff.changed and not diff.deleted:
        focus: list[str] = []
    elif len(diff.changed) > FULL_VALIDATION_SHARE * entities:
        focus = validator.targets()
    else:
        affected = set(diff.changed) | validator.referencing(diff.changed + diff.deleted)
        focus = validator.targets(among=affected)
    names = ", ".join(s.path.name for s in sources[:3]) + (" ..." if len(sources) > 3 else "")
    with reporter.bar("validating", len(focus), unit="nodes") as advance:
        validator.check(focus, source=names, on_batch=lambda n: advance(n, n))
    return len(focus)
