"""The backend's NATS connection and the idempotent "ensure" of streams, consumers and buckets.

nats-py silently keeps an existing consumer's config when you subscribe, so everything is
created or updated explicitly here, once, at start-up (and again after a reconnect).
"""

import asyncio
from typing import Any

import nats
import structlog
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    KeyValueConfig,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import BucketNotFoundError, NotFoundError

from backend.core.settings import Settings
from schema import nats as names

logger = structlog.get_logger()

BACKEND_ACK_WAIT_S = 30
HEARTBEAT_TTL_S = 15
CANCEL_TTL_S = 24 * 3600
EVENTS_MAX_AGE_S = 7 * 24 * 3600


class NatsConnection:
    """Owns the client; connects in the background so the API starts even while NATS is down."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.client: NatsClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    @property
    def is_connected(self) -> bool:
        return self.client is not None and self.client.is_connected and self._ready.is_set()

    @property
    def connected_client(self) -> NatsClient:
        if self.client is None:
            msg = "NATS is not connected"
            raise RuntimeError(msg)
        return self.client

    @property
    def js(self) -> JetStreamContext:
        if self.client is None:
            msg = "NATS is not connected"
            raise RuntimeError(msg)
        return self.client.jetstream()

    async def wait_ready(self) -> None:
        """Wait until connected and ensured (background tasks start their work after this)."""
        await self._ready.wait()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._connect(), name="nats-connect")

    async def _connect(self) -> None:
        options: dict[str, Any] = {
            "servers": [self._settings.nats_url],
            "name": "supercheck-backend",
            "allow_reconnect": True,
            "max_reconnect_attempts": -1,
            "reconnect_time_wait": 1,
            "connect_timeout": 2,
            "error_cb": self._on_error,
            "reconnected_cb": self._on_reconnected,
            "disconnected_cb": self._on_disconnected,
        }
        if self._settings.nats_user:
            options["user"] = self._settings.nats_user
            options["password"] = self._settings.nats_password or ""
        self.client = await nats.connect(**options)
        await ensure_jetstream(self.client.jetstream(), events_max_age_s=self._settings.events_max_age_s)
        self._ready.set()
        logger.info("nats.connected", url=self._settings.nats_url)

    async def _on_error(self, exc: Exception) -> None:
        logger.warning("nats.error", error=str(exc) or type(exc).__name__)

    async def _on_disconnected(self) -> None:
        logger.warning("nats.disconnected")

    async def _on_reconnected(self) -> None:
        logger.info("nats.reconnected")
        if self.client is not None:
            await ensure_jetstream(self.client.jetstream(), events_max_age_s=self._settings.events_max_age_s)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self.client is not None:
            await names.drain_or_close(self.client)


async def _ensure_stream(js: JetStreamContext, config: StreamConfig) -> None:
    try:
        await js.stream_info(config.name or "")
    except NotFoundError:
        await js.add_stream(config)
        logger.info("nats.stream_created", stream=config.name)
    else:
        await js.update_stream(config)


async def _ensure_bucket(js: JetStreamContext, bucket: str, ttl_s: float) -> None:
    try:
        await js.key_value(bucket)
    except BucketNotFoundError:
        await js.create_key_value(KeyValueConfig(bucket=bucket, ttl=ttl_s, history=1, storage=StorageType.FILE))
        logger.info("nats.bucket_created", bucket=bucket)


async def ensure_jetstream(js: JetStreamContext, *, events_max_age_s: float = EVENTS_MAX_AGE_S) -> None:
    """Create or update the streams, the runner and backend consumers, and the heartbeat and cancel buckets."""
    await _ensure_stream(
        js,
        StreamConfig(
            name=names.RUNS_STREAM,
            subjects=[names.RUNS_SUBJECT],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            duplicate_window=float(names.DUPLICATE_WINDOW_S),
        ),
    )
    await js.add_consumer(
        names.RUNS_STREAM,
        ConsumerConfig(
            durable_name=names.RUNNERS_CONSUMER,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=names.RUNNER_ACK_WAIT_S,
            max_deliver=-1,
            max_ack_pending=10_000,
        ),
    )
    await _ensure_stream(
        js,
        StreamConfig(
            name=names.EVENTS_STREAM,
            subjects=[names.EVENTS_SUBJECTS],
            retention=RetentionPolicy.LIMITS,
            storage=StorageType.FILE,
            max_age=float(events_max_age_s),
            duplicate_window=float(names.DUPLICATE_WINDOW_S),
        ),
    )
    # Every backend process pulls from this one durable: each status event is applied once, by one of them.
    await js.add_consumer(
        names.EVENTS_STREAM,
        ConsumerConfig(
            durable_name=names.BACKEND_EVENTS_CONSUMER,
            filter_subject=names.STATUS_SUBJECTS,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=float(BACKEND_ACK_WAIT_S),
            max_deliver=-1,
            max_ack_pending=10_000,
        ),
    )
    await _ensure_bucket(js, names.RUNNERS_BUCKET, float(HEARTBEAT_TTL_S))
    await _ensure_bucket(js, names.CANCELS_BUCKET, float(CANCEL_TTL_S))
    # A run is claimed by the first runner that creates its key here: none runs twice, even after a redelivery.
    await _ensure_bucket(js, names.CLAIMS_BUCKET, float(CANCEL_TTL_S))
