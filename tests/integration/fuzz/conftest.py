"""A backend of the fuzz run's own: uvicorn on 127.0.0.1 in a thread, and a fresh project's admin key.

Schemathesis calls the API synchronously from the test, so the app cannot share the test's event loop
(as the ``server`` fixture does): it gets a thread and a loop of its own.
"""

import asyncio
import dataclasses
import threading
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from backend.app import create_app
from backend.core.settings import Settings, load_settings
from ops import services
from tests.conftest import marked_settings, new_project_key


@pytest.fixture(scope="module")
def fuzz_settings(
    database_url: str,
    nats_server: services.NatsCredentials,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Settings:
    """The suite's settings, once for the module; limits high enough that the fuzzer meets the handlers,
    not 429s (the limits have tests of their own)."""
    base = dataclasses.replace(
        load_settings(),
        database_url=database_url,
        nats_url=nats_server.url,
        nats_user=nats_server.backend_user,
        nats_password=nats_server.backend_password,
        data_dir=tmp_path_factory.mktemp("fuzz"),
        database_pool_size=5,
    )
    return marked_settings(
        base, request, trigger_rate_per_minute=100_000, login_rate_per_minute=100_000, max_concurrent_runs=100_000
    )


@pytest.fixture(scope="module")
def fuzz_server(fuzz_settings: Settings) -> Iterator[str]:
    """The app behind uvicorn (lifespan included) in a thread; yields its base URL once it is ready."""
    port = services.free_port()
    config = uvicorn.Config(create_app(fuzz_settings), host="127.0.0.1", port=port, lifespan="on", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=asyncio.run, args=(server.serve(),), name="fuzz-uvicorn", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, server, thread)
        yield base
    finally:
        server.should_exit = True
        thread.join(15)


def _wait_ready(base: str, server: uvicorn.Server, thread: threading.Thread) -> None:
    with httpx.Client(base_url=base, timeout=2) as probe:
        for _ in range(300):
            if not thread.is_alive():
                break
            if server.started and probe.get("/ready").status_code == 200:
                return
            threading.Event().wait(0.05)
    pytest.fail("backend did not become ready")


@pytest.fixture(scope="module")
def fuzz_key(database_url: str) -> str:
    """The admin API key of a fresh project: the fuzzer's writes land in a project nobody else reads."""

    async def provision() -> str:
        engine = create_async_engine(database_url, poolclass=NullPool)
        try:
            _, key = await new_project_key(async_sessionmaker(engine, expire_on_commit=False))
        finally:
            await engine.dispose()
        return key

    return asyncio.run(provision())
