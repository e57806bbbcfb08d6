"""The application factory: wires settings, plugins, middleware and routers. No business logic here."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin
from litestar import Litestar, Router
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.prometheus import PrometheusConfig

from backend.accounts.controllers import (
    ApiKeyController,
    AuthController,
    InvitationController,
    MemberController,
    ProjectController,
)
from backend.accounts.services import bootstrap
from backend.core.auth import auth_middleware, authorize, provide_principal
from backend.core.db import alchemy_config
from backend.core.errors import EXCEPTION_HANDLERS, ApiRequest
from backend.core.logging import configure_logging, request_id_middleware
from backend.core.nats import NatsConnection
from backend.core.openapi import SharedErrorResponses
from backend.core.ratelimit import RateLimiter
from backend.core.settings import Settings, get_settings
from backend.jobs.controllers import JobController
from backend.locations.controllers import LocationController
from backend.runs.artifacts import ArtifactController, Artifacts
from backend.runs.controllers import RunController
from backend.runs.events import EventApplier
from backend.runs.hub import RunEventHub
from backend.runs.stream import RunStreamController
from backend.runs.watchdog import Watchdog
from backend.system.controllers import MetricsController, SystemController
from backend.tests.controllers import TestController
from backend.tests.validation import K6Inspector
from backend.web import spa_router

logger = structlog.get_logger()

VERSION = "0.1.0"

# HTTP metrics at /metrics, labelled by route template (not raw path) so run ids do not explode them.
PROMETHEUS = PrometheusConfig(
    app_name="supercheck", prefix="supercheck", group_path=True, exclude_unhandled_paths=True, exclude=["^/metrics$"]
)


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the ASGI app (granian calls this with ``--factory``)."""
    settings = settings or get_settings()
    configure_logging(settings)
    alchemy = alchemy_config(settings)
    nats = NatsConnection(settings)
    hub = RunEventHub(grace_s=settings.sse_release_grace_s)
    artifacts = Artifacts(settings.artifact_store, nats)
    inspector = K6Inspector(
        settings.k6_bin_path,
        timeout_s=settings.validate_timeout_s,
        concurrency=settings.validate_concurrency,
        sandbox=settings.validate_sandbox,
        sandbox_uids=settings.validate_sandbox_uids,
    )

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        app.state.session_maker = alchemy.create_session_maker()
        await bootstrap(app.state.session_maker, settings)
        await nats.start()
        applier = EventApplier(app.state.session_maker, nats)
        watchdog = Watchdog(app.state.session_maker, nats, settings)
        applier.start()
        watchdog.start()
        artifacts.start()
        logger.info("app.started", port=settings.http_port, locations=[loc.code for loc in settings.locations])
        try:
            yield
        finally:
            await watchdog.stop()
            await applier.stop()
            await hub.close()
            await artifacts.close()
            await nats.close()

    def provide_settings() -> Settings:
        return settings

    api = Router(
        path="/api",
        route_handlers=[
            AuthController,
            ProjectController,
            MemberController,
            InvitationController,
            ApiKeyController,
            TestController,
            JobController,
            RunController,
            RunStreamController,
            ArtifactController,
            LocationController,
        ],
        middleware=[auth_middleware],
        guards=[authorize],
        dependencies={"principal": Provide(provide_principal, sync_to_thread=False)},
    )
    spa = [router] if (router := spa_router(settings.web_dist)) else []  # the SPA, when it is built
    return Litestar(
        route_handlers=[SystemController, MetricsController, api, *spa],
        plugins=[SQLAlchemyPlugin(config=alchemy), SharedErrorResponses()],
        lifespan=[lifespan],
        state=State(
            {
                "nats": nats,
                "k6_inspector": inspector,
                "settings": settings,
                "run_hub": hub,
                "artifacts": artifacts,
                "rate_limiter": RateLimiter(),
            }
        ),
        dependencies={"settings": Provide(provide_settings, sync_to_thread=False)},
        middleware=[request_id_middleware, PROMETHEUS.middleware],
        exception_handlers=EXCEPTION_HANDLERS,
        request_class=ApiRequest,
        request_max_body_size=settings.max_body_bytes,
        cors_config=CORSConfig(allow_origins=[], allow_headers=["Authorization", "Content-Type"]),  # same origin only
        openapi_config=OpenAPIConfig(
            title="Supercheck Performance API",
            version=VERSION,
            description="Self-hosted k6 load testing: tests, jobs, runs in chosen locations, live console, reports.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
            components=Components(
                security_schemes={
                    "ApiKey": SecurityScheme(type="http", scheme="bearer", description="A project API key"),
                    "Session": SecurityScheme(
                        type="apiKey",
                        name="supercheck_session",
                        security_scheme_in="cookie",
                        description="The SPA's session cookie (POST /api/auth/login); writes also need X-CSRF-Token",
                    ),
                }
            ),
            security=[{"ApiKey": []}, {"Session": []}],
        ),
        logging_config=None,  # structlog is configured above; keep Litestar from replacing it
        debug=False,
    )
