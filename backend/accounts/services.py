"""Organizations, projects and API keys: provisioning, the start-up bootstrap, key look-up, quotas.

API keys are random 256-bit tokens, so a SHA-256 digest is enough to store them safely
(a slow password hash would only slow every request down).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core.settings import Settings
from backend.db.models import ApiKey, Organization, Project, Role

logger = structlog.get_logger()

API_KEY_PREFIX = "sck_"
_LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling (an API key, or a signed-in user), the one project the request is about, and the role there."""

    organization_id: UUID
    project_id: UUID
    role: Role
    api_key_id: UUID | None = None
    user_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class EffectiveQuotas:
    max_vus: int
    max_duration_s: int
    max_concurrent_runs: int


def effective_quotas(project: Project, settings: Settings) -> EffectiveQuotas:
    """A project's own quotas where it has them; the platform's ceilings (SUPERCHECK_MAX_*) elsewhere."""
    return EffectiveQuotas(
        max_vus=min(project.max_vus or settings.max_vus, settings.max_vus),
        max_duration_s=min(project.max_duration_s or settings.max_duration_s, settings.max_duration_s),
        max_concurrent_runs=min(
            project.max_concurrent_runs or settings.max_concurrent_runs, settings.max_concurrent_runs
        ),
    )


def generate_api_key() -> str:
    return API_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


async def get_or_create_organization(session: AsyncSession, name: str) -> Organization:
    org = await session.scalar(select(Organization).where(Organization.name == name).order_by(Organization.id))
    if org is None:
        org = Organization(name=name)
        session.add(org)
        await session.flush()
    return org


async def get_or_create_project(session: AsyncSession, org: Organization, name: str) -> Project:
    project = await session.scalar(select(Project).where(Project.organization_id == org.id, Project.name == name))
    if project is None:
        project = Project(organization_id=org.id, name=name)
        session.add(project)
        await session.flush()
    return project


async def add_api_key(
    session: AsyncSession,
    project: Project,
    *,
    name: str,
    role: Role = Role.ADMIN,
    raw_key: str | None = None,
    created_by_user_id: UUID | None = None,
) -> tuple[ApiKey, str]:
    """Store a new key for ``project``; returns the row and the raw key (shown once)."""
    raw = raw_key or generate_api_key()
    key = ApiKey(
        organization_id=project.organization_id,
        project_id=project.id,
        name=name,
        prefix=raw[:12],
        key_hash=hash_api_key(raw),
        role=role,
        created_by_user_id=created_by_user_id,
    )
    session.add(key)
    await session.flush()
    return key, raw


async def provision_project(
    session: AsyncSession, org_name: str, project_name: str, *, raw_key: str | None = None
) -> tuple[Project, str]:
    """Create (or find) an organization and project and give it a new admin key."""
    org = await get_or_create_organization(session, org_name)
    project = await get_or_create_project(session, org, project_name)
    _, raw = await add_api_key(session, project, name="admin", raw_key=raw_key)
    return project, raw


async def bootstrap(session_maker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Create the default organization and project; make the bootstrap key their admin key. Idempotent."""
    for attempt in range(3):  # several processes may start at once; a unique violation means "retry"
        try:
            async with session_maker() as session, session.begin():
                await _bootstrap_once(session, settings)
        except IntegrityError:
            if attempt == 2:  # noqa: PLR2004
                raise
            continue
        return


async def _bootstrap_once(session: AsyncSession, settings: Settings) -> None:
    org = await get_or_create_organization(session, settings.default_org_name)
    project = await get_or_create_project(session, org, settings.default_project_name)
    if settings.bootstrap_api_key is None:
        return
    existing = await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_api_key(settings.bootstrap_api_key)))
    if existing is None:
        await add_api_key(session, project, name="bootstrap admin key", raw_key=settings.bootstrap_api_key)
        logger.info("accounts.bootstrap_key_created", project_id=str(project.id))
    elif existing.revoked_at is not None or existing.project_id != project.id:
        # The operator asked for this exact key to be the admin key: make it so.
        existing.revoked_at = None
        existing.project_id = project.id
        existing.organization_id = org.id
        existing.role = Role.ADMIN


async def authenticate(session: AsyncSession, raw_key: str) -> Principal | None:
    """The principal of a live key, or None; records when the key was last used (to the minute)."""
    key = await session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_api_key(raw_key)))
    if key is None or key.revoked_at is not None:
        return None
    now = datetime.now(UTC)
    if key.last_used_at is None or now - key.last_used_at > _LAST_USED_RESOLUTION:
        key.last_used_at = now
        await session.commit()
    return Principal(organization_id=key.organization_id, project_id=key.project_id, role=key.role, api_key_id=key.id)
