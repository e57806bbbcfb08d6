"""``GET /api/runs/{run_id}/stream``: a run's console and statuses as Server-Sent Events.

Events come from JetStream through the process's :class:`RunEventHub`; each carries the stream sequence
as its ``id``, so ``Last-Event-ID`` resumes exactly after it. A finished run replays at once and closes.
When the run's events have aged out of the stream, what the database kept is sent instead.
"""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Annotated
from uuid import UUID

import msgspec
import structlog
from advanced_alchemy.extensions.litestar.providers import create_service_provider
from litestar import Controller, get
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter, PathParameter, QueryParameter
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError as StreamMsgNotFoundError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.accounts.permissions import Permission
from backend.accounts.services import Principal
from backend.core.auth import needs
from backend.core.errors import BadRequestError, ServiceUnavailableError, error_responses
from backend.core.nats import NatsConnection
from backend.core.settings import Settings
from backend.db.models import Run
from backend.runs.hub import RunEventHub, Viewer, console_data
from backend.runs.services import RunService
from schema import nats as names
from schema.base import CamelStruct
from schema.enums import RunStatus
from schema.messages import RunStatusEvent

logger = structlog.get_logger()

KEEP_ALIVE = ServerSentEventMessage(comment="keep-alive", data=None)
_NO_EVENTS = "Live run events are unavailable: the message bus (NATS) did not answer"


class CompleteData(CamelStruct):
    status: RunStatus


class FallbackStatusData(CamelStruct):
    status: RunStatus
    test_id: str | None
    test_title: str | None
    reason: str | None
    location: str | None
    exit_code: int | None


def _complete(status: RunStatus, seq: int | None) -> ServerSentEventMessage:
    return ServerSentEventMessage(event="complete", id=seq, data=msgspec.json.encode(CompleteData(status=status)))


def resume_point(header: str | None, query: str | None) -> int | None:
    """The last event id the client saw (header first, as EventSource sends it); 400 when it is not one of ours."""
    raw = header if header not in {None, ""} else query
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or len(raw) > 19:  # noqa: PLR2004 - a 64-bit stream sequence
        raise BadRequestError(f"Last-Event-ID must be an event id from this stream, got {raw[:40]!r}")
    return int(raw)


async def applied(session_maker: async_sessionmaker[AsyncSession], run_id: UUID, timeout_s: float = 3.0) -> None:
    """Wait (briefly) until the database shows the run's end, so a client that reads the run right
    after ``complete`` sees its final state, not the moment before the event was applied."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        async with session_maker() as session:
            status = await session.scalar(select(Run.status).where(Run.id == run_id))
        if status is None or status.is_terminal:
            return
        await asyncio.sleep(0.05)


async def live_events(
    viewer: Viewer, after: int, heartbeat_s: float, settled: Callable[[], Awaitable[None]]
) -> AsyncIterator[ServerSentEventMessage]:
    """Events after ``after``, then ``complete`` at the run's terminal status (even one the client already has)."""
    try:
        async for item in viewer.follow(heartbeat_s):
            if item is None:
                yield KEEP_ALIVE
                continue
            if item.seq > after:
                yield ServerSentEventMessage(event=item.event, id=item.seq, data=item.data)
            if item.run_ended is not None:
                await settled()
                yield _complete(item.run_ended, item.seq)
                return
    finally:
        viewer.close()


async def stored_events(run: Run, *, resumed: bool) -> AsyncIterator[ServerSentEventMessage]:
    """For a finished run whose events left the stream: each test's console tail and status, then ``complete``.

    A resuming client already saw the live events; it only needs to learn that the run is over.
    """
    if not resumed:
        for k6 in run.k6_runs:
            test_id = str(k6.test_id) if k6.test_id else None
            if k6.console_output:
                lines = k6.console_output.splitlines()
                yield ServerSentEventMessage(event="console", data=console_data(lines, test_id, truncated=False))
            status = FallbackStatusData(
                status=k6.status,
                test_id=test_id,
                test_title=k6.test_title,
                reason=k6.error_details,
                location=k6.location,
                exit_code=k6.exit_code,
            )
            yield ServerSentEventMessage(event="status", data=msgspec.json.encode(status))
        run_status = FallbackStatusData(
            status=run.status, test_id=None, test_title=None, reason=run.error_details, location=None, exit_code=None
        )
        yield ServerSentEventMessage(event="status", data=msgspec.json.encode(run_status))
    yield _complete(run.status, None)


async def ended_in_stream(js: JetStreamContext, run_id: str) -> bool:
    """Whether the run's last status message in the stream is its run-level terminal one."""
    try:
        msg = await js.get_last_msg(names.EVENTS_STREAM, names.status_subject(run_id))
    except StreamMsgNotFoundError:
        return False
    try:
        event = msgspec.json.decode(msg.data or b"", type=RunStatusEvent)
    except msgspec.DecodeError:
        return False
    return event.test_id is None and event.status.is_terminal


class RunStreamController(Controller):
    """The live view of one run."""

    path = "/runs"
    tags = ["Runs"]
    dependencies = {"run_service": Provide(create_service_provider(RunService))}

    @get(
        "/{run_id:uuid}/stream",
        summary="Follow a run: console, status and complete events (SSE, resumable with Last-Event-ID)",
        opt=needs(Permission.READ),
        responses=error_responses(503),
    )
    async def stream_run(
        self,
        run_id: Annotated[UUID, PathParameter(description="The run's id")],
        principal: NamedDependency[Principal],
        run_service: NamedDependency[RunService],
        settings: NamedDependency[Settings],
        state: State,
        last_event_id: Annotated[
            str | None, HeaderParameter(name="Last-Event-ID", description="Resume after this event id")
        ] = None,
        last_event_id_query: Annotated[
            str | None,
            QueryParameter(name="lastEventId", max_length=40, description="Resume after this event id"),
        ] = None,
    ) -> ServerSentEvent:
        run = await run_service.get_in_project(principal, run_id)
        after = resume_point(last_event_id, last_event_id_query)
        nats: NatsConnection = state.nats
        if not nats.is_connected:
            raise ServiceUnavailableError(_NO_EVENTS)
        hub: RunEventHub = state.run_hub
        try:
            if run.status.is_terminal and not await ended_in_stream(nats.js, str(run.id)):
                return ServerSentEvent(stored_events(run, resumed=after is not None))
            viewer = await hub.open(nats.js, str(run.id))
        except (NatsError, TimeoutError) as exc:
            logger.warning("run.stream_unavailable", run_id=str(run.id), error=str(exc) or type(exc).__name__)
            raise ServiceUnavailableError(_NO_EVENTS) from exc
        return ServerSentEvent(
            live_events(viewer, after or 0, settings.sse_heartbeat_s, partial(applied, state.session_maker, run.id)),
            background=BackgroundTask(viewer.aclose),
        )
