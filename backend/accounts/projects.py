"""Projects as a caller sees them: their list, the current one with its quotas, and who is asking."""

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.permissions import permissions_of
from backend.accounts.schemas import (
    KeyIdentity,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    Quotas,
    SessionInfo,
    UserRead,
)
from backend.accounts.services import Principal, effective_quotas
from backend.accounts.sessions import add_membership
from backend.core.errors import BadRequestError, ConflictError, ForbiddenError
from backend.core.settings import Settings
from backend.db.models import ApiKey, Membership, Project, Role, User


def project_to_read(project: Project, role: Role, settings: Settings) -> ProjectRead:
    quotas = effective_quotas(project, settings)
    return ProjectRead(
        id=project.id,
        name=project.name,
        organization_id=project.organization_id,
        organization_name=project.organization.name,
        role=role,
        quotas=Quotas(
            max_vus=quotas.max_vus,
            max_duration_s=quotas.max_duration_s,
            max_concurrent_runs=quotas.max_concurrent_runs,
        ),
        ceilings=Quotas(
            max_vus=settings.max_vus,
            max_duration_s=settings.max_duration_s,
            max_concurrent_runs=settings.max_concurrent_runs,
        ),
        created_at=project.created_at,
    )


async def current_project(db: AsyncSession, principal: Principal) -> Project:
    return await db.get_one(Project, principal.project_id)


async def list_projects(db: AsyncSession, principal: Principal, settings: Settings) -> list[ProjectRead]:
    """A user's projects with the role in each; an API key's one project."""
    if principal.user_id is None:
        return [project_to_read(await current_project(db, principal), principal.role, settings)]
    rows = await db.execute(
        select(Project, Membership.role)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == principal.user_id)
        .order_by(Membership.created_at)
    )
    return [project_to_read(project, role, settings) for project, role in rows.tuples()]


async def session_info(
    db: AsyncSession, principal: Principal, settings: Settings, csrf_token: str | None
) -> SessionInfo:
    user = await db.get(User, principal.user_id) if principal.user_id else None
    key = await db.get(ApiKey, principal.api_key_id) if principal.api_key_id else None
    project = await current_project(db, principal)
    return SessionInfo(
        user=UserRead(id=user.id, email=user.email, name=user.name, created_at=user.created_at) if user else None,
        api_key=KeyIdentity(id=key.id, name=key.name, prefix=key.prefix, role=key.role) if key else None,
        project=project_to_read(project, principal.role, settings),
        role=principal.role,
        permissions=permissions_of(principal.role),
        projects=await list_projects(db, principal, settings),
        csrf_token=csrf_token,
    )


async def create_project(
    db: AsyncSession, principal: Principal, data: ProjectCreate, settings: Settings
) -> ProjectRead:
    """A new project in the caller's organization; the signed-in owner who made it owns it."""
    if principal.user_id is None:
        raise ForbiddenError("Sign in as a user to create projects: an API key belongs to one project")
    name = data.name.strip()
    await _ensure_name_free(db, principal.organization_id, name)
    project = Project(organization_id=principal.organization_id, name=name)
    db.add(project)
    await db.flush()
    user = await db.get_one(User, principal.user_id)
    await add_membership(db, user, project, Role.OWNER)
    await db.refresh(project, attribute_names=["organization"])
    return project_to_read(project, Role.OWNER, settings)


async def _ensure_name_free(db: AsyncSession, organization_id: UUID, name: str) -> None:
    taken = await db.scalar(select(Project.id).where(Project.organization_id == organization_id, Project.name == name))
    if taken is not None:
        raise ConflictError(f"The organization already has a project named {name!r}")


def _check_ceiling(value: int | None, ceiling: int, field: str, setting: str) -> None:
    if value is not None and value > ceiling:
        raise BadRequestError(
            f"{field} may be at most {ceiling}, the platform's ceiling ({setting})",
            extra={"field": field, "ceiling": ceiling},
        )


async def update_project(
    db: AsyncSession, principal: Principal, data: ProjectUpdate, settings: Settings
) -> ProjectRead:
    project = await current_project(db, principal)
    if isinstance(data.name, str) and data.name.strip() != project.name:
        name = data.name.strip()
        await _ensure_name_free(db, project.organization_id, name)
        project.name = name
    for field, attr, ceiling, setting in (
        ("maxVus", "max_vus", settings.max_vus, "SUPERCHECK_MAX_VUS"),
        ("maxDurationS", "max_duration_s", settings.max_duration_s, "SUPERCHECK_MAX_DURATION_S"),
        ("maxConcurrentRuns", "max_concurrent_runs", settings.max_concurrent_runs, "SUPERCHECK_MAX_CONCURRENT_RUNS"),
    ):
        value = getattr(data, attr)
        if isinstance(value, int) or value is None:
            _check_ceiling(value, ceiling, field, setting)
            setattr(project, attr, value)
    await db.flush()
    return project_to_read(project, principal.role, settings)
