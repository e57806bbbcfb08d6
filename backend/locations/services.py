"""Live runners, read from the ``k6_runners`` heartbeat bucket, and what they mean for each location.

A key is present while its runner heartbeats (the bucket's TTL removes it ~3 heartbeats after the last one).
The bucket's stream is read directly (subject list, then the last message of each) so that no consumer is
created per request.
"""

import asyncio

import msgspec
import structlog
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from backend.core.errors import BadRequestError
from backend.core.settings import Settings
from schema import nats as names
from schema.locations import Location
from schema.messages import RunnerHeartbeat

logger = structlog.get_logger()

_KV_STREAM = f"KV_{names.RUNNERS_BUCKET}"
_KV_PREFIX = f"$KV.{names.RUNNERS_BUCKET}."
_KV_OPERATION = "KV-Operation"


def catalogue_location(settings: Settings, code: str | None) -> Location:
    """The catalogue's entry for ``code`` (the first location when None); 400 naming the known codes otherwise."""
    if code is None:
        return settings.locations[0]
    location = settings.location(code)
    if location is None:
        known = ", ".join(loc.code for loc in settings.locations)
        raise BadRequestError(f"Unknown location {code!r}; known locations: {known}")
    return location


async def live_runners(js: JetStreamContext) -> list[RunnerHeartbeat]:
    """The latest heartbeat of every runner that is alive now."""
    info = await js.stream_info(_KV_STREAM, subjects_filter=f"{_KV_PREFIX}>")
    subjects = list((info.state.subjects or {}).keys())
    found = await asyncio.gather(*(_last_heartbeat(js, subject) for subject in subjects))
    return [beat for beat in found if beat is not None]


async def _last_heartbeat(js: JetStreamContext, subject: str) -> RunnerHeartbeat | None:
    try:
        msg = await js.get_last_msg(_KV_STREAM, subject)
    except NotFoundError:  # expired between the two reads
        return None
    if (msg.headers or {}).get(_KV_OPERATION) in {"DEL", "PURGE"} or not msg.data:
        return None
    try:
        return msgspec.json.decode(msg.data, type=RunnerHeartbeat)
    except msgspec.DecodeError:
        logger.warning("runner.bad_heartbeat", key=subject.removeprefix(_KV_PREFIX))
        return None


def runners_for(location: str, heartbeats: list[RunnerHeartbeat]) -> list[RunnerHeartbeat]:
    """Runners that would take a run for ``location`` (filtering runners only their own location)."""
    return [beat for beat in heartbeats if beat.can_run(location)]


def describe(location: Location) -> str:
    """How messages name a location: ``eu-central (EU Central, Frankfurt)``."""
    place = f"{location.name}, {location.city}" if location.city else location.name
    return f"{location.code} ({place})"


def no_runner_message(location: Location, deadline_iso: str) -> str:
    return (
        f"No runner is available in {describe(location)} right now. "
        f"Start a runner there, or send queueIfUnavailable: true to queue the run until {deadline_iso}."
    )
