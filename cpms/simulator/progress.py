"""Counters shared by every simulated charger, and the live status line that shows them.

Counters are plain attributes bumped from the event loop (one thread): no locks. On a terminal
one line is redrawn in place; when the output is a file or a pipe a line is printed now and
then instead, so logs stay readable.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Stats:
    chargers: int = 0
    connected: int = 0
    booted: int = 0
    connects: int = 0  # successful WebSocket handshakes, reconnections included
    sessions_active: int = 0
    sessions_finished: int = 0
    sessions_refused: int = 0  # not authorized, or the start was refused
    sent: int = 0  # CALLs we sent
    received: int = 0  # CALLs the server sent us (commands)
    energy_wh: float = 0.0  # delivered in every session so far (active ones included)
    errors: int = 0  # connection failures, timeouts, CALLERROR answers
    error_kinds: dict[str, int] = field(default_factory=dict)
    last_error: str = ""
    commands: dict[str, int] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def error(self, kind: str, text: str) -> None:
        self.errors += 1
        self.error_kinds[kind] = self.error_kinds.get(kind, 0) + 1
        self.last_error = text[:160]

    def command(self, action: str) -> None:
        self.received += 1
        self.commands[action] = self.commands.get(action, 0) + 1


def _count(n: float) -> str:
    return f"{n:,.0f}"


def _energy(wh: float) -> str:
    return f"{wh / 1000:,.1f} kWh" if wh < 10_000_000 else f"{wh / 1_000_000:,.2f} MWh"


def status_line(stats: Stats, rate: float) -> str:
    line = (f"connected {stats.connected}/{stats.chargers}  booted {stats.booted}  "
            f"sessions {stats.sessions_active} active, {_count(stats.sessions_finished)} done"
            f"{f', {_count(stats.sessions_refused)} refused' if stats.sessions_refused else ''}  "
            f"sent {_count(stats.sent)} ({rate:,.0f}/s)  commands {_count(stats.received)}  "
            f"energy {_energy(stats.energy_wh)}  errors {stats.errors}")
    return line


def summary(stats: Stats) -> str:
    elapsed = time.monotonic() - stats.started
    lines = [f"ran {elapsed:,.0f}s: {stats.chargers} chargers, {stats.connects} connections made, "
             f"{_count(stats.sessions_finished)} sessions finished ({stats.sessions_refused} refused), "
             f"{_energy(stats.energy_wh)} delivered, {_count(stats.sent)} messages sent, "
             f"{_count(stats.received)} commands answered"]
    if stats.commands:
        lines.append("commands: " + ", ".join(f"{k} {v}" for k, v in sorted(stats.commands.items())))
    if stats.errors:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(stats.error_kinds.items()))
        lines.append(f"errors: {stats.errors} ({kinds}); last: {stats.last_error}")
    return "\n".join(lines)


class Progress:
    """Redraws the status line every `every` seconds until cancelled."""

    def __init__(self, stats: Stats, out: TextIO = sys.stderr, every: float = 1.0) -> None:
        self.stats = stats
        self.out = out
        self.every = every
        self.live = out.isatty()
        self._samples: deque[tuple[float, int]] = deque(maxlen=6)
        self._last_print = 0.0
        self._two_lines = False

    def rate(self) -> float:
        now = time.monotonic()
        self._samples.append((now, self.stats.sent))
        first_t, first_n = self._samples[0]
        return (self.stats.sent - first_n) / (now - first_t) if now > first_t else 0.0

    def draw(self) -> None:
        line = status_line(self.stats, self.rate())
        if self.live:
            width = max(40, shutil.get_terminal_size().columns - 1)
            text = "\r\x1b[2K" + line[:width]
            if self.stats.last_error:
                self._two_lines = True
                text += "\n\x1b[2K  last error: " + self.stats.last_error[:width - 14] + "\x1b[1A\r"
            self.out.write(text)
        elif time.monotonic() - self._last_print >= 10 * self.every:
            self._last_print = time.monotonic()
            self.out.write(time.strftime("%H:%M:%S ") + line + "\n")
        self.out.flush()

    async def run(self) -> None:
        while True:
            self.draw()
            await asyncio.sleep(self.every)

    def leave(self) -> None:
        """Stop redrawing in place: the cursor goes below the live lines, which stay as they were."""
        if self.live:
            self.draw()
            self.out.write("\n\n" if self._two_lines else "\n")
            self.live = False
            self.out.flush()

    def finish(self) -> None:
        self.leave()
        self.out.write(summary(self.stats) + "\n")
        self.out.flush()
