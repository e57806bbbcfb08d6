"""HTTP routes of the accounts domain: sign-up/in/out, projects, members, invitations, API keys."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts import members, projects
from backend.accounts.permissions import Permission
from backend.accounts.schemas import (
    AcceptInvite,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyRead,
    AuthStatus,
    InvitationCreate,
    InvitationCreated,
    InvitationRead,
    MemberAdd,
    MemberRead,
    MemberUpdate,
    ProjectCreate,
    ProjectRead,
    ProjectUpdate,
    SessionInfo,
    SignIn,
    SignUp,
)
from backend.accounts.services import Principal
from backend.accounts.sessions import (
    CSRF_COOKIE,
    CSRF_HEADER,
    SESSION_COOKIE,
    NewSession,
    accept_invitation,
    authenticate_session,
    close_session,
    has_users,
    sign_in,
    sign_up,
)
from backend.core.auth import PUBLIC, csrf_token_of, needs
from backend.core.errors import ForbiddenError, NotFoundError, UnauthorizedError, error_responses
from backend.core.ratelimit import RateLimiter
from backend.core.settings import Settings

UserId = Annotated[UUID, PathParameter(description="The member's user id")]


def _cookies(new: NewSession, settings: Settings) -> list[Cookie]:
    common: dict[str, Any] = {"path": "/", "samesite": "lax", "secure": settings.cookie_secure}
    return [
        Cookie(key=SESSION_COOKIE, value=new.token, httponly=True, max_age=settings.session_ttl_s, **common),
        # Readable by the SPA, which echoes it in X-CSRF-Token; useless to another site, which cannot read it.
        Cookie(key=CSRF_COOKIE, value=new.csrf_token, httponly=False, max_age=settings.session_ttl_s, **common),
    ]


def _expired_cookies(settings: Settings) -> list[Cookie]:
    common: dict[str, Any] = {"path": "/", "samesite": "lax", "secure": settings.cookie_secure, "max_age": 0}
    return [Cookie(key=SESSION_COOKIE, value="", httponly=True, **common), Cookie(key=CSRF_COOKIE, value="", **common)]


# Many people may share one address (an office, a reverse proxy), so an address gets more tries than an email.
_PER_ADDRESS_FACTOR = 5


def _attempt_limits(request: Request[Any, Any, Any], settings: Settings, email: str | None) -> dict[str, int]:
    client = request.client.host if request.client else "unknown"
    limits = {f"auth:ip:{client}": settings.login_rate_per_minute * _PER_ADDRESS_FACTOR}
    if email is not None:
        limits[f"auth:email:{email.strip().lower()}"] = settings.login_rate_per_minute
    return limits


@asynccontextmanager
async def _failures_counted(request: Request[Any, Any, Any], limits: dict[str, int]) -> AsyncIterator[None]:
    """429 while a key is over its limit; only a failed attempt counts, so signing in often is fine."""
    limiter: RateLimiter = request.app.state.rate_limiter
    for key, limit in limits.items():
        limiter.refuse_if_blocked(key, limit, "failed attempts")
    try:
        yield
    except (UnauthorizedError, NotFoundError, ForbiddenError):
        for key in limits:
            limiter.record(key)
        raise


async def _signed_in(db: AsyncSession, new: NewSession, settings: Settings, status_code: int) -> Response[SessionInfo]:
    auth = await authenticate_session(db, new.token, None)
    if auth is None:  # pragma: no cover - the session was written a moment ago in this transaction
        raise PermissionDeniedException(detail="The new session could not be read back")
    info = await projects.session_info(db, auth.principal, settings, new.csrf_token)
    return Response(info, status_code=status_code, cookies=_cookies(new, settings))


class AuthController(Controller):
    """Sign-up, sign-in and sign-out for people; ``/me`` for anyone with credentials."""

    path = "/auth"
    tags = ["Auth"]

    @get("/status", summary="Whether anyone has signed up yet, and whether sign-up is open", opt=PUBLIC)
    async def status(
        self, db_session: NamedDependency[AsyncSession], settings: NamedDependency[Settings]
    ) -> AuthStatus:
        exists = await has_users(db_session)
        return AuthStatus(has_users=exists, signup_open=settings.allow_signup or not exists)

    @post(
        "/signup",
        summary="Create an account (the first one owns the default project)",
        opt=PUBLIC,
        responses=error_responses(403, 409, 429),
    )
    async def signup(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SignUp],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Response[SessionInfo]:
        async with _failures_counted(request, _attempt_limits(request, settings, None)):
            new = await sign_up(db_session, data.email, data.name, data.password, settings)
        return await _signed_in(db_session, new, settings, HTTP_201_CREATED)

    @post(
        "/login",
        summary="Sign in with email and password; sets the session cookie",
        opt=PUBLIC,
        status_code=HTTP_200_OK,
        responses=error_responses(401, 429),
    )
    async def login(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[SignIn],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Response[SessionInfo]:
        async with _failures_counted(request, _attempt_limits(request, settings, data.email)):
            new = await sign_in(db_session, data.email, data.password, settings)
        return await _signed_in(db_session, new, settings, HTTP_200_OK)

    @post(
        "/accept-invite",
        summary="Create the invited account and sign in",
        opt=PUBLIC,
        responses=error_responses(404, 409, 429),
    )
    async def accept_invite(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[AcceptInvite],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Response[SessionInfo]:
        async with _failures_counted(request, _attempt_limits(request, settings, None)):
            new = await accept_invitation(db_session, data.token, data.name, data.password, settings)
        return await _signed_in(db_session, new, settings, HTTP_201_CREATED)

    @post(
        "/logout",
        summary="Sign out: ends the session and clears its cookies",
        opt=PUBLIC,
        status_code=HTTP_204_NO_CONTENT,
        # Response[None] would be documented as a JSON null; a 204 has no body at all.
        responses={
            HTTP_204_NO_CONTENT: ResponseSpec(None, description="Signed out; the cookies are cleared"),
            **error_responses(403),
        },
    )
    async def logout(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> Response[None]:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await close_session(db_session, token, request.headers.get(CSRF_HEADER, ""))
        return Response(None, status_code=HTTP_204_NO_CONTENT, cookies=_expired_cookies(settings))

    @get(
        "/me",
        summary="Who is calling: user or API key, current project, role and permissions",
        opt=needs(Permission.READ),
    )
    async def me(
        self,
        request: Request[Principal, Any, Any],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> SessionInfo:
        return await projects.session_info(db_session, principal, settings, csrf_token_of(request))


class ProjectController(Controller):
    """The caller's projects; ``/project`` is the one this request is about."""

    tags = ["Projects"]

    @get("/projects", summary="List the caller's projects with the role in each", opt=needs(Permission.READ))
    async def list_projects(
        self,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> list[ProjectRead]:
        return await projects.list_projects(db_session, principal, settings)

    @post(
        "/projects",
        summary="Create a project in the organization (owners)",
        opt=needs(Permission.CREATE_PROJECTS),
        responses=error_responses(409),
    )
    async def create_project(
        self,
        data: JSONBody[ProjectCreate],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> ProjectRead:
        return await projects.create_project(db_session, principal, data, settings)

    @get("/project", summary="The current project with its quotas", opt=needs(Permission.READ))
    async def get_project(
        self,
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> ProjectRead:
        project = await projects.current_project(db_session, principal)
        return projects.project_to_read(project, principal.role, settings)

    @patch(
        "/project",
        summary="Rename the project or set its quotas (admins)",
        opt=needs(Permission.MANAGE_PROJECT),
        responses=error_responses(409),
    )
    async def update_project(
        self,
        data: JSONBody[ProjectUpdate],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> ProjectRead:
        return await projects.update_project(db_session, principal, data, settings)


class MemberController(Controller):
    """Members of the current project."""

    path = "/members"
    tags = ["Members"]

    @get("/", summary="List members", opt=needs(Permission.READ))
    async def list_members(
        self, principal: NamedDependency[Principal], db_session: NamedDependency[AsyncSession]
    ) -> list[MemberRead]:
        return await members.list_members(db_session, principal)

    @post(
        "/",
        summary="Add an existing user by email (admins)",
        opt=needs(Permission.MANAGE_MEMBERS),
        responses=error_responses(409),
    )
    async def add_member(
        self,
        data: JSONBody[MemberAdd],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> MemberRead:
        return await members.add_member(db_session, principal, data)

    @patch(
        "/{user_id:uuid}",
        summary="Change a member's role (admins)",
        opt=needs(Permission.MANAGE_MEMBERS),
        responses=error_responses(409),
    )
    async def change_role(
        self,
        user_id: UserId,
        data: JSONBody[MemberUpdate],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> MemberRead:
        return await members.change_member_role(db_session, principal, user_id, data.role)

    @delete(
        "/{user_id:uuid}",
        summary="Remove a member (admins)",
        opt=needs(Permission.MANAGE_MEMBERS),
        responses=error_responses(409),
    )
    async def remove_member(
        self, user_id: UserId, principal: NamedDependency[Principal], db_session: NamedDependency[AsyncSession]
    ) -> None:
        await members.remove_member(db_session, principal, user_id)


class InvitationController(Controller):
    """Invitations of new people into the current project; the token is shown once."""

    path = "/invitations"
    tags = ["Members"]

    @get("/", summary="List pending invitations (admins)", opt=needs(Permission.MANAGE_MEMBERS))
    async def list_invitations(
        self, principal: NamedDependency[Principal], db_session: NamedDependency[AsyncSession]
    ) -> list[InvitationRead]:
        return await members.list_invitations(db_session, principal)

    @post(
        "/",
        summary="Invite someone by email (admins); the answer holds the token once",
        opt=needs(Permission.MANAGE_MEMBERS),
        responses=error_responses(409),
    )
    async def invite(
        self,
        data: JSONBody[InvitationCreate],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
        settings: NamedDependency[Settings],
    ) -> InvitationCreated:
        return await members.invite(db_session, principal, data, settings)

    @delete("/{invitation_id:uuid}", summary="Withdraw an invitation (admins)", opt=needs(Permission.MANAGE_MEMBERS))
    async def revoke_invitation(
        self,
        invitation_id: Annotated[UUID, PathParameter(description="The invitation's id")],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> None:
        await members.revoke_invitation(db_session, principal, invitation_id)


class ApiKeyController(Controller):
    """API keys of the current project: shown once, stored hashed, revocable."""

    path = "/api-keys"
    tags = ["API keys"]

    @get("/", summary="List API keys (admins)", opt=needs(Permission.MANAGE_KEYS))
    async def list_keys(
        self, principal: NamedDependency[Principal], db_session: NamedDependency[AsyncSession]
    ) -> list[ApiKeyRead]:
        return await members.list_keys(db_session, principal)

    @post("/", summary="Create an API key (admins); the answer holds the key once", opt=needs(Permission.MANAGE_KEYS))
    async def create_key(
        self,
        data: JSONBody[ApiKeyCreate],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> ApiKeyCreated:
        return await members.create_key(db_session, principal, data)

    @delete("/{key_id:uuid}", summary="Revoke an API key at once (admins)", opt=needs(Permission.MANAGE_KEYS))
    async def revoke_key(
        self,
        key_id: Annotated[UUID, PathParameter(description="The key's id")],
        principal: NamedDependency[Principal],
        db_session: NamedDependency[AsyncSession],
    ) -> None:
        await members.revoke_key(db_session, principal, key_id)
