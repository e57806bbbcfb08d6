"""Real servers for the whole suite, started once per session: PostgreSQL (pgserver) and nats-server."""

import asyncio
import dataclasses
import logging
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import nats
import pytest
import uvicorn
from litestar import Litestar
from litestar.testing import AsyncTestClient
from nats.aio.client import Client as NatsClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from backend.accounts.services import provision_project
from backend.app import create_app
from backend.core.settings import Settings, load_settings
from ops import services

os.environ.setdefault("XDG_RUNTIME_DIR", "/tmp/runtime-root")  # pgserver's lock directory
logging.getLogger("pgserver").setLevel(logging.WARNING)  # its atexit log lines would hit a closed stderr


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "settings(**overrides): backend settings for this test")


def marked_settings(settings: Settings, request: pytest.FixtureRequest, **defaults: object) -> Settings:
    """``settings`` with ``defaults`` and then the test's ``@pytest.mark.settings(...)`` applied."""
    marker = request.node.get_closest_marker("settings")
    return dataclasses.replace(settings, **{**defaults, **(marker.kwargs if marker else {})})


@pytest.fixture(scope="session")
def stack_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stack")


@pytest.fixture(scope="session")
def postgres(stack_dir: Path) -> Iterator[services.Postgres]:
    pg = services.start_postgres(stack_dir / "postgres", database="supercheck_test")
    yield pg
    pg.stop()


@pytest.fixture(scope="session")
def database_url(postgres: services.Postgres) -> str:
    url = postgres.url("supercheck_test")
    supercheck = str(Path(sys.executable).with_name("supercheck"))
    subprocess.run([supercheck, "migrate"], check=True, env={**os.environ, "SUPERCHECK_DATABASE_URL": url})
    return url


@pytest.fixture(scope="session")
def nats_server(stack_dir: Path) -> Iterator[services.NatsCredentials]:
    creds = services.nats_credentials(stack_dir, port=services.free_port())
    proc = services.start_nats(stack_dir, creds, log_file=stack_dir / "nats.log")
    yield creds
    services.stop_process(proc)


@pytest.fixture
def settings(database_url: str, nats_server: services.NatsCredentials, tmp_path: Path) -> Settings:
    return dataclasses.replace(
        load_settings(),
        database_url=database_url,
        nats_url=nats_server.url,
        nats_user=nats_server.backend_user,
        nats_password=nats_server.backend_password,
        data_dir=tmp_path,
        database_pool_size=5,
    )


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=app) as test_client:
        # The app runs on the client's own event loop: ask it over HTTP whether it is ready.
        for _ in range(300):
            if (await test_client.get("/ready")).status_code == 200:
                break
            await asyncio.sleep(0.05)
        else:
            pytest.fail("backend did not become ready (database and NATS)")
        yield test_client


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the test's own event loop (the app under test runs on the client's loop)."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def new_project_key(db: async_sessionmaker[AsyncSession], name: str | None = None) -> tuple[uuid.UUID, str]:
    """A fresh organization + project and its admin key, so every test starts from an empty project."""
    suffix = name or uuid.uuid4().hex[:8]
    async with db() as session, session.begin():
        project, raw = await provision_project(session, f"org-{suffix}", f"project-{suffix}")
    return project.id, raw


@pytest.fixture
async def api(client: AsyncTestClient[Litestar], db: async_sessionmaker[AsyncSession]) -> AsyncTestClient[Litestar]:
    """The client, authenticated with the admin key of a fresh project."""
    _, key = await new_project_key(db)
    client.headers["Authorization"] = f"Bearer {key}"
    return client


@pytest.fixture
async def nats_client(nats_server: services.NatsCredentials) -> AsyncIterator[NatsClient]:
    """A NATS connection on the test's loop, as the backend user (to look at what was published)."""
    client = await nats.connect(nats_server.url, user=nats_server.backend_user, password=nats_server.backend_password)
    yield client
    await client.close()


@pytest.fixture(scope="session")
def s3_server(stack_dir: Path) -> Iterator[dict[str, str]]:
    """A real S3-protocol server (moto_server) on 127.0.0.1, as the environment variables that select it."""
    import time  # noqa: PLC0415 - appended fixture: the import block above belongs to the other fixtures
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    port = services.free_port()
    endpoint = f"http://127.0.0.1:{port}"
    argv = [services.venv_bin("moto_server"), "-H", "127.0.0.1", "-p", str(port)]
    with (stack_dir / "moto.log").open("ab") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(argv, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                break
        except urllib.error.HTTPError:  # any HTTP answer means it serves
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                services.stop_process(proc)
                pytest.fail(f"moto_server did not answer on {endpoint}; see {stack_dir / 'moto.log'}")
            time.sleep(0.05)
    yield {
        "SUPERCHECK_ARTIFACT_STORE": "s3",
        "S3_ENDPOINT": endpoint,
        "S3_ACCESS_KEY": "testing",
        "S3_SECRET_KEY": "testing",
        "S3_REGION": "us-east-1",
    }
    services.stop_process(proc)


@pytest.fixture
async def live_runner(nats_client: NatsClient):
    """A synthetic heartbeat of a runner that takes every location, so that dispatch finds a live runner."""
    from datetime import UTC, datetime  # noqa: PLC0415 - appended fixture: the import block belongs to the others

    import msgspec  # noqa: PLC0415

    from backend.core.nats import ensure_jetstream  # noqa: PLC0415
    from schema.messages import RunnerHeartbeat  # noqa: PLC0415
    from schema.nats import RUNNERS_BUCKET  # noqa: PLC0415

    await ensure_jetstream(nats_client.jetstream())
    beat = RunnerHeartbeat(
        runner_id=f"test-runner-{uuid.uuid4().hex[:8]}",
        location="us-east",
        location_filtering=False,
        capacity=3,
        active_runs=[],
        version="test",
        at=datetime.now(UTC),
    )
    bucket = await nats_client.jetstream().key_value(RUNNERS_BUCKET)
    await bucket.put(beat.runner_id, msgspec.json.encode(beat))
    yield beat
    await bucket.purge(beat.runner_id)


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


def own_nats_server(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[services.NatsCredentials]:
    """A nats-server of a test directory's own, for suites that count what is on the bus."""
    root = tmp_path_factory.mktemp(name)
    creds = services.nats_credentials(root, port=services.free_port())
    proc = services.start_nats(root, creds, log_file=root / "nats.log")
    yield creds
    services.stop_process(proc)
