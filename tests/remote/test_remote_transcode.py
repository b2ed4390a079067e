"""Engine answers are parsed before they are passed on: a 200 cut short never goes out."""

from __future__ import annotations

import json

import pytest

from museum_kg.errors import BackendError
from museum_kg.store.remote.transcode import EngineGaveUp, results, transcode

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


_CHILD = """
import resource, sys
from museum_kg.store.remote.transcode import transcode
path, rows = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write('{"head":{"vars":["s","o"]},"results":{"bindings":[')
    for i in range(rows):
        f.write(("," if i else "") + '{"s":{"type":"uri","value":"http://example.org/s%d"},'
                '"o":{"type":"literal","value":"row %d with some padding text"}}' % (i, i))
    f.write("]}}")
import os
body = {"path": path, "data": None, "size": os.path.getsize(path)}
out, _ = transcode(body, "json", "tsv", "select", None, path + ".out")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, out["size"] // 1_000_000)
"""


def _child_peak(tmp_path, rows: int) -> tuple[int, int]:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path / f"answer-{rows}.json"), str(rows)],
        capture_output=True,
        text=True,
        check=True,
    )
    peak_mb, out_mb = (int(x) for x in done.stdout.split())
    return peak_mb, out_mb


def test_memory_stays_flat_whatever_the_answer_size(tmp_path) -> None:
    small_peak, _ = _child_peak(tmp_path, 10_000)
    large_peak, large_out = _child_peak(tmp_path, 200_000)
    assert large_out > 8  # a result of megabytes went through the spool files
    assert large_peak - small_peak < 20
