"""Saved queries: named SPARQL questions with typed parameters.

Files `queries/*.rq` carry a `#+` YAML header (`model`); values are validated and
bound as RDF terms (`binding`); one runner serves the CLI (`commands`), the HTTP
API and pages (`api`, the only module here that imports Flask) and the OpenAPI
description (`openapi`); `lint` keeps every file honest; `catalogue` writes
`queries/README.md`.
"""
