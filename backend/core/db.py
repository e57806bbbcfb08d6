"""Database wiring: the advanced-alchemy config (handlers never commit; the response does)."""

from advanced_alchemy.extensions.litestar import (
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)

from backend.core.settings import Settings


def alchemy_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    """Sessions commit after a successful response and roll back on an error response."""
    return SQLAlchemyAsyncConfig(
        connection_string=settings.database_url,
        before_send_handler="autocommit",
        session_config=AsyncSessionConfig(expire_on_commit=False),
        engine_config=EngineConfig(pool_size=settings.database_pool_size, pool_pre_ping=True),
        create_all=False,
    )
