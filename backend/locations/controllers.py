"""``GET /api/locations``: the configured catalogue."""

from litestar import Controller, get
from litestar.di import NamedDependency

from backend.core.settings import Settings
from schema.base import CamelStruct


class LocationRead(CamelStruct):
    code: str
    name: str
    city: str
    continent: str
    label: str


class LocationController(Controller):
    path = "/locations"
    tags = ["Locations"]

    @get("/", summary="List the locations runs can ask for")
    async def list_locations(self, settings: NamedDependency[Settings]) -> list[LocationRead]:
        return [
            LocationRead(code=loc.code, name=loc.name, city=loc.city, continent=loc.continent, label=loc.label)
            for loc in settings.locations
        ]
