"""museum_kg.loader: validate RDF and load it into Oxigraph store snapshots.

Rule: this package never imports `museum_kg.endpoint` or Flask.
"""
