"""Bearer API-key authentication for every ``/api`` route."""

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.middleware.base import DefineMiddleware
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.accounts.services import Principal, authenticate

_MAX_KEY_LENGTH = 256


class ApiKeyAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, raw_key = header.partition(" ")
        raw_key = raw_key.strip()
        if scheme.lower() != "bearer" or not raw_key:
            raise NotAuthorizedException(detail="Missing API key: send 'Authorization: Bearer <api key>'")
        if len(raw_key) > _MAX_KEY_LENGTH:
            raise NotAuthorizedException(detail="Invalid API key")
        session_maker: async_sessionmaker[AsyncSession] = connection.app.state.session_maker
        async with session_maker() as session:
            principal = await authenticate(session, raw_key)
        if principal is None:
            raise NotAuthorizedException(detail="Invalid API key")
        return AuthenticationResult(user=principal, auth=raw_key)


# Mounted on the /api router only: health, readiness, OpenAPI and the SPA need no key.
auth_middleware = DefineMiddleware(ApiKeyAuthMiddleware)


def provide_principal(request: Request[Principal, Any, Any]) -> Principal:
    """Dependency: the authenticated caller (set by the middleware)."""
    return request.user
