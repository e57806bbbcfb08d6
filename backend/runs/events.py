"""The background task that applies runners' status events to the database.

It pulls from the durable consumer ``k6-backend`` (shared by every backend process, so each event is
applied once), applies each event in its own transaction and acks it afterwards. Poison messages are
terminated with a log line; a failed apply is retried later with a growing delay.
"""

import asyncio
import contextlib
from uuid import UUID

import msgspec
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.nats import NatsConnection
from backend.runs.transitions import APPLIED, UNCHANGED, UNKNOWN_RUN, UNKNOWN_TEST, apply_status_event
from schema import nats as names
from schema.messages import RunStatusEvent

logger = structlog.get_logger()

FETCH_BATCH = 50
FETCH_WAIT_S = 1.0
RETRY_PAUSE_S = 1.0
MAX_RETRY_DELAY_S = 30.0
MAX_DELIVERIES = 50  # ~25 minutes of retries with the growing delay, then the event is given up


_OUTCOME_EVENTS = {
    APPLIED: "run.event_applied",
    UNCHANGED: "run.event_unchanged",
    UNKNOWN_RUN: "run.event_for_unknown_run",
    UNKNOWN_TEST: "run.event_for_unknown_test",
}


class PoisonEventError(ValueError):
    """A message that can never be applied: not JSON, wrong shape, or not about the run its subject names."""


def decode_status_event(msg: Msg) -> RunStatusEvent:
    try:
        event = msgspec.json.decode(msg.data, type=RunStatusEvent)
        UUID(event.run_id)
        if event.test_id is not None:
            UUID(event.test_id)
    except (msgspec.DecodeError, ValueError) as exc:
        raise PoisonEventError(str(exc)) from exc
    if msg.subject != names.status_subject(event.run_id):
        raise PoisonEventError(f"event for run {event.run_id} published on {msg.subject}")
    return event


class EventApplier:
    """Owns the pull loop; ``start`` and ``stop`` are called by the app's lifespan."""

    def __init__(self, session_maker: async_sessionmaker[AsyncSession], nats: NatsConnection) -> None:
        self._session_maker = session_maker
        self._nats = nats
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="run-event-applier")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        await self._nats.wait_ready()
        while True:
            try:
                await self._pull(self._nats.js)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - NATS down or reconnecting: keep trying
                logger.warning("run.events_pull_failed", error=str(exc) or type(exc).__name__)
                await asyncio.sleep(RETRY_PAUSE_S)

    async def _pull(self, js: JetStreamContext) -> None:
        sub = await js.pull_subscribe_bind(durable=names.BACKEND_EVENTS_CONSUMER, stream=names.EVENTS_STREAM)
        try:
            while True:
                try:
                    msgs = await sub.fetch(FETCH_BATCH, timeout=FETCH_WAIT_S)
                except TimeoutError:  # idle: nothing to apply
                    continue
                for msg in msgs:
                    await self.handle(msg)
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()

    async def handle(self, msg: Msg) -> None:
        try:
            event = decode_status_event(msg)
        except PoisonEventError as exc:
            logger.warning("run.event_rejected", subject=msg.subject, error=str(exc))
            await msg.term()
            return
        log = logger.bind(run_id=event.run_id, test_id=event.test_id, status=event.status.value)
        try:
            async with self._session_maker() as session, session.begin():
                outcome = await apply_status_event(session, event)
        except Exception as exc:  # the database may be down: retry later, never drop silently
            delivered = msg.metadata.num_delivered or 1
            if delivered >= MAX_DELIVERIES:
                log.exception("run.event_given_up", deliveries=delivered)
                await msg.term()
            else:
                log.warning("run.event_apply_failed", error=str(exc) or type(exc).__name__, deliveries=delivered)
                await msg.nak(delay=min(MAX_RETRY_DELAY_S, 2.0**delivered))
            return
        await msg.ack()
        log.info(_OUTCOME_EVENTS[outcome])
