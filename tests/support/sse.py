"""Reading a text/event-stream response in tests."""

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass
class SseEvent:
    event: str | None
    id: int | None
    data: Any
    comment: str | None = None


class SseReader:
    """Parses a text/event-stream body line by line (comments included, so keep-alives can be seen)."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()

    async def next(self, timeout: float = 10.0) -> SseEvent | None:
        """The next event or comment; None when the server closed the stream."""
        return await asyncio.wait_for(self._next(), timeout)

    async def _next(self) -> SseEvent | None:
        fields: dict[str, str] = {}
        comment = None
        async for line in self._lines:
            if line == "":
                if fields or comment is not None:
                    return _event(fields, comment)
                continue
            if line.startswith(":"):
                comment = line[1:].strip()
                continue
            name, _, value = line.partition(":")
            fields[name] = fields[name] + "\n" + value.lstrip() if name in fields else value.lstrip()
        return _event(fields, comment) if fields or comment is not None else None

    async def events_until_closed(self, timeout: float = 10.0) -> list[SseEvent]:
        """Every event (keep-alives left out) until the server ends the stream."""
        found = []
        while (event := await self.next(timeout)) is not None:
            if event.comment is None:
                found.append(event)
        return found


def _event(fields: dict[str, str], comment: str | None) -> SseEvent:
    data = fields.get("data")
    return SseEvent(
        event=fields.get("event"),
        id=int(fields["id"]) if "id" in fields else None,
        data=json.loads(data) if data else None,
        comment=comment if not fields else None,
    )


async def read_sse(http: httpx.AsyncClient, path: str, timeout: float = 15.0) -> list[SseEvent]:
    """Every event of a stream that ends by itself (a finished run's)."""
    async with http.stream("GET", path) as response:
        assert response.status_code == 200, await response.aread()
        return await SseReader(response).events_until_closed(timeout)
