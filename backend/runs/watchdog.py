"""The periodic check that no run waits forever.

- A queued run that no runner claimed before its ``queue_deadline`` ends as ``error``, naming the location.
- A running run whose runner stopped heartbeating for longer than the grace period ends as ``error``,
  naming the runner and its location; its tests still running end with it.
- A test still running in a run that ended more than a grace period ago (its final event never came)
  ends as its run did.

Every end is a conditional UPDATE, so several backend processes can run this at once; the one that wins
publishes a run-level status event so that live viewers see it, and leaves a cancel in ``k6_cancels`` so
that a runner that was only cut off stops instead of generating load for a run that is over.
"""

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from uuid import UUID

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.nats import NatsConnection
from backend.core.settings import Settings
from backend.db.models import K6PerformanceRun, Run
from backend.locations.services import describe, live_runners
from backend.runs.dispatch import publish_status_event, request_cancel
from backend.runs.transitions import end_run, end_stale_tests
from schema.enums import RunStatus
from schema.messages import RunStatusEvent

logger = structlog.get_logger()

BATCH = 100


def _now() -> datetime:
    return datetime.now(UTC)


class Watchdog:
    """Runs :meth:`check` every ``settings.watchdog_interval_s``; ``start``/``stop`` from the app's lifespan."""

    def __init__(
        self, session_maker: async_sessionmaker[AsyncSession], nats: NatsConnection, settings: Settings
    ) -> None:
        self._session_maker = session_maker
        self._nats = nats
        self._settings = settings
        self._task: asyncio.Task[None] | None = None
        self._started = _now()
        # When this process last saw each runner alive: a runner's key leaves the bucket with its TTL.
        self._last_seen: dict[str, datetime] = {}

    def start(self) -> None:
        self._started = _now()
        self._task = asyncio.create_task(self._loop(), name="run-watchdog")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            try:
                await self.check()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - one failed round must not stop the watchdog
                logger.warning("watchdog.check_failed", error=str(exc) or type(exc).__name__)
            await asyncio.sleep(self._settings.watchdog_interval_s)

    async def check(self) -> None:
        await self.expire_queued()
        if self._nats.is_connected:  # without heartbeats nothing can be said about runners
            await self.end_orphaned()
        await self.end_stale_tests()

    async def end_stale_tests(self) -> None:
        older_than = _now() - timedelta(seconds=self._settings.runner_heartbeat_grace_s)
        async with self._session_maker() as session, session.begin():
            ended = await end_stale_tests(session, older_than)
        if ended:
            logger.warning("run.stale_tests_ended", tests=ended)

    async def expire_queued(self) -> None:
        async with self._session_maker() as session:
            rows = (
                await session.execute(
                    sa.select(Run.id, Run.location, Run.created_at, Run.queue_deadline)
                    .where(Run.status == RunStatus.QUEUED, Run.queue_deadline < _now())
                    .order_by(Run.queue_deadline)
                    .limit(BATCH)
                )
            ).all()
        for run_id, location, created_at, deadline in rows:
            waited = round((deadline - created_at).total_seconds())
            reason = f"No runner in location {self._label(location)} claimed the run within {waited} s"
            await self._end(run_id, RunStatus.QUEUED, reason, location=location, runner_id=None)

    async def end_orphaned(self) -> None:
        heartbeats = await live_runners(self._nats.js)
        now = _now()
        for beat in heartbeats:
            self._last_seen[beat.runner_id] = now
        alive = {beat.runner_id for beat in heartbeats}
        claimed = {run_id for beat in heartbeats for run_id in beat.active_runs}
        grace = timedelta(seconds=self._settings.runner_heartbeat_grace_s)
        async with self._session_maker() as session:
            rows = (
                await session.execute(
                    sa.select(Run.id, Run.runner_id, Run.location, Run.started_at)
                    .where(Run.status == RunStatus.RUNNING)
                    .order_by(Run.started_at)
                    .limit(BATCH * 10)
                )
            ).all()
        for run_id, runner_id, location, started_at in rows:
            if str(run_id) in claimed or runner_id in alive:
                continue
            seen = max(self._last_seen.get(runner_id or "", self._started), started_at or self._started, self._started)
            if now - seen <= grace:
                continue
            where = await self._ran_in(run_id) or location
            silent = f"{self._settings.runner_heartbeat_grace_s:g}"
            who = f"Runner {runner_id}" if runner_id else "The runner that claimed the run"
            reason = f"{who} in {self._label(where)} stopped sending heartbeats for more than {silent} s"
            await self._end(run_id, RunStatus.RUNNING, reason, location=where, runner_id=runner_id)

    async def _ran_in(self, run_id: UUID) -> str | None:
        """Where the run's tests actually ran, as the runner reported it."""
        async with self._session_maker() as session:
            located: str | None = await session.scalar(
                sa.select(K6PerformanceRun.location)
                .where(K6PerformanceRun.run_id == run_id, K6PerformanceRun.location.is_not(None))
                .limit(1)
            )
        return located

    def _label(self, code: str | None) -> str:
        location = self._settings.location(code or "")
        if location is None:
            return code or "(unknown)"
        return describe(location)

    async def _end(
        self, run_id: UUID, was: RunStatus, reason: str, *, location: str | None, runner_id: str | None
    ) -> None:
        try:
            async with self._session_maker() as session, session.begin():
                ended = await end_run(session, run_id, RunStatus.ERROR, reason, only_if=(was,))
        except Exception as exc:  # noqa: BLE001 - one bad run must not keep the watchdog from the others
            logger.warning("watchdog.end_failed", run_id=str(run_id), error=str(exc) or type(exc).__name__)
            return
        if ended is None:
            return  # another backend, a runner's event or a cancel got there first
        event_name = "run.expired" if was is RunStatus.QUEUED else "run.orphaned"
        logger.warning(event_name, run_id=str(run_id), location=location, runner_id=runner_id, reason=reason)
        event = RunStatusEvent(
            run_id=str(run_id),
            status=RunStatus.ERROR,
            at=ended.completed_at or _now(),
            runner_id=runner_id,
            location=location,
            reason=reason,
            started_at=ended.started_at,
            completed_at=ended.completed_at,
            duration_ms=ended.duration_ms,
        )
        if self._nats.is_connected:
            try:
                await publish_status_event(self._nats.js, event)
                await request_cancel(self._nats.connected_client, str(run_id), reason)
            except Exception as exc:  # noqa: BLE001 - the database already holds the outcome
                logger.warning("run.status_publish_failed", run_id=str(run_id), error=str(exc))
