"""Progress of a load on a terminal (triples, triples/s, time left); silent otherwise."""

from __future__ import annotations

import io
import sys
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class Reporter:
    """Shows one bar per phase; `enabled=False` (not a terminal) shows nothing."""

    def __init__(self, enabled: bool | None = None) -> None:
        console = Console(stderr=True)
        self.enabled = console.is_terminal if enabled is None else enabled
        self.console = console
        self.messages: list[str] = []

    def note(self, text: str) -> None:
        """A one-line remark (warnings, phase summaries); printed on terminals."""
        self.messages.append(text)
        if self.enabled:
            self.console.print(text, highlight=False)

    @contextmanager
    def bar(self, label: str, total: float | None, unit: str = "triples"):
        """A bar over `total` units; yields `advance(amount, triples)`."""
        if not self.enabled:
            yield lambda amount=0, triples=0: None
            return
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[triples]:>12,} " + unit),
            TextColumn("{task.fields[rate]:>10,.0f} " + unit + "/s"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("left"),
            console=self.console,
            transient=False,
        )
        with progress:
            task = progress.add_task(label, total=total, triples=0, rate=0.0)
            state = {"triples": 0}

            def advance(amount: float = 0, triples: int = 0) -> None:
                state["triples"] += triples
                elapsed = progress.tasks[0].elapsed or 1e-9
                progress.update(
                    task,
                    advance=amount,
                    triples=state["triples"],
                    rate=state["triples"] / elapsed,
                )

            yield advance
            progress.update(task, completed=total)


class CountingReader(io.RawIOBase):
    """Wraps a binary stream; reports bytes read and lines seen (triples, for N-Triples)."""

    def __init__(self, stream, on_read, raw_size_of=None) -> None:
        self.stream = stream
        self.on_read = on_read
        self.raw_size_of = raw_size_of  # for gzip: position in the compressed file
        self._last = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._report(data)
        return n

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self._report(data)
        return data

    def _report(self, data: bytes) -> None:
        if self.raw_size_of is not None:
            pos = self.raw_size_of()
            amount, self._last = pos - self._last, pos
        else:
            amount = len(data)
        self.on_read(amount, data.count(b"\n"))

    def close(self) -> None:
        self.stream.close()
        super().close()


def stderr_is_terminal() -> bool:
    return sys.stderr.isatty()
