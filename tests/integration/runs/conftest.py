"""The backend's side of the run lifecycle, served by uvicorn on the test's own loop (real HTTP, real SSE).

These tests get their own nats-server: they count runners in the heartbeat bucket and consumers on the
event stream, which runners started by other suites of the session must not disturb. No runner process
runs here: the tests publish the runners' messages themselves.
"""

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import uvicorn
from litestar import Litestar

from backend.core.settings import Settings
from ops import services
from tests.conftest import new_project_key

# Quick timings for every test here; a test changes one with @pytest.mark.settings(name=value).
FAST = {"sse_heartbeat_s": 0.3, "sse_release_grace_s": 0.2, "watchdog_interval_s": 0.2}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "settings(**overrides): backend settings for this test")


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[services.NatsCredentials]:
    root = tmp_path_factory.mktemp("runs-nats")
    creds = services.nats_credentials(root, port=services.free_port())
    proc = services.start_nats(root, creds, log_file=root / "nats.log")
    yield creds
    services.stop_process(proc)


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    marker = request.node.get_closest_marker("settings")
    return dataclasses.replace(settings, **{**FAST, **(marker.kwargs if marker else {})})


@pytest.fixture
async def server(app: Litestar) -> AsyncIterator[str]:
    """The app behind uvicorn on 127.0.0.1 (lifespan included); yields its base URL once it is ready."""
    port = services.free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning")
    uv = uvicorn.Server(config)
    task = asyncio.create_task(uv.serve())
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base) as probe:
        for _ in range(300):
            if uv.started and (await probe.get("/ready")).status_code == 200:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("backend did not become ready")
    yield base
    uv.should_exit = True
    await asyncio.wait_for(task, 15)


@pytest.fixture
async def http(server: str, db) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client with the admin key of a fresh project."""
    _, key = await new_project_key(db)
    async with httpx.AsyncClient(base_url=server, headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
        yield client


@pytest.fixture
async def stranger(server: str, db) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of another project."""
    _, key = await new_project_key(db)
    async with httpx.AsyncClient(base_url=server, headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
        yield client
