"""``/health`` (the process answers), ``/ready`` (the database and NATS answer too) and ``/metrics``."""

import asyncio

from litestar import Controller, MediaType, Response, get
from litestar.datastructures import State
from litestar.openapi import ResponseSpec
from litestar.plugins.prometheus import PrometheusController
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schema.base import CamelStruct

_CHECK_TIMEOUT_S = 3.0


class Health(CamelStruct):
    status: str


class Readiness(CamelStruct):
    status: str
    database: str
    nats: str


class SystemController(Controller):
    tags = ["System"]
    include_in_schema = True

    @get("/health", summary="Liveness", media_type=MediaType.JSON)
    async def health(self) -> Health:
        return Health(status="ok")

    @get(
        "/ready",
        summary="Readiness: database and NATS reachable",
        media_type=MediaType.JSON,
        responses={503: ResponseSpec(Readiness, description="The database or NATS does not answer")},
    )
    async def ready(self, state: State) -> Response[Readiness]:
        database = await _check_database(state.session_maker)
        nats = "ok" if state.nats.is_connected else "unavailable"
        ok = database == "ok" and nats == "ok"
        return Response(
            Readiness(status="ok" if ok else "unavailable", database=database, nats=nats),
            status_code=200 if ok else 503,
        )


class MetricsController(PrometheusController):
    """Prometheus' text format at ``/metrics``: for scrapers, so it stays out of the OpenAPI document."""

    include_in_schema = False


async def _check_database(session_maker: async_sessionmaker[AsyncSession]) -> str:
    try:
        async with asyncio.timeout(_CHECK_TIMEOUT_S), session_maker() as session:
            await session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not ready"
        return "unavailable"
    return "ok"
