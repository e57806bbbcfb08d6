"""Who is calling every ``/api`` route, and may they: Bearer API keys or a session cookie, then one guard.

- ``Authorization: Bearer <api key>`` (automation, the CLI, OpenAPI clients): the key's project and role.
- The ``supercheck_session`` cookie (the SPA): the user's role in the project named by ``X-Project-Id``
  (their first project without it). Cookie-authenticated writes must echo the session's CSRF token in
  ``X-CSRF-Token``; Bearer requests need none (a browser never attaches them on its own).
- Every handler declares its permission in ``opt`` (see :func:`needs`); :func:`authorize` checks it,
  and applies the per-project rate limit where the handler asks for one.
"""

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.accounts.permissions import MINIMUM_ROLE, Permission, has_permission
from backend.accounts.services import Principal, authenticate
from backend.accounts.sessions import (
    CSRF_HEADER,
    PROJECT_HEADER,
    SESSION_COOKIE,
    SessionAuth,
    authenticate_session,
    check_csrf,
)
from backend.core.ratelimit import RateLimiter
from backend.core.settings import Settings

_MAX_KEY_LENGTH = 256
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PERMISSION_OPT = "permission"
RATE_LIMIT_OPT = "rate_limit"


def needs(permission: Permission, *, rate_limit: str | None = None) -> dict[str, Any]:
    """A handler's ``opt``: the permission it needs, and optionally the rate-limit bucket it counts against."""
    return {PERMISSION_OPT: permission, RATE_LIMIT_OPT: rate_limit}


PUBLIC: dict[str, Any] = {"exclude_from_auth": True}  # opt of the few routes callers use before signing in


class ApiAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        session_maker: async_sessionmaker[AsyncSession] = connection.app.state.session_maker
        header = connection.headers.get("authorization")
        if header:
            return await self._by_key(header, session_maker)
        token = connection.cookies.get(SESSION_COOKIE)
        if not token:
            raise NotAuthorizedException(detail="Sign in, or send 'Authorization: Bearer <api key>'")
        async with session_maker() as session:
            auth = await authenticate_session(session, token[:_MAX_KEY_LENGTH], connection.headers.get(PROJECT_HEADER))
        if auth is None:
            raise NotAuthorizedException(detail="Your session has ended: sign in again")
        if connection.scope.get("method", "GET") not in _SAFE_METHODS:
            check_csrf(connection.headers.get(CSRF_HEADER, ""), auth.csrf_token)
        return AuthenticationResult(user=auth.principal, auth=auth)

    @staticmethod
    async def _by_key(header: str, session_maker: async_sessionmaker[AsyncSession]) -> AuthenticationResult:
        scheme, _, raw_key = header.partition(" ")
        raw_key = raw_key.strip()
        if scheme.lower() != "bearer" or not raw_key:
            raise NotAuthorizedException(
                detail="Malformed Authorization header: send 'Authorization: Bearer <api key>'"
            )
        if len(raw_key) > _MAX_KEY_LENGTH:
            raise NotAuthorizedException(detail="Invalid API key")
        async with session_maker() as session:
            principal = await authenticate(session, raw_key)
        if principal is None:
            raise NotAuthorizedException(detail="Invalid or revoked API key")
        return AuthenticationResult(user=principal, auth=raw_key)


# Mounted on the /api router only: health, readiness, OpenAPI and the SPA need no credentials.
auth_middleware = DefineMiddleware(ApiAuthMiddleware)


def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The guard of every ``/api`` route: the caller's role must hold the handler's permission."""
    if handler.opt.get("exclude_from_auth"):
        return
    permission = handler.opt.get(PERMISSION_OPT)
    if not isinstance(permission, Permission):  # a route without a declared permission is a bug: refuse it
        raise PermissionDeniedException(detail="This route declares no permission")
    principal: Principal = connection.user
    if not has_permission(principal.role, permission):
        minimum = MINIMUM_ROLE[permission].value
        raise PermissionDeniedException(
            detail=f"Your role ({principal.role.value}) cannot do this: it needs {minimum} or above",
            extra={"permission": permission.value, "role": principal.role.value},
        )
    bucket = handler.opt.get(RATE_LIMIT_OPT)
    if bucket:
        settings: Settings = connection.app.state.settings
        limiter: RateLimiter = connection.app.state.rate_limiter
        limiter.check(f"{bucket}:{principal.project_id}", settings.trigger_rate_per_minute, "runs started")


def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    """Dependency: the authenticated caller (set by the middleware)."""
    return request.user


def csrf_token_of(request: Request[Principal, Any, Any]) -> str | None:
    """The session's CSRF token when the request came with a session cookie."""
    auth = request.auth
    return auth.csrf_token if isinstance(auth, SessionAuth) else None
