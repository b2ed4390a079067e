"""The one write path: every change but a bulk rebuild is committed by `commit()`.

See `writer` (the steps) and `effects` (what a change implies for the entities it
touched: digests, versions, derived alignments, the union merge).
"""

from __future__ import annotations

from museum_kg.loader.pipeline.remote import commit_remote
from museum_kg.loader.pipeline.writer import Target, commit, warm, write

__all__ = ["Target", "commit", "commit_remote", "warm", "write"]
