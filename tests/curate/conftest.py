"""Curation fixtures: the fictional case study of tests/curate/data/lantern-street/."""

from __future__ import annotations

from pathlib import Path

import pytest
from curate_helpers import DOCUMENT


@pytest.fixture()
def document(tmp_path) -> Path:
    """A copy of the example document that a test may edit."""
    copy = tmp_path / "docs" / DOCUMENT.name
    copy.parent.mkdir()
    copy.write_bytes(DOCUMENT.read_bytes())
    return copy


@pytest.fixture()
def data_dir(tmp_path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder
