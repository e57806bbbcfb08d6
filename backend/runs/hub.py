"""One NATS subscription per run per backend process, shared by every SSE viewer of that run.

A ``RunFeed`` holds an ordered consumer on ``supercheck.k6.events.<runId>.*`` (from the start of the
stream) and keeps every event it has seen in memory with its stream sequence, so each viewer can
replay from any point and then follow live. The subscription is dropped a grace period after the
last viewer leaves.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import msgspec
import structlog
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy

from schema import nats as names
from schema.base import CamelStruct
from schema.enums import RunStatus
from schema.messages import ConsoleChunk, RunStatusEvent

logger = structlog.get_logger()

CONSUMER_INACTIVE_S = 30.0  # the server removes a feed's consumer this long after its process vanished


class ConsoleData(CamelStruct):
    lines: list[str]
    test_id: str | None
    truncated: bool


class StatusData(CamelStruct):
    status: RunStatus
    test_id: str | None
    test_title: str | None
    reason: str | None
    runner_id: str | None
    location: str | None
    exit_code: int | None
    at: str
    duration_ms: int | None


@dataclass(frozen=True, slots=True)
class FeedEvent:
    """One SSE event ready to send: ``id`` is the JetStream stream sequence it came from."""

    seq: int
    event: str
    data: str
    run_ended: RunStatus | None = None  # set on the run-level terminal status


def status_data(event: RunStatusEvent) -> str:
    data = StatusData(
        status=event.status,
        test_id=event.test_id,
        test_title=event.test_title,
        reason=event.reason,
        runner_id=event.runner_id,
        location=event.location,
        exit_code=event.exit_code,
        at=event.at.isoformat(),
        duration_ms=event.duration_ms,
    )
    return msgspec.json.encode(data).decode()


def console_data(lines: list[str], test_id: str | None, *, truncated: bool) -> str:
    return msgspec.json.encode(ConsoleData(lines=lines, test_id=test_id, truncated=truncated)).decode()


def to_feed_event(seq: int, subject: str, payload: bytes) -> FeedEvent | None:
    """Decode one stream message into an SSE event; None for anything that is not a known event."""
    try:
        if subject.endswith(".console"):
            chunk = msgspec.json.decode(payload, type=ConsoleChunk)
            return FeedEvent(seq, "console", console_data(chunk.lines, chunk.test_id, truncated=chunk.truncated))
        if subject.endswith(".status"):
            event = msgspec.json.decode(payload, type=RunStatusEvent)
            ended = event.status if event.test_id is None and event.status.is_terminal else None
            return FeedEvent(seq, "status", status_data(event), ended)
    except msgspec.DecodeError:
        logger.warning("run.stream_event_skipped", subject=subject, seq=seq)
    return None


@dataclass(eq=False)
class RunFeed:
    run_id: str
    events: list[FeedEvent] = field(default_factory=list)
    viewers: int = 0
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    subscription: JetStreamContext.PushSubscription | None = None
    js: JetStreamContext | None = None
    ready: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    release_timer: asyncio.TimerHandle | None = None
    subscribing: asyncio.Task[None] | None = None
    seen: int = 0  # highest stream sequence received (an ordered consumer never goes back)

    async def on_msg(self, msg: Msg) -> None:
        seq = msg.metadata.sequence.stream
        if seq <= self.seen:
            return
        self.seen = seq
        event = to_feed_event(seq, msg.subject, msg.data)
        if event is not None:
            self.events.append(event)
            self.changed.set()
            self.changed = asyncio.Event()


class Viewer:
    """One SSE client's hold on a feed; ``close`` (idempotent) lets the hub drop the subscription."""

    def __init__(self, hub: "RunEventHub", feed: RunFeed) -> None:
        self._hub = hub
        self.feed = feed
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._hub.release(self.feed)

    async def aclose(self) -> None:
        self.close()

    async def follow(self, heartbeat_s: float) -> AsyncIterator[FeedEvent | None]:
        """Every event of the run in stream order, then live ones; None after each idle ``heartbeat_s``."""
        index = 0
        while True:
            events = self.feed.events
            while index < len(events):
                index += 1
                yield events[index - 1]
            changed = self.feed.changed
            try:
                await asyncio.wait_for(changed.wait(), heartbeat_s)
            except TimeoutError:
                yield None


