"""Store access behind one interface (`Backend`); see `base.py`."""

from museum_kg.store.base import (
    GRAPH_FORMATS,
    SOLUTION_FORMATS,
    Backend,
    QueryRequest,
    QueryResult,
)

__all__ = ["GRAPH_FORMATS", "SOLUTION_FORMATS", "Backend", "QueryRequest", "QueryResult"]
