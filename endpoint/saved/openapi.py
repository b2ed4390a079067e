"""The OpenAPI 3.1 description of the saved-query API, generated from the headers.

Each saved query becomes a path `/api/queries/{id}/run` whose query parameters
carry JSON Schemas for their types (IRIs as strings with format `iri`, gYear as
a string with a pattern, enums listed), and whose 200 response describes the
result columns. Error responses share the one error schema.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from museum_kg.endpoint.saved import binding as b
from museum_kg.endpoint.saved.catalogue import SavedQueries
from museum_kg.endpoint.saved.model import Param, SavedQuery

from museum_kg import __version__

EnumSource = Callable[[str], list[str]]
ERROR = {"$ref": "#/components/schemas/Error"}
MEDIA = {
    "json": "application/sparql-results+json",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}

PARAM_SCHEMAS: dict[str, dict[str, Any]] = {
    "iri": {"type": "string", "format": "iri", "pattern": b.IRI_PATTERN},
    "string": {"type": "string", "maxLength": b.MAX_TEXT},
    "lang-string": {
        "type": "string",
        "pattern": r"^[^@]+@" + b.LANG_PATTERN[1:],
        "maxLength": b.MAX_TEXT,
    },
    "integer": {"type": "string", "pattern": b.INTEGER_PATTERN, "maxLength": 30},
    "decimal": {"type": "string", "pattern": b.DECIMAL_PATTERN, "maxLength": 40},
    "boolean": {"type": "string", "enum": ["true", "false", "1", "0"]},
    "date": {"type": "string", "format": "date", "pattern": b.DATE_PATTERN},
    "gYear": {"type": "string", "pattern": b.GYEAR_PATTERN},
}
TERM_TYPES = {"iri": ["uri"], "any": ["uri", "literal", "bnode", "triple"]}


def param_schema(param: Param, allowed: list[str] | None = None) -> dict[str, Any]:
    schema = dict(PARAM_SCHEMAS[param.type])
    values = list(param.enum) or allowed
    if values:
        schema = {"type": "string", "enum": values}
    if param.default is not None and not param.multiple:
        schema["default"] = param.default
    if schema.get("type") == "string" and "enum" not in schema:
        schema["minLength"] = 1  # an empty value is refused: leave the parameter out
    if param.multiple:
        schema = {"type": "array", "items": schema, "minItems": 1, "maxItems": b.MAX_VALUES}
    return schema


def _parameter(param: Param, allowed: list[str] | None) -> dict[str, Any]:
    described = param.description or f"{b.EXPECTED[param.type][0]}"
    if param.enum_from:
        described += f" (allowed values: the first column of saved query `{param.enum_from}`)"
    out: dict[str, Any] = {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "description": described,
        "schema": param_schema(param, allowed),
    }
    if param.multiple:
        out.update(style="form", explode=True)
    if param.example is not None:
        out["example"] = [param.example] if param.multiple else param.example
    return out


def results_schema(saved: SavedQuery) -> dict[str, Any]:
    columns = {}
    for column in saved.returns.values():
        kinds = TERM_TYPES.get(column.type, ["literal"])
        columns[column.name] = {
            "type": "object",
            "description": column.description or column.type,
            "required": ["type", "value"],
            "properties": {"type": {"enum": kinds}, "value": {"type": "string"}},
        }
    return {
        "type": "object",
        "required": ["head", "results"],
        "properties": {
            "head": {
                "type": "object",
                "properties": {"vars": {"type": "array", "items": {"enum": list(saved.returns)}}},
            },
            "results": {
                "type": "object",
                "required": ["bindings"],
                "properties": {
                    "bindings": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": columns,
                            "additionalProperties": False,
                        },
                    }
                },
            },
        },
    }


def _errors(*statuses: str) -> dict[str, Any]:
    text = {
        "400": "A parameter has the wrong type or value; the message names it, the "
        "expected type and an example.",
        "404": "No saved query with this id.",
        "406": "None of the accepted media types can be produced.",
        "503": "The query reached its time limit or the server is busy; retry later.",
    }
    return {
        s: {"description": text[s], "content": {"application/json": {"schema": ERROR}}}
        for s in statuses
    }


def _run_operation(saved: SavedQuery, enum_from: EnumSource | None) -> dict[str, Any]:
    params = [
        _parameter(p, enum_from(p.enum_from) if enum_from and p.enum_from else None)
        for p in saved.params.values()
    ]
    if saved.pagination:
        params.append(
            {
                "name": "page",
                "in": "query",
                "required": False,
                "description": f"Page number (pages of {saved.pagination} rows).",
                "schema": {"type": "integer", "minimum": 1, "maximum": 1000000},
            }
        )
    return {
        "operationId": "run_" + saved.id.replace("-", "_"),
        "summary": saved.title,
        "description": saved.summary or saved.description or saved.title,
        "tags": list(saved.tags) or ["saved queries"],
        "parameters": params,
        "responses": {
            "200": {
                "description": "The results (JSON, CSV or TSV by Accept).",
                "content": {
                    MEDIA["json"]: {"schema": results_schema(saved)},
                    MEDIA["csv"]: {"schema": {"type": "string"}},
                    MEDIA["tsv"]: {"schema": {"type": "string"}},
                },
            },
            **_errors("400", "406", "503"),
        },
    }


def openapi_document(
    queries: SavedQueries, server_url: str = "/", enum_from: EnumSource | None = None
) -> dict[str, Any]:
    """The OpenAPI 3.1 document (a plain dict, ready for JSON).

    `enum_from(query_id)` gives the current allowed values of `enum_from` parameters
    (from the data); without it those parameters are typed but not enumerated.
    """
    ids = [saved.id for saved in queries]
    paths: dict[str, Any] = {
        "/api/queries": {
            "get": {
                "operationId": "list_saved_queries",
                "summary": "The catalogue of saved queries",
                "responses": {
                    "200": {
                        "description": "Every saved query with its links.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Catalogue"}
                            }
                        },
                    }
                },
            }
        },
        "/api/queries/{id}": {
            "get": {
                "operationId": "describe_saved_query",
                "summary": "One saved query's metadata",
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "enum": ids},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "Parameters, columns, examples and links.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SavedQuery"}
                            }
                        },
                    },
                    **_errors("404"),
                },
            }
        },
    }
    for saved in queries:
        paths[f"/api/queries/{saved.id}/run"] = {"get": _run_operation(saved, enum_from)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "museum-kg saved queries",
            "version": __version__,
            "description": "Named SPARQL questions over the museum knowledge graph, "
            "with typed parameters.",
            "license": {
                "name": "CC BY 4.0 (data)",
                "url": "https://creativecommons.org/licenses/by/4.0/",
            },
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string"},
                        "message": {"type": "string"},
                        "details": {"type": "object"},
                    },
                },
                "Catalogue": {
                    "type": "object",
                    "required": ["queries"],
                    "properties": {
                        "queries": {
                            "type": "array",
                            "items": {"type": "object", "required": ["id", "title", "links"]},
                        }
                    },
                },
                "SavedQuery": {
                    "type": "object",
                    "required": ["id", "title", "params", "returns", "links"],
                },
            }
        },
    }
