"""Heartbeats into the ``k6_runners`` bucket: who this runner is, where, and how busy."""

import asyncio
from collections.abc import Callable

import msgspec
import structlog
from nats.js.kv import KeyValue

from runner import __version__
from runner.events import now
from runner.settings import RunnerSettings
from schema.messages import RunnerHeartbeat

logger = structlog.get_logger()


def heartbeat(settings: RunnerSettings, active_runs: list[str]) -> RunnerHeartbeat:
    return RunnerHeartbeat(
        runner_id=settings.runner_id,
        location=settings.location,
        location_filtering=settings.location_filtering,
        capacity=settings.max_concurrency,
        active_runs=active_runs,
        version=__version__,
        at=now(),
    )


async def beat_forever(kv: KeyValue, settings: RunnerSettings, active_runs: Callable[[], list[str]]) -> None:
    """Put a heartbeat every interval; a failed put is logged and retried at the next beat."""
    while True:
        try:
            await kv.put(settings.runner_id, msgspec.json.encode(heartbeat(settings, active_runs())))
        except Exception as exc:  # noqa: BLE001 - a missed beat must not stop the runner
            logger.warning("runner.heartbeat_failed", error=str(exc))
        await asyncio.sleep(settings.heartbeat_interval_s)


async def withdraw(kv: KeyValue, settings: RunnerSettings) -> None:
    """Remove this runner's entry at shutdown so the backend stops counting it at once."""
    try:
        await kv.delete(settings.runner_id)
    except Exception as exc:  # noqa: BLE001 - best effort; the TTL removes it anyway
        logger.warning("runner.withdraw_failed", error=str(exc))