@dataclass(frozen=True, slots=True)
class HubStats:
    subscriptions: int
    viewers: int


class RunEventHub:
    """Feeds keyed by run id; ``open`` subscribes on the first viewer, ``release`` drops after a grace period."""

    def __init__(self, grace_s: float) -> None:
        self._grace_s = grace_s
        self._feeds: dict[str, RunFeed] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def stats(self) -> HubStats:
        return HubStats(
            subscriptions=sum(1 for f in self._feeds.values() if f.subscription is not None),
            viewers=sum(f.viewers for f in self._feeds.values()),
        )

    def is_subscribed(self, run_id: str) -> bool:
        return run_id in self._feeds

    async def open(self, js: JetStreamContext, run_id: str) -> Viewer:
        feed = self._feeds.get(run_id)
        if feed is None:
            feed = RunFeed(run_id=run_id)
            self._feeds[run_id] = feed
            feed.subscribing = asyncio.create_task(self._subscribe(js, feed), name=f"run-feed-{run_id}")
        feed.viewers += 1
        if feed.release_timer is not None:
            feed.release_timer.cancel()
            feed.release_timer = None
        viewer = Viewer(self, feed)
        try:
            await asyncio.shield(feed.ready)
        except BaseException:
            viewer.close()
            raise
        return viewer

    async def _subscribe(self, js: JetStreamContext, feed: RunFeed) -> None:
        feed.js = js
        try:
            feed.subscription = await js.subscribe(
                names.run_events_subject(feed.run_id),
                stream=names.EVENTS_STREAM,
                cb=feed.on_msg,
                ordered_consumer=True,
                deliver_policy=DeliverPolicy.ALL,
                inactive_threshold=CONSUMER_INACTIVE_S,
            )
        except Exception as exc:  # noqa: BLE001 - handed to every waiting viewer
            self._feeds.pop(feed.run_id, None)
            feed.ready.set_exception(exc)
            return
        logger.debug("run.feed_subscribed", run_id=feed.run_id)
        feed.ready.set_result(None)

    def release(self, feed: RunFeed) -> None:
        feed.viewers -= 1
        if feed.viewers > 0 or self._feeds.get(feed.run_id) is not feed:
            return
        loop = asyncio.get_running_loop()
        feed.release_timer = loop.call_later(self._grace_s, self._drop_if_idle, feed)

    def _drop_if_idle(self, feed: RunFeed) -> None:
        if feed.viewers == 0 and self._feeds.get(feed.run_id) is feed:
            del self._feeds[feed.run_id]
            task = asyncio.create_task(_unsubscribe(feed), name=f"run-feed-close-{feed.run_id}")
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        feeds = list(self._feeds.values())
        self._feeds.clear()
        for feed in feeds:
            if feed.release_timer is not None:
                feed.release_timer.cancel()
            await _unsubscribe(feed)
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


async def _unsubscribe(feed: RunFeed) -> None:
    """Stop delivery and delete the consumer now rather than when the server notices it is idle."""
    sub, js = feed.subscription, feed.js
    feed.subscription = None
    if sub is None or js is None:
        return
    consumer: str | None = None
    with contextlib.suppress(Exception):
        consumer = (await sub.consumer_info()).name
    with contextlib.suppress(Exception):
        await sub.unsubscribe()
    if consumer is not None:
        with contextlib.suppress(Exception):
            await js.delete_consumer(names.EVENTS_STREAM, consumer)
    logger.debug("run.feed_dropped", run_id=feed.run_id)
