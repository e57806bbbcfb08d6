"""Alembic environment: runs migrations on the async engine of the configured database."""

import asyncio

from advanced_alchemy.base import orm_registry
from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

import backend.db.models  # noqa: F401 - registers every table on the metadata

target_metadata = orm_registry.metadata


def _run(connection: object) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)  # type: ignore[arg-type]
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_async_engine(context.config.get_main_option("sqlalchemy.url") or "")
    async with engine.connect() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=context.config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_async())
