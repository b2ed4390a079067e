"""SPARQL text before evaluation: `inspect` reads it, the guard refuses unsafe fetches."""

from museum_kg.sparql.inspect import QueryInfo, Target, inspect, syntax_error_from

__all__ = ["QueryInfo", "Target", "inspect", "syntax_error_from"]
