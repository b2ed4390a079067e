"""Engine answers are parsed before they are passed on: a 200 cut short never goes out."""

from __future__ import annotations

import json

import pytest

from museum_kg.errors import BackendError
from museum_kg.store.remote_transcode import EngineGaveUp, results, transcode

COMPLETE = b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"1"}}]}}'


def _body(data: bytes) -> dict:
    return {"path": None, "data": data, "size": len(data)}


def test_a_complete_answer_is_written_in_the_requested_format(tmp_path) -> None:
    body, capped = transcode(_body(COMPLETE), "json", "csv", "select", None, str(tmp_path / "s"))
    assert results("select", "csv", body, capped).read() == b"n\r\n1\r\n"
    body, _ = transcode(_body(COMPLETE), "json", "json", "select", None, str(tmp_path / "t"))
    assert json.loads(results("select", "json", body, False).read())["head"]["vars"] == ["n"]


def test_an_answer_the_engine_cancelled_midway_is_a_timeout(tmp_path) -> None:
    cut = b'{"head":{"vars":["n"]},"results":{"bindings":[The SPARQL operation has been cancelled'
    with pytest.raises(EngineGaveUp):
        transcode(_body(cut), "json", "json", "select", None, str(tmp_path / "s"))


def test_an_unreadable_answer_is_a_backend_error(tmp_path) -> None:
    with pytest.raises(BackendError):
        transcode(
            _body(b"<html>oops</html>"),
            "ntriples",
            "turtle",
            "construct",
            None,
            str(tmp_path / "s"),
        )
