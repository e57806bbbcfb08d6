"""A test's report, summary and console log, read from the artifact store the runners write to.

``GET /api/runs/{run_id}/tests/{test_id}/artifacts/{name}`` serves them to callers of the run's project.
The HTML report is k6's own page with its own scripts: it is served sandboxed (an opaque origin), so it
can run but never act on the app's origin with the viewer's session.
"""

import asyncio
import contextlib
from typing import Annotated
from uuid import UUID

import sqlalchemy as sa
import structlog
from litestar import Controller, Response, get
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import PathParameter, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.permissions import Permission
from backend.accounts.services import Principal
from backend.core.auth import needs
from backend.core.errors import NotFoundError, ServiceUnavailableError, error_responses
from backend.core.nats import NatsConnection
from backend.db.models import K6PerformanceRun
from schema.artifacts import (
    ARTIFACT_CONTENT_TYPES,
    CONSOLE_LOG,
    REPORT,
    SUMMARY,
    ArtifactStore,
    StorageError,
    StoreSettings,
    open_store,
)

logger = structlog.get_logger()

REPORT_CSP = "sandbox allow-scripts allow-popups"

_KEY_COLUMNS = {
    REPORT: K6PerformanceRun.report_s3_url,
    SUMMARY: K6PerformanceRun.summary_s3_url,
    CONSOLE_LOG: K6PerformanceRun.console_s3_url,
}


class Artifacts:
    """The backend's handle on the store, opened lazily: the NATS store needs a connected client."""

    def __init__(self, settings: StoreSettings, nats: NatsConnection) -> None:
        self._settings = settings
        self._nats = nats
        self._store: ArtifactStore | None = None
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Create the bucket in the background once NATS is up, so that start-up never waits on storage."""
        self._task = asyncio.create_task(self._ensure_when_ready(), name="artifact-store-ensure")

    async def _ensure_when_ready(self) -> None:
        await self._nats.wait_ready()
        try:
            await self.store()
        except ServiceUnavailableError as exc:
            logger.warning("artifacts.store_unavailable", error=exc.detail)

    async def store(self) -> ArtifactStore:
        async with self._lock:
            if self._store is None:
                if self._settings.kind == "nats" and not self._nats.is_connected:
                    raise ServiceUnavailableError("Artifacts are unavailable: the message bus (NATS) is not connected")
                client = self._nats.client if self._settings.kind == "nats" else None
                store = open_store(self._settings, nats_client=client)
                try:
                    await store.ensure()
                except StorageError as exc:
                    await store.close()
                    raise ServiceUnavailableError(f"Artifacts are unavailable: {exc}") from exc
                self._store = store
            return self._store

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._store is not None:
            await self._store.close()


async def _artifact_key(
    session: AsyncSession, principal: Principal, run_id: UUID, test_id: UUID, name: str
) -> str | None:
    column = _KEY_COLUMNS.get(name)
    if column is None:
        return None
    key: str | None = await session.scalar(
        sa.select(column).where(
            K6PerformanceRun.run_id == run_id,
            K6PerformanceRun.test_id == test_id,
            K6PerformanceRun.project_id == principal.project_id,
        )
    )
    return key


def _headers(name: str, test_id: UUID, *, download: bool) -> dict[str, str]:
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"}
    if name == REPORT:
        headers["Content-Security-Policy"] = REPORT_CSP
    if download:
        headers["Content-Disposition"] = f'attachment; filename="{test_id}-{name}"'
    return headers


class ArtifactController(Controller):
    """Per-test files of a run: the HTML report, k6's summary and the full console log."""

    path = "/runs"
    tags = ["Runs"]

    @get(
        "/{run_id:uuid}/tests/{test_id:uuid}/artifacts/{name:str}",
        summary="Get a test's report (index.html), summary (summary.json) or console log (console.log)",
        opt=needs(Permission.READ),
        responses=error_responses(503),
    )
    async def get_artifact(
        self,
        run_id: Annotated[UUID, PathParameter(description="The run's id")],
        test_id: Annotated[UUID, PathParameter(description="The test's id")],
        name: Annotated[str, PathParameter(description="index.html, summary.json or console.log")],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        state: State,
        download: Annotated[bool, QueryParameter(description="Send as a file to save")] = False,
    ) -> Response[bytes]:
        key = await _artifact_key(db_session, principal, run_id, test_id, name)
        if key is None:
            raise NotFoundError(f"No {name} for test {test_id} in run {run_id}")
        artifacts: Artifacts = state.artifacts
        store = await artifacts.store()
        try:
            data = await store.get(key)
        except StorageError as exc:
            logger.warning("artifacts.read_failed", run_id=str(run_id), key=key, error=str(exc))
            raise ServiceUnavailableError("The artifact store did not answer; try again shortly") from exc
        if data is None:
            raise NotFoundError(f"{name} of test {test_id} in run {run_id} is no longer stored")
        return Response(
            content=data,
            media_type=ARTIFACT_CONTENT_TYPES[name],
            headers=_headers(name, test_id, download=download),
        )
