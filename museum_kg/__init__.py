"""museum-kg: an open knowledge graph of museums and a SPARQL endpoint over it.

The root package holds what both `museum_kg.loader` and `museum_kg.endpoint`
need: the exception tree, the settings and the store interface. It imports
neither of them.
"""

from museum_kg.errors import MuseumKGError
from museum_kg.settings import Settings

__version__ = "0.1.0"
__all__ = ["MuseumKGError", "Settings", "__version__"]
