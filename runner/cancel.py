"""Cancel requests: the control subject for runs in progress, the ``k6_cancels`` bucket for the rest.

A cancel that races a claim is not lost: the bucket is checked at claim time and before each test.
"""

import asyncio

import msgspec
import structlog
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from schema import nats as names
from schema.messages import CancelRequest

logger = structlog.get_logger()


class CancelWatcher:
    """Knows which runs were cancelled; runs in progress register an event to be told at once."""

    def __init__(self, nc: NatsClient, kv: KeyValue) -> None:
        self._nc = nc
        self._kv = kv
        self._events: dict[str, asyncio.Event] = {}
        self._reasons: dict[str, str] = {}
        self._sub: Subscription | None = None

    async def start(self) -> None:
        self._sub = await self._nc.subscribe(f"{names.CONTROL_SUBJECT_PREFIX}.*.cancel", cb=self._on_cancel)

    async def stop(self) -> None:
        if self._sub is not None:
            await self._sub.unsubscribe()

    def watch(self, run_id: str) -> asyncio.Event:
        event = self._events.setdefault(run_id, asyncio.Event())
        if run_id in self._reasons:
            event.set()
        return event

    def forget(self, run_id: str) -> None:
        self._events.pop(run_id, None)
        self._reasons.pop(run_id, None)

    def reason(self, run_id: str) -> str:
        return self._reasons.get(run_id, "Cancelled by a user")

    async def is_cancelled(self, run_id: str) -> bool:
        """True when a cancel for this run was seen here or is recorded in the bucket."""
        if run_id in self._reasons:
            return True
        try:
            entry = await self._kv.get(run_id)
        except KeyNotFoundError:
            return False
        reason = "Cancelled by a user"
        try:
            reason = msgspec.json.decode(entry.value or b"", type=CancelRequest).reason
        except msgspec.DecodeError:
            logger.warning("runner.bad_cancel_entry", run_id=run_id)
        self._mark(run_id, reason)
        return True

    async def _on_cancel(self, msg: Msg) -> None:
        try:
            request = msgspec.json.decode(msg.data, type=CancelRequest)
        except msgspec.DecodeError:
            logger.warning("runner.bad_cancel_message", subject=msg.subject)
            return
        if request.run_id in self._events:
            logger.info("run.cancel_received", run_id=request.run_id)
            self._mark(request.run_id, request.reason)

    def _mark(self, run_id: str, reason: str) -> None:
        self._reasons[run_id] = reason
        event = self._events.get(run_id)
        if event is not None:
            event.set()
