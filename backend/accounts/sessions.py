"""People: passwords (Argon2id), sign-up, sign-in, cookie sessions and their CSRF tokens.

The session cookie holds a random token; the table stores only its SHA-256 digest, so a database
leak does not sign anyone in. Each session has its own CSRF token, which cookie-authenticated
writes must echo in ``X-CSRF-Token`` (the middleware checks it).
"""

import asyncio
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import structlog
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.services import Principal, get_or_create_organization, get_or_create_project
from backend.core.errors import ConflictError, ForbiddenError, NotFoundError, UnauthorizedError
from backend.core.settings import Settings
from backend.db.models import Invitation, Membership, Organization, Project, Role, User, UserSession

logger = structlog.get_logger()

SESSION_COOKIE = "supercheck_session"
CSRF_COOKIE = "supercheck_csrf"
CSRF_HEADER = "x-csrf-token"
PROJECT_HEADER = "x-project-id"

_hasher = PasswordHasher()  # argon2-cffi's defaults follow RFC 9106's recommended Argon2id profile
# Verified against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_SIGNUP_LOCK = 0x5C_0001  # pg advisory lock: two "first users" at once must not both become owner


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str, password: str) -> bool:
    def verify() -> bool:
        try:
            return _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(verify)


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session just opened: the raw cookie token (never stored) and its CSRF token."""

    user: User
    token: str
    csrf_token: str
    expires_at: datetime


async def open_session(db: AsyncSession, user: User, settings: Settings) -> NewSession:
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    # Tidy as we go: a user's expired sessions go when they sign in again.
    await db.execute(delete(UserSession).where(UserSession.user_id == user.id, UserSession.expires_at <= now))
    row = UserSession(
        user_id=user.id,
        token_hash=token_digest(token),
        csrf_token=secrets.token_urlsafe(32),
        expires_at=now + timedelta(seconds=settings.session_ttl_s),
        last_seen_at=now,
    )
    db.add(row)
    await db.flush()
    logger.info("auth.signed_in", user_id=str(user.id))
    return NewSession(user=user, token=token, csrf_token=row.csrf_token, expires_at=row.expires_at)


def check_csrf(sent: str, expected: str) -> None:
    """403 unless a cookie-authenticated write echoed its session's CSRF token (compared in constant time)."""
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise ForbiddenError("Missing or wrong CSRF token: send the supercheck_csrf cookie's value in X-CSRF-Token")


async def close_session(db: AsyncSession, token: str, csrf_sent: str) -> None:
    """End the cookie's session; the CSRF token must match, so another site cannot sign a user out."""
    row = await db.scalar(select(UserSession).where(UserSession.token_hash == token_digest(token)))
    if row is not None:
        check_csrf(csrf_sent, row.csrf_token)
        await db.delete(row)
        logger.info("auth.signed_out", user_id=str(row.user_id))


async def sign_in(db: AsyncSession, email: str, password: str, settings: Settings) -> NewSession:
    user = await db.scalar(select(User).where(User.email == normalise_email(email)))
    valid = await verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not valid or not user.is_active:
        raise UnauthorizedError("Wrong email or password")
    return await open_session(db, user, settings)


async def has_users(db: AsyncSession) -> bool:
    return bool(await db.scalar(select(func.count()).select_from(User)))


async def create_user(db: AsyncSession, email: str, name: str, password: str) -> User:
    email = normalise_email(email)
    if await db.scalar(select(User.id).where(User.email == email)) is not None:
        raise ConflictError("An account with this email already exists: sign in instead")
    user = User(email=email, name=name.strip() or email, password_hash=await hash_password(password))
    db.add(user)
    await db.flush()
    return user


async def add_membership(db: AsyncSession, user: User, project: Project, role: Role) -> Membership:
    membership = Membership(user_id=user.id, organization_id=project.organization_id, project_id=project.id, role=role)
    db.add(membership)
    await db.flush()
    return membership


async def sign_up(db: AsyncSession, email: str, name: str, password: str, settings: Settings) -> NewSession:
    """The first user owns the default project; later ones (when sign-up is open) get an organization of their own."""
    await db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SIGNUP_LOCK})
    first = not await has_users(db)
    if not first and not settings.allow_signup:
        raise ForbiddenError("Sign-up is closed: ask an admin of your project for an invitation")
    user = await create_user(db, email, name, password)
    if first:
        org = await get_or_create_organization(db, settings.default_org_name)
        project = await get_or_create_project(db, org, settings.default_project_name)
    else:
        org = Organization(name=f"{user.name}'s organization")
        db.add(org)
        await db.flush()
        project = await get_or_create_project(db, org, settings.default_project_name)
    await add_membership(db, user, project, Role.OWNER)
    logger.info("auth.signed_up", user_id=str(user.id), first_user=first, project_id=str(project.id))
    return await open_session(db, user, settings)


async def accept_invitation(db: AsyncSession, token: str, name: str, password: str, settings: Settings) -> NewSession:
    invitation = await db.scalar(
        select(Invitation).where(Invitation.token_hash == token_digest(token)).with_for_update()
    )
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= datetime.now(UTC):
        raise NotFoundError("This invitation does not exist, was used already or has expired")
    existing = await db.scalar(select(User.id).where(User.email == invitation.email))
    if existing is not None:
        raise ConflictError("An account with this email exists: sign in and ask an admin to add you to the project")
    user = await create_user(db, invitation.email, name, password)
    project = await db.get_one(Project, invitation.project_id)
    await add_membership(db, user, project, invitation.role)
    invitation.accepted_at = datetime.now(UTC)
    logger.info("auth.invitation_accepted", user_id=str(user.id), project_id=str(project.id))
    return await open_session(db, user, settings)


@dataclass(frozen=True, slots=True)
class SessionAuth:
    principal: Principal
    csrf_token: str


async def authenticate_session(db: AsyncSession, token: str, project_header: str | None) -> SessionAuth | None:
    """The principal of a live session in the project it asks for (its first project without the header).

    None when the session is unknown or expired; 404 when the header names a project the user is not in.
    """
    row = await db.scalar(select(UserSession).where(UserSession.token_hash == token_digest(token)))
    if row is None or row.expires_at <= datetime.now(UTC):
        return None
    user = await db.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    query = select(Membership).where(Membership.user_id == user.id)
    if project_header:
        try:
            wanted = UUID(project_header)
        except ValueError:
            raise NotFoundError("Project not found") from None
        query = query.where(Membership.project_id == wanted)
    membership = await db.scalar(query.order_by(Membership.created_at).limit(1))
    if membership is None:
        if project_header:
            raise NotFoundError("Project not found")
        raise ForbiddenError("You are not a member of any project: ask an admin to add you")
    principal = Principal(
        organization_id=membership.organization_id,
        project_id=membership.project_id,
        role=membership.role,
        user_id=user.id,
    )
    return SessionAuth(principal=principal, csrf_token=row.csrf_token)
