"""Following step log files as they grow: `pipec run --logs` and `pipec logs --follow`.

Log files hold whatever a step wrote, in any encoding. Bytes are passed through as they are
(to the stream's binary buffer when it has one), so nothing a step prints can make the reader
fail; only pipec's own prefix is text, encoded for the stream with escapes where it cannot.
"""

from __future__ import annotations

import os
from typing import BinaryIO, TextIO

#: A line longer than this without a newline is shown in pieces rather than held back.
_MAX_LINE = 64 * 1024
#: Colours (SGR codes) given to step prefixes in turn on a terminal, as `docker compose` does.
_COLOURS = ("36", "33", "32", "35", "34", "96", "93", "92", "95", "94")


def printable(text: str) -> str:
    """`text` with control and other unprintable characters shown as escapes (``\\n``, ``\\x1b``)."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def write_bytes(stream: TextIO | BinaryIO, data: bytes) -> None:
    """Write `data` to `stream` as is: to its binary buffer when it has one, else (a text
    stream without one, e.g. in tests) decoded as UTF-8 with replacement characters."""
    buffer = getattr(stream, "buffer", None)
    stream.flush()
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:
        stream.write(data.decode("utf-8", "replace"))  # type: ignore[arg-type]
        stream.flush()


def read_new(path: str, offset: int) -> tuple[bytes, int]:
    """The bytes of `path` from `offset` on, and the offset after them (b"" when the file is
    missing or shorter, e.g. not created yet)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except OSError:
        return b"", offset
    return data, offset + len(data)


class LogTail:
    """Prints the new lines of several steps' log files, each with its step id in front.

    Call :meth:`watch` when a step starts, :meth:`poll` now and then, and :meth:`close` when a
    step has ended for good (it prints a last line that has no newline yet).
    """

    def __init__(self, stream: TextIO, step_ids: list[str], *, color: bool | None = None) -> None:
        self.stream = stream
        labels = {sid: printable(sid) for sid in step_ids}
        width = max((len(label) for label in labels.values()), default=0)
        if color is None:
            color = bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")
        encoding = getattr(stream, "encoding", None) or "utf-8"
        self._prefix: dict[str, bytes] = {}
        for i, (sid, label) in enumerate(labels.items()):
            text = f"{label:<{width}} | "
            if color:
                text = f"\x1b[{_COLOURS[i % len(_COLOURS)]}m{text}\x1b[0m"
            self._prefix[sid] = text.encode(encoding, "backslashreplace")
        self._paths: dict[str, str] = {}
        self._offsets: dict[str, int] = {}
        self._partial: dict[str, bytes] = {}

    def watch(self, step_id: str, path: str) -> None:
        """Follow `path` for `step_id` from its current end (a retry keeps its place)."""
        if step_id in self._paths:
            return
        self._paths[step_id] = path
        try:
            self._offsets[step_id] = os.path.getsize(path)
        except OSError:
            self._offsets[step_id] = 0
        self._partial[step_id] = b""

    def poll(self, step_id: str | None = None) -> None:
        """Print the complete new lines of every followed step (or only of `step_id`)."""
        for sid in [step_id] if step_id is not None else list(self._paths):
            if sid not in self._paths:
                continue
            data, self._offsets[sid] = read_new(self._paths[sid], self._offsets[sid])
            if not data:
                continue
            pending = self._partial[sid] + data
            lines = pending.split(b"\n")
            rest = lines.pop()
            if len(rest) > _MAX_LINE:
                lines.append(rest)
                rest = b""
            self._partial[sid] = rest
            self._emit(sid, lines)

    def close(self, step_id: str) -> None:
        """Print what is left of `step_id`'s log, an unfinished last line included, and stop following it."""
        if step_id not in self._paths:
            return
        self.poll(step_id)
        rest = self._partial.pop(step_id, b"")
        if rest:
            self._emit(step_id, [rest])
        del self._paths[step_id]
        del self._offsets[step_id]

    def close_all(self) -> None:
        """:meth:`close` every followed step."""
        for sid in list(self._paths):
            self.close(sid)

    def _emit(self, step_id: str, lines: list[bytes]) -> None:
        if not lines:
            return
        prefix = self._prefix.get(step_id) or (printable(step_id) + " | ").encode("utf-8", "backslashreplace")
        write_bytes(self.stream, b"".join(prefix + line.rstrip(b"\r") + b"\n" for line in lines))
