"""The runner process: pull a request when a slot is free, keep it if it is ours, run it, ack it.

Modelled on SAQ's worker: a stop event set by SIGINT/SIGTERM; stop is idempotent, waits a grace
period for runs in progress, then cancels what is left (each run still reports a final state).
"""

import asyncio
import contextlib
import random
from datetime import UTC, datetime
from typing import Any

import msgspec
import nats
import structlog
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, NotFoundError
from nats.js.kv import KeyValue

from runner.cancel import CancelWatcher
from runner.events import EventPublisher
from runner.execute import RunContext, execute_run
from runner.heartbeat import beat_forever, withdraw
from runner.settings import RunnerSettings
from schema import nats as names
from schema.artifacts import open_store
from schema.messages import RunRequest

logger = structlog.get_logger()

FETCH_TIMEOUT_S = 1.0
_BIND_RETRY_S = 1.0


class Runner:
    """One runner process: ``await Runner(settings).serve(stop)`` until ``stop`` is set."""

    def __init__(self, settings: RunnerSettings) -> None:
        self.settings = settings
        self._active: dict[str, asyncio.Task[None]] = {}
        self._slots = asyncio.Semaphore(settings.max_concurrency)

    def active_runs(self) -> list[str]:
        return list(self._active)

    async def serve(self, stop: asyncio.Event) -> None:
        nc = await self._connect()
        try:
            js = nc.jetstream()
            bound = await self._bind(js, stop)
            if bound is None:
                return
            kv_runners, kv_cancels, kv_claims, sub = bound
            store = open_store(self.settings.store, nats_client=nc)
            await store.ensure()
            cancels = CancelWatcher(nc, kv_cancels)
            await cancels.start()
            context = RunContext(
                settings=self.settings,
                events=EventPublisher(js),
                store=store,
                cancels=cancels,
                claims=kv_claims,
                stopping=stop,
            )
            beats = asyncio.create_task(beat_forever(kv_runners, self.settings, self.active_runs), name="heartbeat")
            logger.info(
                "runner.started",
                runner_id=self.settings.runner_id,
                location=self.settings.location,
                filtering=self.settings.location_filtering,
                capacity=self.settings.max_concurrency,
            )
            try:
                await self._pull_loop(sub, context, stop)
            finally:
                await self._finish_active()
                # A pull subscription never drains on its own: leave it first, then drain the rest.
                with contextlib.suppress(Exception):
                    await sub.unsubscribe()
                beats.cancel()
                await withdraw(kv_runners, self.settings)
                await cancels.stop()
                await store.close()
        finally:
            await names.drain_or_close(nc)
            logger.info("runner.stopped", runner_id=self.settings.runner_id)

    async def _connect(self) -> NatsClient:
        options: dict[str, Any] = {
            "servers": [self.settings.nats_url],
            "name": f"supercheck-runner-{self.settings.runner_id}",
            "max_reconnect_attempts": -1,
            "reconnect_time_wait": 1,
            # Replies come here: the runner's NATS user may not read the backend's `_INBOX.>`.
            "inbox_prefix": names.RUNNER_INBOX_PREFIX,
            "error_cb": _on_nats_error,
        }
        if self.settings.nats_user:
            options["user"] = self.settings.nats_user
            options["password"] = self.settings.nats_password or ""
        return await nats.connect(**options)

    async def _bind(self, js: JetStreamContext, stop: asyncio.Event) -> tuple[KeyValue, KeyValue, KeyValue, Any] | None:
        """The backend creates the consumer and buckets (a runner's NATS user may not); wait for them."""
        while not stop.is_set():
            try:
                kv_runners = await js.key_value(names.RUNNERS_BUCKET)
                kv_cancels = await js.key_value(names.CANCELS_BUCKET)
                kv_claims = await js.key_value(names.CLAIMS_BUCKET)
                if self.settings.store.kind == "nats":  # so that the store's ensure() only opens it
                    await js.object_store(self.settings.store.bucket)
                sub = await js.pull_subscribe_bind(durable=names.RUNNERS_CONSUMER, stream=names.RUNS_STREAM)
            except (NotFoundError, BucketNotFoundError):
                hint = "the backend creates the K6_RUNS stream, the buckets and the artifact store"
                logger.info("runner.waiting_for_backend", hint=hint)
                await _sleep_or_stop(stop, _BIND_RETRY_S)
            else:
                return kv_runners, kv_cancels, kv_claims, sub
        return None

    async def _pull_loop(self, sub: Any, context: RunContext, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self._slots.acquire()  # fetch only with a free slot
            if stop.is_set():
                self._slots.release()
                break
            try:
                msgs: list[Msg] = await sub.fetch(1, timeout=FETCH_TIMEOUT_S)
            except TimeoutError:  # idle: nothing to do
                self._slots.release()
                continue
            except Exception as exc:  # noqa: BLE001 - NATS hiccups: wait and try again
                self._slots.release()
                logger.warning("runner.fetch_failed", error=str(exc))
                await _sleep_or_stop(stop, 1.0)
                continue
            msg = msgs[0]
            request = await self._keep(msg)
            if request is None:
                self._slots.release()
                # Step back for a moment before asking again: runners that re-ask at once, in step,
                # can keep being handed each other's requests while the right runner waits (a livelock).
                await _sleep_or_stop(stop, random.uniform(0, self.settings.nak_delay_s))  # noqa: S311
                continue
            self._start(msg, request, context)

    async def _keep(self, msg: Msg) -> RunRequest | None:
        """The request if this runner should run it. Others' requests are nak'ed (never acked or dropped);
        an unreadable one is terminated; an expired one is acked (the backend's watchdog reports it)."""
        try:
            request = msgspec.json.decode(msg.data, type=RunRequest)
        except msgspec.DecodeError as exc:
            logger.warning("run.undecodable_request", error=str(exc), delivered=msg.metadata.num_delivered)
            await msg.term()
            return None
        if request.queue_deadline < datetime.now(UTC):
            logger.info("run.expired_in_queue", run_id=request.run_id, deadline=request.queue_deadline.isoformat())
            await msg.ack()
            return None
        location = (msg.headers or {}).get(names.HEADER_LOCATION, request.location)
        if self.settings.location_filtering and location != self.settings.location:
            # Jittered, so that requests for different locations do not come back in lock-step.
            await msg.nak(delay=self.settings.nak_delay_s * random.uniform(0.5, 1.5))  # noqa: S311
            logger.debug("run.not_our_location", run_id=request.run_id, wanted=location, ours=self.settings.location)
            return None
        return request

    def _start(self, msg: Msg, request: RunRequest, context: RunContext) -> None:
        task = asyncio.create_task(self._process(msg, request, context), name=f"run-{request.run_id}")
        self._active[request.run_id] = task

        def done(_: asyncio.Task[None]) -> None:
            self._active.pop(request.run_id, None)
            self._slots.release()

        task.add_done_callback(done)

    async def _process(self, msg: Msg, request: RunRequest, context: RunContext) -> None:
        structlog.contextvars.bind_contextvars(run_id=request.run_id, location=request.location)
        keep_alive = asyncio.create_task(_in_progress(msg))
        try:
            await execute_run(request, context)
        finally:
            keep_alive.cancel()
            # After the final event (execute_run publishes one on every path, shutdown included),
            # so the request is never run again by another runner.
            with contextlib.suppress(Exception):
                await asyncio.shield(msg.ack())

    async def _finish_active(self) -> None:
        """Let runs in progress finish within the grace period; then end them (they report cancelled)."""
        if not self._active:
            return
        tasks = list(self._active.values())
        logger.info("runner.draining", runs=len(tasks), grace_s=self.settings.shutdown_grace_s)
        _, pending = await asyncio.wait(tasks, timeout=self.settings.shutdown_grace_s)
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def _on_nats_error(exc: Exception) -> None:
    # A permissions violation arrives here (and the request behind it times out): say which subject.
    logger.warning("nats.error", error=str(exc) or type(exc).__name__)


async def _in_progress(msg: Msg) -> None:
    while True:
        await asyncio.sleep(names.RUNNER_ACK_WAIT_S / 3)
        with contextlib.suppress(Exception):
            await msg.in_progress()


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
