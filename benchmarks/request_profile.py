"""Where a server process spends its interpreter time, by part of the request path.

`Recording(pid, seconds, out)` runs py-spy (`record --gil --nonblocking -f raw`) on one
process: it samples the thread that holds the interpreter lock, so waiting threads do not
count, and native code called with the lock held (pyoxigraph's quad iterator) counts for
the Python frame that called it. `shares(raw)` sorts the samples into the parts of the
request path that `docs/performance.md` ("The request path") names, from the innermost
frame outwards: the first frame that belongs to a part decides.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

# (part, test on one frame "function (path:line)"), tried from the innermost frame out
EVALUATION = "evaluation: pyoxigraph's quad iterator, under the interpreter lock"
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("inspector: lexer, reader, point-query plan", ("museum_kg/sparql/",)),
    (EVALUATION, ("_quads (museum_kg/store/point.py",)),
    ("point reader: bindings and the answer's serialisation", ("museum_kg/store/point.py",)),
    ("hand-off to a query worker", ("museum_kg/store/pool.py", "museum_kg/store/handle.py")),
    ("store interface: snapshot, layout, terms", ("museum_kg/store/",)),
    ("the direct path and answer_query: query string, ETag, headers", ("endpoint/",)),
    ("Flask and werkzeug", ("flask/", "werkzeug/")),
    ("waitress: reading the request, threads, writing the answer", ("waitress/",)),
)
OTHER = "other (interpreter start-up, the standard library outside the parts)"


def py_spy() -> str | None:
    """The py-spy next to this interpreter (the bench extras), or one on PATH."""
    beside = Path(sys.executable).with_name("py-spy")
    return str(beside) if beside.exists() else shutil.which("py-spy")


class Recording:
    """py-spy recording `pid` for `seconds` into `out` (a raw, collapsed-stack file)."""

    def __init__(self, pid: int, seconds: float, out: Path, rate: int = 250) -> None:
        binary = py_spy()
        if binary is None:
            raise RuntimeError("py-spy is not installed: pip install -e '.[bench]'")
        self.out = out
        self.process = subprocess.Popen(
            [
                binary,
                "record",
                "--pid",
                str(pid),
                "--duration",
                str(max(1, round(seconds))),
                "--rate",
                str(rate),
                "--format",
                "raw",
                "--output",
                str(out),
                "--gil",
                "--nonblocking",
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )

    def shares(self) -> dict[str, float]:
        """Wait for py-spy, then the share of the samples (%) of each part."""
        _, err = self.process.communicate(timeout=120)
        if self.process.returncode != 0 or not self.out.exists():
            raise RuntimeError(f"py-spy failed: {err.strip()[-300:]}")
        return shares(self.out.read_text())


def part_of(stack: list[str]) -> str:
    """The part that the innermost frame belonging to one decides."""
    for frame in reversed(stack):
        for part, marks in PARTS:
            if any(mark in frame for mark in marks):
                return part
    return OTHER


def shares(raw: str) -> dict[str, float]:
    """Share (%) of each part in py-spy's raw output: one `frame;frame;... count` a line."""
    counts: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            counts[part_of(stack.split(";"))] += int(count)
    total = sum(counts.values())
    if not total:
        return {}
    order = [part for part, _ in PARTS] + [OTHER]
    return {p: round(100 * counts[p] / total, 1) for p in order if counts[p]}


def print_shares(by_kind: dict[str, dict[str, float]]) -> None:
    """A table: a row per part, a column per query kind (shares of the samples, %)."""
    kinds = list(by_kind)
    parts = [
        p for p in [part for part, _ in PARTS] + [OTHER] if any(p in by_kind[k] for k in kinds)
    ]
    print()
    print("| part of the request path | " + " | ".join(kinds) + " |")
    print("|---|" + "---|" * len(kinds))
    for part in parts:
        print(f"| {part} | " + " | ".join(f"{by_kind[k].get(part, 0.0)}%" for k in kinds) + " |")
