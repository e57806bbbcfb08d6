"""One exception hierarchy, mapped to one JSON error shape: ``{status, detail, extra}``.

Every client mistake becomes a 4xx here; anything else is logged and answered as a bare 500.
"""

from typing import Any

import structlog
from advanced_alchemy.exceptions import DuplicateKeyError, IntegrityError
from advanced_alchemy.exceptions import NotFoundError as RepositoryNotFoundError
from litestar import MediaType, Request, Response
from litestar.exceptions import ClientException, HTTPException
from litestar.openapi import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from schema.base import CamelStruct

logger = structlog.get_logger()


class AppError(Exception):
    """Base of the product's own errors; ``status_code`` says how the API answers."""

    status_code = 400

    def __init__(self, detail: str, *, extra: Any = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class BadRequestError(AppError):
    status_code = 400


class UnauthorizedError(AppError):
    status_code = 401


class ForbiddenError(AppError):
    status_code = 403


class NotFoundError(AppError):
    status_code = 404


class ConflictError(AppError):
    status_code = 409


class PayloadTooLargeError(AppError):
    status_code = 413


class ServiceUnavailableError(AppError):
    status_code = 503


class ApiRequest(Request[Any, Any, Any]):
    """The app's request class: a JSON body msgspec cannot read is the client's mistake, never a 500."""

    async def json(self) -> Any:
        try:
            return await super().json()
        # msgspec raises these instead of a DecodeError (which Litestar answers with 400 on its own).
        except UnicodeDecodeError as exc:
            raise ClientException(detail=f"The request body is not valid UTF-8: {exc.reason}") from exc
        except RecursionError as exc:
            raise ClientException(detail="The request body's JSON is nested too deeply") from exc


class ErrorBody(CamelStruct):
    """The body of every error answer."""

    status: int
    detail: str
    extra: Any = None


# What each error status means anywhere in the API (the OpenAPI document's response descriptions).
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The request is malformed or fails validation; `extra` says where",
    401: "Missing, invalid or revoked credentials (or wrong email or password)",
    403: "The caller's role does not allow this, a cookie-authenticated write lacks its CSRF token, or sign-up is off",
    404: "No such resource in the caller's project (or X-Project-Id names a project the caller is not in)",
    409: "The request conflicts with the current state (e.g. no runner for the location, a duplicate, the last owner)",
    413: "The request body or the script is too large",
    429: "A rate limit or a project quota is reached; retry after `Retry-After` seconds",
    503: "A service the request needs (the message bus or the artifact store) is unavailable; try again shortly",
}


def error_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """A handler's ``responses=``: these error statuses, each with :class:`ErrorBody`."""
    return {
        status: ResponseSpec(data_container=ErrorBody, description=ERROR_DESCRIPTIONS[status], generate_examples=False)
        for status in statuses
    }


def error_response(status: int, detail: str, extra: Any = None, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        content=ErrorBody(status=status, detail=detail, extra=extra),
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


def _app_error(_: Request[Any, Any, Any], exc: AppError) -> Response[Any]:
    return error_response(exc.status_code, exc.detail, exc.extra)


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= HTTP_500_INTERNAL_SERVER_ERROR:
        logger.error("http.server_error", detail=exc.detail, status=exc.status_code)
    return error_response(exc.status_code, exc.detail, exc.extra or None, headers=exc.headers)


def _not_found(_: Request[Any, Any, Any], __: RepositoryNotFoundError) -> Response[Any]:
    return error_response(404, "Not found", None)


def _integrity(_: Request[Any, Any, Any], exc: IntegrityError) -> Response[Any]:
    logger.info("db.integrity_error", error=str(exc))
    return error_response(409, "The request conflicts with existing data", None)


def _unexpected(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.error("http.unhandled_exception", exc_type=type(exc).__name__, exc_info=exc)
    return error_response(500, "Internal server error", None)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    AppError: _app_error,
    HTTPException: _http_error,
    RepositoryNotFoundError: _not_found,
    DuplicateKeyError: _integrity,
    IntegrityError: _integrity,
    Exception: _unexpected,
}
