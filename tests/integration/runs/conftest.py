"""The backend's side of the run lifecycle, served by uvicorn on the test's own loop (real HTTP, real SSE).

These tests get their own nats-server: they count runners in the heartbeat bucket and consumers on the
event stream, which runners started by other suites of the session must not disturb. No runner process
runs here: the tests publish the runners' messages themselves.
"""

from collections.abc import Iterator

import pytest

from backend.core.settings import Settings
from ops import services
from tests.conftest import marked_settings, own_nats_server

# Quick timings for every test here; a test changes one with @pytest.mark.settings(name=value).
FAST = {"sse_heartbeat_s": 0.3, "sse_release_grace_s": 0.2, "watchdog_interval_s": 0.2}


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[services.NatsCredentials]:
    yield from own_nats_server(tmp_path_factory, "runs-nats")


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    return marked_settings(settings, request, **FAST)
