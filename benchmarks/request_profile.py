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
from dataclasses import dataclass
from pathlib import Path

_FRONT = "a compiled serving front: HTTP and the protocol's checks outside Python"


@dataclass(frozen=True)
class Part:
    """A step of the request path: a frame belongs to it when it holds one of `marks`
    ("function (path:line)"); `remedy` is what would take the step out of Python."""

    name: str
    marks: tuple[str, ...]
    remedy: str = ""


EVALUATION = "evaluation: pyoxigraph's quad iterator, under the interpreter lock"
PARTS: tuple[Part, ...] = (  # tried in this order on each frame, from the innermost out
    Part(
        "inspector: lexer, reader, point-query plan",
        ("museum_kg/sparql/",),
        "a compiled SPARQL parser that exposes its algebra (pyoxigraph 0.5 does not)",
    ),
    Part(
        EVALUATION,
        ("_quads (museum_kg/store/point.py",),
        "an engine call evaluating a bounded pattern into a serialised answer",
    ),
    Part(
        "point reader: bindings and the answer's serialisation",
        ("museum_kg/store/point.py",),
        "the same engine call: no Python object per term",
    ),
    Part("hand-off to a query worker", ("museum_kg/store/pool.py", "museum_kg/store/handle.py")),
    Part("store interface: snapshot, layout, terms", ("museum_kg/store/",)),
    Part("the direct path and answer_query: query string, ETag, headers", ("endpoint/",), _FRONT),
    Part("Flask and werkzeug", ("flask/", "werkzeug/"), _FRONT),
    Part(
        "waitress: reading the request, threads, writing the answer",
        ("waitress/",),
        "a compiled HTTP server with several processes (a writer they share first)",
    ),
)
OTHER = Part("other (interpreter start-up, the standard library outside the parts)", ())


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
        for part in PARTS:
            if any(mark in frame for mark in part.marks):
                return part.name
    return OTHER.name


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
    names = [part.name for part in (*PARTS, OTHER)]
    return {name: round(100 * counts[name] / total, 1) for name in names if counts[name]}


def print_shares(by_kind: dict[str, dict[str, float]]) -> None:
    """A table: a row per part, a column per query kind (shares of the samples, %), and
    what would take the part out of Python."""
    kinds = list(by_kind)
    parts = [p for p in (*PARTS, OTHER) if any(p.name in by_kind[k] for k in kinds)]
    print()
    print("| part of the request path | " + " | ".join(kinds) + " | what would remove it |")
    print("|---|" + "---|" * len(kinds) + "---|")
    for part in parts:
        cells = " | ".join(f"{by_kind[k].get(part.name, 0.0)}%" for k in kinds)
        print(f"| {part.name} | {cells} | {part.remedy} |")
