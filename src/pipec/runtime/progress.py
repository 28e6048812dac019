"""Progress of a local run: a live table on a terminal, plain lines otherwise, and a summary."""

from __future__ import annotations

import shutil
import time
from typing import TextIO

from .logtail import printable

PENDING = "pending"
RUNNING = "running"
RETRYING = "retrying"

_SYMBOL = {PENDING: "·", RUNNING: "▶", RETRYING: "↻", "completed": "✓", "cached": "≡",
           "failed": "✗", "skipped": "-", "cancelled": "⊘"}
_ASCII = {PENDING: ".", RUNNING: ">", RETRYING: "~", "completed": "+", "cached": "=", "failed": "x",
          "skipped": "-", "cancelled": "!"}


def _fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.2f}s"
    minutes, sec = divmod(int(seconds), 60)
    return f"{minutes}m{sec:02d}s"


class Progress:
    """Tracks step states and shows them on `stream`.

    On a TTY the table is redrawn in place; otherwise each state change prints one line.
    """

    def __init__(self, stream: TextIO | None, step_ids: list[str], *, live: bool | None = None) -> None:
        self.stream = stream
        self.order = list(step_ids)
        self.state: dict[str, str] = dict.fromkeys(step_ids, PENDING)
        self.attempt: dict[str, int] = dict.fromkeys(step_ids, 0)
        self.started: dict[str, float] = {}
        self.elapsed: dict[str, float] = {}
        isatty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self.live = isatty if live is None else live
        self._drawn = 0
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        self._symbols = _SYMBOL if encoding.startswith("utf") else _ASCII
        self._t0 = time.monotonic()

    def set(self, step_id: str, state: str, *, attempt: int | None = None, note: str = "") -> None:
        """Record a state change and show it."""
        now = time.monotonic()
        self.state[step_id] = state
        if attempt is not None:
            self.attempt[step_id] = attempt
        if state == RUNNING:
            self.started[step_id] = now
        elif step_id in self.started and state not in (PENDING, RETRYING):
            self.elapsed[step_id] = now - self.started[step_id]
        if self.stream is None:
            return
        if self.live:
            self.redraw()
        elif state != PENDING:
            extra = f" (attempt {self.attempt[step_id]})" if self.attempt[step_id] > 1 else ""
            took = f" in {_fmt_seconds(self.elapsed.get(step_id))}" if step_id in self.elapsed \
                and state in ("completed", "failed", "cancelled") else ""
            self.stream.write(f"[{now - self._t0:7.2f}s] {state:<9} {printable(step_id)}{extra}{took}"
                              f"{' — ' + note if note else ''}\n")
            self.stream.flush()

    def counts(self) -> dict[str, int]:
        """How many steps are in each state."""
        out: dict[str, int] = {}
        for state in self.state.values():
            out[state] = out.get(state, 0) + 1
        return out

    def _lines(self) -> list[str]:
        counts = self.counts()
        head = "  ".join(f"{k} {counts[k]}" for k in (PENDING, RUNNING, RETRYING, "completed",
                                                        "cached", "failed", "skipped", "cancelled")
                          if counts.get(k))
        lines = [f"pipec run  {head}"]
        height = shutil.get_terminal_size((80, 24)).lines - 2
        shown = self.order if len(self.order) <= height - 1 else [
            s for s in self.order if self.state[s] in (RUNNING, RETRYING, "failed")][: height - 1]
        now = time.monotonic()
        for step_id in shown:
            state = self.state[step_id]
            took = self.elapsed.get(step_id)
            if state == RUNNING and step_id in self.started:
                took = now - self.started[step_id]
            attempt = f" #{self.attempt[step_id]}" if self.attempt[step_id] > 1 else ""
            lines.append(f"  {self._symbols.get(state, '?')} {printable(step_id):<30} {state:<9}{attempt} {_fmt_seconds(took)}")
        return lines

    def redraw(self) -> None:
        """Redraw the live table in place (TTY mode only)."""
        if self.stream is None or not self.live:
            return
        lines = self._lines()
        up = f"\x1b[{self._drawn}F" if self._drawn else ""
        self.stream.write(up + "\x1b[J" + "\n".join(lines) + "\n")
        self.stream.flush()
        self._drawn = len(lines)


def summary_table(rows: list[tuple[str, str, int, float | None, str]]) -> str:
    """The final table: step, status, attempts, duration, note."""
    header = ("STEP", "STATUS", "ATTEMPTS", "DURATION", "NOTE")
    body = [(printable(step), status, str(attempts), _fmt_seconds(duration), printable(note))
            for step, status, attempts, duration, note in rows]
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in [header, *body]]
    return "\n".join(lines) + "\n"
