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
from rich.table import Column


class Reporter:
    """Shows one bar per phase; `enabled=False` (not a terminal) shows nothing."""

    def __init__(self, enabled: bool | None = None, console: Console | None = None) -> None:
        console = console or Console(stderr=True)
        self.enabled = console.is_terminal if enabled is None else enabled
        self.console = console
        self.messages: list[str] = []

    def note(self, text: str) -> None:
        """A one-line remark (warnings, phase summaries); printed on terminals, once."""
        if text in self.messages:
            return
        self.messages.append(text)
        if self.enabled:
            self.console.print(text, highlight=False)

    @contextmanager
    def bar(self, label: str, total: float | None, unit: str = "triples"):
        """A bar over `total` units; yields `advance(amount, triples)`.

        One line of at most 80 columns: phase, bar, per cent, count, rate, time spent
        and left (`0:01:02 12.3M triples 456k/s`)."""
        if not self.enabled:
            yield lambda amount=0, triples=0: None
            return
        progress = Progress(
            TextColumn("{task.description}", table_column=Column(width=11, no_wrap=True)),
            BarColumn(bar_width=14),
            TaskProgressColumn(),
            TextColumn("{task.fields[count]}", table_column=Column(width=14, justify="right")),
            TextColumn("{task.fields[rate]}", table_column=Column(width=8, justify="right")),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            TextColumn("left"),
            console=self.console,
            transient=False,
        )
        with progress:
            name = label if len(label) <= 11 else label[:10] + "…"
            task = progress.add_task(name, total=total, count=f"0 {unit}", rate="")
            state = {"triples": 0}

            def advance(amount: float = 0, triples: int = 0) -> None:
                state["triples"] += triples
                elapsed = progress.tasks[0].elapsed or 1e-9
                progress.update(
                    task,
                    advance=amount,
                    count=f"{short(state['triples'])} {unit}",
                    rate=f"{short(state['triples'] / elapsed)}/s",
                )

            yield advance
            progress.update(task, completed=total)


def short(number: float) -> str:
    """`987`, `12.3k`, `4.56M`: at most 6 characters."""
    for factor, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if number >= factor:
            scaled = number / factor
            return f"{scaled:.3g}{suffix}" if scaled < 1000 else f"{scaled:.0f}{suffix}"
    return f"{number:.0f}"


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
