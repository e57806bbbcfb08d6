"""One exception hierarchy, mapped to one JSON error shape: ``{status, detail, extra}``.

Every client mistake becomes a 4xx here; anything else is logged and answered as a bare 500.
"""

from typing import Any

import structlog
from advanced_alchemy.exceptions import DuplicateKeyError, IntegrityError
from advanced_alchemy.exceptions import NotFoundError as RepositoryNotFoundError
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

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


def error_response(status: int, detail: str, extra: Any = None, headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(
        content={"status": status, "detail": detail, "extra": extra},
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
