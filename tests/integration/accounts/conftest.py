"""People for the accounts tests: users with memberships written straight into the database, signed in over HTTP."""

import dataclasses
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.accounts.sessions import add_membership, create_user
from backend.app import create_app
from backend.core.settings import Settings
from backend.db.models import Project, Role
from ops import services
from tests.conftest import marked_settings

PASSWORD = "correct horse battery staple"


@dataclasses.dataclass
class Person:
    email: str
    user_id: uuid.UUID


async def make_user(
    db: async_sessionmaker[AsyncSession], project_id: uuid.UUID | None = None, role: Role = Role.EDITOR
) -> Person:
    """A user (password ``PASSWORD``), a member of ``project_id`` with ``role`` when given."""
    email = f"user-{uuid.uuid4().hex[:10]}@example.test"
    async with db() as session, session.begin():
        user = await create_user(session, email, "Test Person", PASSWORD)
        if project_id is not None:
            project = await session.scalar(select(Project).where(Project.id == project_id))
            assert project is not None
            await add_membership(session, user, project, role)
    return Person(email=email, user_id=user.id)


async def sign_in(client: AsyncTestClient[Litestar], email: str, password: str = PASSWORD) -> dict[str, Any]:
    """Sign in over HTTP; the client keeps the cookies and sends the CSRF header from then on."""
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    info: dict[str, Any] = response.json()
    client.headers["X-CSRF-Token"] = info["csrfToken"]
    return info


@pytest.fixture
def browser(client: AsyncTestClient[Litestar]) -> httpx.AsyncClient:
    """Another client of the same running app, with a cookie jar and headers of its own (a browser)."""
    # The test client's transport drives the app on the test client's loop; share it, not the lifespan.
    return httpx.AsyncClient(transport=client._transport, base_url=client.base_url)


@pytest.fixture
def fresh_database_url(postgres: services.Postgres) -> str:
    """An empty, migrated database of its own: a fresh install, with no users yet."""
    name = f"fresh_{uuid.uuid4().hex[:12]}"
    services.start_postgres(postgres.pgdata, database=name)
    url = postgres.url(name)
    supercheck = str(Path(sys.executable).with_name("supercheck"))
    subprocess.run([supercheck, "migrate"], check=True, env={**os.environ, "SUPERCHECK_DATABASE_URL": url})
    return url


@pytest.fixture
def fresh_settings(settings: Settings, fresh_database_url: str, request: pytest.FixtureRequest) -> Settings:
    return marked_settings(settings, request, database_url=fresh_database_url)


@pytest.fixture
async def fresh(fresh_settings: Settings) -> AsyncIterator[AsyncTestClient[Litestar]]:
    """A client of an app on a fresh install."""
    async with AsyncTestClient(app=create_app(fresh_settings)) as test_client:
        yield test_client
