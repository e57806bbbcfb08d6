"""k6's console for one run: batched into ordered chunks, bounded in rate and total size.

Every line also goes into the test's ``console.log`` (with its own, larger cap). When a bound
is hit, the stream says so in a line of its own instead of silently dropping output.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable

from schema.messages import ConsoleChunk

Publish = Callable[[ConsoleChunk], Awaitable[None]]

FLUSH_INTERVAL_S = 0.25
MAX_LINES_PER_CHUNK = 200


class ConsoleLog:
    """The full console of one test, kept for ``console.log`` up to ``max_bytes``."""

    def __init__(self, max_bytes: int) -> None:
        self._parts: list[str] = []
        self._size = 0
        self._max = max_bytes
        self.truncated = False

    def add(self, line: str) -> None:
        if self.truncated:
            return
        size = len(line.encode()) + 1
        if self._size + size > self._max:
            self.truncated = True
            self._parts.append(f"[console.log truncated at {self._max} bytes]")
            return
        self._size += size
        self._parts.append(line)

    def text(self) -> str:
        return "\n".join(self._parts) + ("\n" if self._parts else "")

    def tail(self, lines: int = 200) -> str:
        return "\n".join(self._parts[-lines:])


class ConsoleStream:
    """Sends one run's console lines as ``ConsoleChunk`` messages, in order, within its bounds."""

    def __init__(self, run_id: str, publish: Publish, *, max_bytes: int, max_lines_per_s: int) -> None:
        self._run_id = run_id
        self._publish = publish
        self._max_bytes = max_bytes
        self._max_lines_per_s = max_lines_per_s
        self._seq = 0
        self._sent_bytes = 0
        self._pending: list[str] = []
        self._pending_test: str | None = None
        self._window_start = time.monotonic()
        self._window_lines = 0
        self._skipped = 0
        self.exhausted = False
        self._lock = asyncio.Lock()
        self._last_flush = time.monotonic()

    async def line(self, test_id: str | None, text: str) -> None:
        """Queue one line; flushes when the batch is full, the test changes or time has passed."""
        if self.exhausted:
            return
        if test_id != self._pending_test:
            await self.flush()
            self._pending_test = test_id
        if not self._admit():
            return
        size = len(text.encode()) + 1
        if self._sent_bytes + size > self._max_bytes:
            self._pending.append(
                f"[console output truncated: the limit of {self._max_bytes} bytes per run was reached; "
                "console.log in the artifacts has the rest]"
            )
            self.exhausted = True
            await self.flush(truncated=True)
            return
        self._sent_bytes += size
        self._pending.append(text)
        if len(self._pending) >= MAX_LINES_PER_CHUNK or time.monotonic() - self._last_flush >= FLUSH_INTERVAL_S:
            await self.flush()

    def _admit(self) -> bool:
        """The per-second rate bound; says how many lines it skipped once the window passes."""
        now = time.monotonic()
        if now - self._window_start >= 1.0:
            if self._skipped:
                self._pending.append(f"[{self._skipped} console lines skipped: more than {self._max_lines_per_s}/s]")
                self._skipped = 0
            self._window_start = now
            self._window_lines = 0
        if self._window_lines >= self._max_lines_per_s:
            self._skipped += 1
            return False
        self._window_lines += 1
        return True

    async def flush(self, *, truncated: bool = False) -> None:
        async with self._lock:
            self._last_flush = time.monotonic()
            if not self._pending:
                return
            lines, self._pending = self._pending, []
            self._seq += 1
            chunk = ConsoleChunk(
                run_id=self._run_id, seq=self._seq, lines=lines, test_id=self._pending_test, truncated=truncated
            )
            await self._publish(chunk)

    async def close(self) -> None:
        if self._skipped and not self.exhausted:
            self._pending.append(f"[{self._skipped} console lines skipped: more than {self._max_lines_per_s}/s]")
            self._skipped = 0
        await self.flush()

    async def flush_periodically(self) -> None:
        """Run beside k6 so that lines never wait long for the next batch."""
        while True:
            await asyncio.sleep(FLUSH_INTERVAL_S)
            await self.flush()
