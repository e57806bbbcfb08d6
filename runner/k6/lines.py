"""k6's output as clean console lines: split on every line break (``\\r`` too), no ANSI codes, secrets hidden."""

import codecs
import re
from collections.abc import Callable, Iterable

Redactor = Callable[[str], str]

SECRET_MASK = "[SECRET]"  # noqa: S105 - the mask, not a secret
MAX_LINE_CHARS = 16_384  # a script printing megabytes without a newline must not grow one unbounded line

# CSI sequences (colours, cursor moves), OSC sequences (titles, links) and lone two-byte escapes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
_BREAK = re.compile(r"\r\n|\r|\n")
# k6 logs with logrus' text format: time="…" level=error msg="…" [hint="…"] [source=console]
_LOG_LEVEL = re.compile(r"(?:^|\s)level=(?P<level>\w+)(?:\s|$)")
_LOG_MSG = re.compile(r'(?:^|\s)msg="(?P<msg>(?:[^"\\]|\\.)*)"')
_LOG_SOURCE_CONSOLE = re.compile(r"(?:^|\s)source=console(?:\s|$)")
_GO_ESCAPE = re.compile(r"\\(.)")
_GO_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def no_redaction(line: str) -> str:
    return line


def secret_redactor(secrets: Iterable[str]) -> Redactor:
    """Replace every occurrence of each secret value by ``[SECRET]`` (longest first, so overlaps stay hidden)."""
    # A multi-line secret printed raw spans lines, so each of its lines is hidden on its own; k6's log
    # lines (console.log included) quote the message, so the escaped form is hidden too.
    pieces = {
        piece for value in secrets for piece in (value, _logfmt_escaped(value), *value.splitlines()) if piece.strip()
    }
    values = sorted(pieces, key=len, reverse=True)
    if not values:
        return no_redaction
    pattern = re.compile("|".join(re.escape(value) for value in values))
    return lambda line: pattern.sub(SECRET_MASK, line)


def _logfmt_escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")


class LineSplitter:
    """Turns a byte stream into lines; ``\\r`` (k6's progress redraws), ``\\n`` and ``\\r\\n`` all end a line."""

    def __init__(self, max_line_chars: int = MAX_LINE_CHARS) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""
        self._after_cr = False  # a CR ended the last line: an LF right after it ends nothing
        self._max = max_line_chars

    def feed(self, data: bytes) -> list[str]:
        return self._lines(self._decoder.decode(data), final=False)

    def flush(self) -> list[str]:
        """The last, unterminated line (if any) once the stream has ended."""
        return self._lines(self._decoder.decode(b"", final=True), final=True)

    def _lines(self, text: str, *, final: bool) -> list[str]:
        if self._after_cr and text.startswith("\n"):
            text = text[1:]
            self._after_cr = False
        if text:
            self._after_cr = text.endswith("\r")
        parts = _BREAK.split(self._pending + text)
        self._pending = parts.pop()
        if final and self._pending:
            parts.append(self._pending)
            self._pending = ""
        lines = [chunk for part in parts for chunk in self._chunks(part)]
        while len(self._pending) > self._max:
            lines.append(self._pending[: self._max])
            self._pending = self._pending[self._max :]
        return [strip_ansi(line) for line in lines]

    def _chunks(self, line: str) -> list[str]:
        return [line[i : i + self._max] for i in range(0, len(line), self._max)] or [""]


def k6_error_message(line: str) -> str | None:
    """The message of a k6 ``level=error`` log line (not a script's own ``console.error``), else None."""
    level = _LOG_LEVEL.search(line)
    if level is None or level["level"] not in ("error", "fatal") or _LOG_SOURCE_CONSOLE.search(line):
        return None
    msg = _LOG_MSG.search(line)
    if msg is None:
        return None
    text = _GO_ESCAPE.sub(lambda m: _GO_ESCAPES.get(m[1], m[1]), msg["msg"])
    return text.strip() or None
