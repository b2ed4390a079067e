"""Where the bundled knowledge graph lives in a checkout."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
DATA_DIR = ROOT / "data"
QUERIES_DIR = ROOT / "queries"
DEFAULT_STATE_DIR = Path(os.environ.get("MUSEUM_KG_HOME", ROOT / ".museum-kg"))
