"""Publishing a run's status events and console chunks on the K6_EVENTS stream.

Each message carries a Nats-Msg-Id derived from what it says, so a retried publish is a no-op.
"""

import asyncio
from datetime import UTC, datetime

import msgspec
import structlog
from nats.js import JetStreamContext
from nats.js.errors import APIError

from schema import nats as names
from schema.messages import ConsoleChunk, RunStatusEvent

logger = structlog.get_logger()

_ATTEMPTS = 5
_PUBLISH_TIMEOUT_S = 5.0


def now() -> datetime:
    return datetime.now(UTC)


class EventPublisher:
    """Publishes with retries: an event that cannot be published is the one thing a runner must not lose."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def status(self, event: RunStatusEvent) -> None:
        msg_id = f"{event.run_id}:{event.test_id or 'run'}:{event.status.value}"
        await self._publish(names.status_subject(event.run_id), msgspec.json.encode(event), msg_id)
        logger.info("run.status_published", run_id=event.run_id, test_id=event.test_id, status=event.status.value)

    async def console(self, chunk: ConsoleChunk) -> None:
        msg_id = f"{chunk.run_id}:console:{chunk.seq}"
        await self._publish(names.console_subject(chunk.run_id), msgspec.json.encode(chunk), msg_id)

    async def _publish(self, subject: str, payload: bytes, msg_id: str) -> None:
        delay = 0.2
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                await self._js.publish(
                    subject,
                    payload,
                    timeout=_PUBLISH_TIMEOUT_S,
                    stream=names.EVENTS_STREAM,
                    headers={names.HEADER_MSG_ID: msg_id},
                )
            except (TimeoutError, APIError, ConnectionError) as exc:
                if attempt == _ATTEMPTS:
                    raise
                logger.warning("events.publish_retry", subject=subject, attempt=attempt, error=str(exc))
                await asyncio.sleep(delay)
                delay *= 2
            else:
                return
