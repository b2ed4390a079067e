"""The remote backend: museum-kg over an existing SPARQL 1.1 engine (docs/scaling.md).

`RemoteBackend(settings)` implements `museum_kg.store.base.Backend`. Its parts:

- `backend`: the `Backend` methods that read (queries, Graph Store reads, the
  graph list, the version); `writes`: those that change data, each a `Change`
  handed to the write path (`commit`);
- `engines`: everything that differs between engine kinds (URLs, timeout
  parameters, union default graph, where the version marker lives,
  transactional updates) in one `Engine` profile; `failures` reads an engine's
  error answers (and Virtuoso's partial "anytime" answers);
- `exchange`: one HTTP request bounded by its deadline, spooled completely;
- `text`: the blocks added to a client's text (parameter values, base, version);
- `transcode`: the spooled answer parsed as a stream into the client's format;
- `marker`: the data version marker triple;
- `push` and `atomic`: `museum-kg load --backend`, copying a loaded snapshot to
  the engine (graph by graph, or in one update request).
"""

from museum_kg.store.remote.backend import RemoteBackend

__all__ = ["RemoteBackend"]
