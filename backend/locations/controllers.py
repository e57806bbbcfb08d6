"""``GET /api/locations``: the configured catalogue with the live runners of each location."""

import structlog
from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import NamedDependency

from backend.accounts.permissions import Permission
from backend.core.auth import needs
from backend.core.nats import NatsConnection
from backend.core.settings import Settings
from backend.locations.services import live_runners, runners_for
from schema.base import CamelStruct
from schema.messages import RunnerHeartbeat

logger = structlog.get_logger()


class LocationRead(CamelStruct):
    code: str
    name: str
    city: str
    continent: str
    label: str
    runners: int
    free_slots: int
    available: bool


class LocationController(Controller):
    path = "/locations"
    tags = ["Locations"]

    @get(
        "/",
        summary="List the locations runs can ask for, with live runners and free slots",
        opt=needs(Permission.READ),
    )
    async def list_locations(self, settings: NamedDependency[Settings], state: State) -> list[LocationRead]:
        heartbeats = await _heartbeats(state.nats)
        result = []
        for loc in settings.locations:
            able = runners_for(loc.code, heartbeats)
            result.append(
                LocationRead(
                    code=loc.code,
                    name=loc.name,
                    city=loc.city,
                    continent=loc.continent,
                    label=loc.label,
                    runners=len(able),
                    free_slots=sum(beat.free_slots for beat in able),
                    available=bool(able),
                )
            )
        return result


async def _heartbeats(nats: NatsConnection) -> list[RunnerHeartbeat]:
    """No NATS means no runner can be reached: every location shows zero runners."""
    if not nats.is_connected:
        return []
    try:
        return await live_runners(nats.js)
    except Exception as exc:  # noqa: BLE001 - a NATS hiccup must not fail the catalogue
        logger.warning("locations.heartbeats_unavailable", error=str(exc) or type(exc).__name__)
        return []
