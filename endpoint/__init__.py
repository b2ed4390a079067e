"""museum_kg.endpoint: the Flask app (SPARQL 1.1 Protocol, saved queries, pages, feeds).

Rule: may import `museum_kg.loader` and the root package; nothing imports it
except the CLI.
"""
