"""The `museum-kg` command run on a pseudo-terminal, as a user at a terminal runs it (a
helper module, importable by name): progress bars are drawn, Ctrl-C is a SIGINT."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from fcntl import ioctl
from pathlib import Path

CLI = Path(sys.executable).parent / "museum-kg"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def screen_lines(raw: str) -> list[str]:
    """What a terminal shows, line by line: control codes removed, each redraw apart."""
    text = ANSI.sub("", raw)
    return [part for line in text.split("\n") for part in line.split("\r") if part.strip()]


class Terminal:
    """`museum-kg ARGS` with stdout and stderr on a terminal `width` columns wide."""

    def __init__(self, args: list[str], width: int = 80) -> None:
        self._main, child = pty.openpty()
        ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, width, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        self.process = subprocess.Popen(
            [str(CLI), *args], stdout=child, stderr=child, env=env,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )  # fmt: skip
        os.close(child)
        self._chunks: list[bytes] = []

    @property
    def output(self) -> str:
        return b"".join(self._chunks).decode(errors="replace")

    def read_until(self, text: str | None, timeout: float = 120) -> bool:
        """Read until `text` was shown (True) or the command ended (`text=None`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text is not None and text in ANSI.sub("", self.output):
                return True
            ready, _, _ = select.select([self._main], [], [], 0.05)
            if ready:
                try:
                    data = os.read(self._main, 65536)
                except OSError:  # the command closed the terminal
                    data = b""
                if data:
                    self._chunks.append(data)
                    continue
                if self.process.poll() is not None:
                    return False
            elif self.process.poll() is not None:
                return False
        return False

    def finish(self, timeout: float = 120) -> int:
        """Read to the end; the exit status."""
        self.read_until(None, timeout)
        code = self.process.wait(timeout=30)
        os.close(self._main)
        return code


def run(args: list[str], width: int = 80, timeout: float = 120) -> str:
    """Run to the end; what the terminal received."""
    term = Terminal(args, width)
    term.finish(timeout)
    return term.output
