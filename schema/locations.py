"""The catalogue of locations a run can ask for, and how operators configure it."""

import re

import msgspec

from schema.base import CamelStruct


class Location(CamelStruct):
    """One place that can generate load, e.g. ``eu-central`` (EU Central, Frankfurt)."""

    code: str
    name: str
    city: str = ""
    continent: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.city})" if self.city else self.name


DEFAULT_LOCATIONS: tuple[Location, ...] = (
    Location(code="us-east", name="US East", city="Virginia", continent="North America"),
    Location(code="eu-central", name="EU Central", city="Frankfurt", continent="Europe"),
    Location(code="asia-pacific", name="Asia Pacific", city="Singapore", continent="Asia"),
)

_LOCATION_CODE = r"^[a-z0-9][a-z0-9-]{0,49}$"


def parse_catalogue(raw: str) -> tuple[Location, ...]:
    """Parse ``SUPERCHECK_LOCATIONS``: a JSON list of ``{code, name, city?, continent?}``.

    Raises ``ValueError`` with a message an operator can act on.
    """
    try:
        entries = msgspec.json.decode(raw, type=list[Location])
    except msgspec.DecodeError as exc:
        msg = f"SUPERCHECK_LOCATIONS must be a JSON list of {{code, name, city, continent}}: {exc}"
        raise ValueError(msg) from exc
    if not entries:
        msg = "SUPERCHECK_LOCATIONS must name at least one location"
        raise ValueError(msg)
    seen: set[str] = set()
    for entry in entries:
        if not re.match(_LOCATION_CODE, entry.code):
            msg = f"location code {entry.code!r} must be lowercase letters, digits and dashes"
            raise ValueError(msg)
        if entry.code in seen:
            msg = f"location code {entry.code!r} appears twice"
            raise ValueError(msg)
        seen.add(entry.code)
    return tuple(entries)
