"""Helpers for tests that drive whole runs through the HTTP API."""

from typing import Any

import httpx

from schema.enums import TERMINAL_STATUSES
from tests.support.api import create_test
from tests.support.wait import eventually

TERMINAL = {status.value for status in TERMINAL_STATUSES}


def k6_script(body: str, *, options: str = "{ vus: 1, duration: '2s' }", extra: str = "") -> str:
    """A k6 script whose default function is ``body``; ``extra`` goes at module level."""
    return (
        "import http from 'k6/http';\nimport { check, sleep } from 'k6';\n"
        f"export const options = {options};\n{extra}\n"
        f"export default function () {{\n{body}\n}}\n"
    )


async def wait_for_runners(http: httpx.AsyncClient, location: str, count: int, timeout: float = 30) -> None:
    async def ready() -> bool:
        locations = (await http.get("/api/locations")).json()
        return any(loc["code"] == location and loc["runners"] >= count for loc in locations)

    await eventually(ready, timeout=timeout, interval=0.2)


async def finished(http: httpx.AsyncClient, run_id: str, timeout: float = 90) -> dict[str, Any]:
    """The run once it is in a terminal state."""

    async def terminal() -> dict[str, Any] | None:
        run: dict[str, Any] = (await http.get(f"/api/runs/{run_id}")).json()
        return run if run["status"] in TERMINAL else None

    return await eventually(terminal, timeout=timeout, interval=0.25)


async def run_script(
    http: httpx.AsyncClient, script: str, *, location: str = "us-east", title: str = "load", **body: Any
) -> dict[str, Any]:
    """Create a performance test and execute it; returns the queued run."""
    test = await create_test(http, title=title, script=script)
    response = await http.post(f"/api/tests/{test['id']}/execute", json={"location": location, **body})
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run
