"""Who is in a project: members, invitations and API keys, managed by admins within the role rules.

Rules (docs/security.md): nobody hands out a role above their own; only owners grant, change or remove
the owner role; a project always keeps at least one owner.
"""

import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID

import msgspec
import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.permissions import Permission, has_permission, outranks_or_equals
from backend.accounts.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    InvitationCreate,
    InvitationCreated,
    InvitationRead,
    MemberAdd,
    MemberRead,
)
from backend.accounts.services import Principal, add_api_key
from backend.accounts.sessions import add_membership, normalise_email, token_digest
from backend.core.errors import ConflictError, ForbiddenError, NotFoundError
from backend.core.settings import Settings
from backend.db.models import ApiKey, Invitation, Membership, Project, Role, User

logger = structlog.get_logger()

INVITATION_PREFIX = "sci_"


def _only_owners_touch(principal: Principal, role: Role, action: str) -> None:
    """Granting, changing, removing or revoking anything that holds the owner role takes an owner."""
    if role is Role.OWNER and not has_permission(principal.role, Permission.MANAGE_OWNERS):
        raise ForbiddenError(f"Only an owner can {action}")


def _may_grant(principal: Principal, role: Role) -> None:
    _only_owners_touch(principal, role, "grant the owner role")
    if not outranks_or_equals(principal.role, role):
        raise ForbiddenError(f"Your role ({principal.role.value}) cannot grant the {role.value} role")


def member_to_read(membership: Membership) -> MemberRead:
    user = membership.user
    return MemberRead(
        user_id=user.id, email=user.email, name=user.name, role=membership.role, created_at=membership.created_at
    )


async def list_members(db: AsyncSession, principal: Principal) -> list[MemberRead]:
    rows = await db.scalars(
        select(Membership).where(Membership.project_id == principal.project_id).order_by(Membership.created_at)
    )
    return [member_to_read(m) for m in rows]


async def _membership(db: AsyncSession, principal: Principal, user_id: UUID) -> Membership:
    membership = await db.scalar(
        select(Membership).where(Membership.project_id == principal.project_id, Membership.user_id == user_id)
    )
    if membership is None:
        raise NotFoundError("No such member in this project")
    return membership


async def _ensure_another_owner(db: AsyncSession, membership: Membership) -> None:
    owners = await db.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.project_id == membership.project_id, Membership.role == Role.OWNER)
    )
    if membership.role is Role.OWNER and (owners or 0) <= 1:
        raise ConflictError("A project needs an owner: make someone else owner first")


async def add_member(db: AsyncSession, principal: Principal, data: MemberAdd) -> MemberRead:
    _may_grant(principal, data.role)
    user = await db.scalar(select(User).where(User.email == normalise_email(data.email)))
    if user is None:
        raise NotFoundError("No user with this email; send an invitation instead", extra={"email": data.email})
    existing = await db.scalar(
        select(Membership.id).where(Membership.project_id == principal.project_id, Membership.user_id == user.id)
    )
    if existing is not None:
        raise ConflictError("This user is already a member of the project")
    project = await db.get_one(Project, principal.project_id)
    membership = await add_membership(db, user, project, data.role)
    await db.refresh(membership, attribute_names=["user"])
    logger.info("members.added", project_id=str(project.id), user_id=str(user.id), role=data.role.value)
    return member_to_read(membership)


async def change_member_role(db: AsyncSession, principal: Principal, user_id: UUID, role: Role) -> MemberRead:
    membership = await _membership(db, principal, user_id)
    _only_owners_touch(principal, membership.role, "change an owner's role")
    _may_grant(principal, role)
    if role is not Role.OWNER:
        await _ensure_another_owner(db, membership)
    membership.role = role
    await db.flush()
    logger.info("members.role_changed", project_id=str(principal.project_id), user_id=str(user_id), role=role.value)
    return member_to_read(membership)


async def remove_member(db: AsyncSession, principal: Principal, user_id: UUID) -> None:
    membership = await _membership(db, principal, user_id)
    _only_owners_touch(principal, membership.role, "remove an owner")
    await _ensure_another_owner(db, membership)
    await db.delete(membership)
    logger.info("members.removed", project_id=str(principal.project_id), user_id=str(user_id))


def invitation_to_read(invitation: Invitation) -> InvitationRead:
    return InvitationRead(
        id=invitation.id,
        email=invitation.email,
        role=invitation.role,
        created_at=invitation.created_at,
        expires_at=invitation.expires_at,
    )


async def list_invitations(db: AsyncSession, principal: Principal) -> list[InvitationRead]:
    rows = await db.scalars(
        select(Invitation)
        .where(
            Invitation.project_id == principal.project_id,
            Invitation.accepted_at.is_(None),
            Invitation.expires_at > datetime.now(UTC),
        )
        .order_by(Invitation.created_at.desc())
    )
    return [invitation_to_read(i) for i in rows]


async def invite(
    db: AsyncSession, principal: Principal, data: InvitationCreate, settings: Settings
) -> InvitationCreated:
    _may_grant(principal, data.role)
    email = normalise_email(data.email)
    member = await db.scalar(
        select(Membership.id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.project_id == principal.project_id, User.email == email)
    )
    if member is not None:
        raise ConflictError("This person is already a member of the project")
    token = INVITATION_PREFIX + secrets.token_urlsafe(32)
    invitation = Invitation(
        organization_id=principal.organization_id,
        project_id=principal.project_id,
        email=email,
        role=data.role,
        token_hash=token_digest(token),
        expires_at=datetime.now(UTC) + timedelta(seconds=settings.invitation_ttl_s),
        invited_by_user_id=principal.user_id,
    )
    db.add(invitation)
    await db.flush()
    logger.info("members.invited", project_id=str(principal.project_id), role=data.role.value)
    return InvitationCreated(**msgspec.structs.asdict(invitation_to_read(invitation)), token=token)


async def revoke_invitation(db: AsyncSession, principal: Principal, invitation_id: UUID) -> None:
    invitation = await db.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.project_id == principal.project_id)
    )
    if invitation is None:
        raise NotFoundError("No such invitation in this project")
    await db.delete(invitation)


def key_to_read(key: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        id=key.id,
        name=key.name,
        prefix=key.prefix,
        role=key.role,
        created_at=key.created_at,
        last_used_at=key.last_used_at,
        revoked_at=key.revoked_at,
    )


async def list_keys(db: AsyncSession, principal: Principal) -> list[ApiKeyRead]:
    rows = await db.scalars(
        select(ApiKey).where(ApiKey.project_id == principal.project_id).order_by(ApiKey.created_at.desc())
    )
    return [key_to_read(k) for k in rows]


async def create_key(db: AsyncSession, principal: Principal, data: ApiKeyCreate) -> ApiKeyCreated:
    _may_grant(principal, data.role)
    project = await db.get_one(Project, principal.project_id)
    key, raw = await add_api_key(
        db, project, name=data.name.strip(), role=data.role, created_by_user_id=principal.user_id
    )
    logger.info("api_keys.created", project_id=str(project.id), key_id=str(key.id), role=data.role.value)
    return ApiKeyCreated(**msgspec.structs.asdict(key_to_read(key)), key=raw)


async def revoke_key(db: AsyncSession, principal: Principal, key_id: UUID) -> None:
    key = await db.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.project_id == principal.project_id))
    if key is None:
        raise NotFoundError("No such API key in this project")
    _only_owners_touch(principal, key.role, "revoke an owner key")
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        logger.info("api_keys.revoked", project_id=str(principal.project_id), key_id=str(key.id))
