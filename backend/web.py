"""Serves the built SPA (``web/dist``): its files as they are, and ``index.html`` for every other page path.

The SPA talks to the backend only through the public API, so any other build could be served from here.
Paths the backend owns (``/api``, ``/schema``, ``/health``, ``/ready``, ``/metrics``) are never answered with
the SPA: an unknown API path stays a JSON 404.
"""

import mimetypes
from pathlib import Path, PurePosixPath
from typing import Annotated

from litestar import Router, get
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter
from litestar.response import File

# Path prefixes the SPA must never shadow.
BACKEND_PREFIXES = ("/api", "/schema", "/health", "/ready", "/metrics")
# Vite puts content-hashed files under assets/: a changed file gets a new name, so they never go stale.
_IMMUTABLE = "public, max-age=31536000, immutable"
# index.html names the current assets; it must be revalidated on every load.
_REVALIDATE = "no-cache"
_SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}


def is_backend_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in BACKEND_PREFIXES)


def _file_in(dist: Path, relative: str) -> Path | None:
    """The file ``relative`` names inside ``dist``, or None (also for anything that escapes ``dist``)."""
    parts = PurePosixPath(relative).parts
    if not parts or any(part in {"..", "."} or part.startswith(".") for part in parts):
        return None
    candidate = (dist / Path(*parts)).resolve()
    if not candidate.is_relative_to(dist) or not candidate.is_file():
        return None
    return candidate


def spa_router(dist: Path) -> Router | None:
    """A router serving the SPA built into ``dist``; None when ``dist`` has no ``index.html`` (not built)."""
    dist = dist.resolve()
    index = dist / "index.html"
    if not index.is_file():
        return None

    def _send(file: Path, cache: str) -> File:
        media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        return File(
            file,
            media_type=media_type,
            content_disposition_type="inline",
            headers={"Cache-Control": cache, **_SECURITY_HEADERS},
        )

    @get("/", include_in_schema=False, sync_to_thread=False)
    def serve_root() -> File:
        return _send(index, _REVALIDATE)

    @get("/{path:path}", include_in_schema=False, sync_to_thread=False)
    def serve_spa(path: Annotated[str, PathParameter()]) -> File:
        request_path = "/" + path.lstrip("/")
        if is_backend_path(request_path):
            raise NotFoundException
        relative = path.strip("/")
        found = _file_in(dist, relative) if relative else None
        if found is not None:
            return _send(found, _IMMUTABLE if found.parent == dist / "assets" else _REVALIDATE)
        if relative.startswith("assets/"):
            # A stale asset name must fail as a 404, not load index.html as a script.
            raise NotFoundException
        # A page of the SPA (a client-side route): the app decides what to show.
        return _send(index, _REVALIDATE)

    return Router(path="/", route_handlers=[serve_root, serve_spa], include_in_schema=False)
