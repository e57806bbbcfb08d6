"""Where runners put each test's report, summary and console log, and where the backend reads them.

One small interface (:class:`ArtifactStore`) over two stores: S3 (MinIO or any S3) and the NATS
object store (the single-machine default, so `just up` needs no extra server). DESIGN section 4.
"""

import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Literal, Protocol
from urllib.parse import urlsplit

import msgspec
from nats.aio.client import Client as NatsClient

from schema.nats import ARTIFACTS_BUCKET

REPORT = "index.html"
SUMMARY = "summary.json"
CONSOLE_LOG = "console.log"
ARTIFACT_NAMES = (REPORT, SUMMARY, CONSOLE_LOG)
ARTIFACT_CONTENT_TYPES: Mapping[str, str] = MappingProxyType(
    {
        REPORT: "text/html; charset=utf-8",
        SUMMARY: "application/json",
        CONSOLE_LOG: "text/plain; charset=utf-8",
    }
)

StoreKind = Literal["s3", "nats"]
STORE_KINDS: tuple[StoreKind, ...] = ("s3", "nats")

# One path segment: no separators, no "." or ".." that a path-minded reader could resolve upwards.
_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}")
# S3 bucket naming rules (lower-case DNS label style); NATS object stores allow [a-zA-Z0-9_-]+.
_S3_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_NATS_BUCKET = re.compile(r"[a-zA-Z0-9_-]+")


class StorageError(Exception):
    """The artifact store refused or failed an operation; the message names the bucket, key and cause."""

    def __init__(self, message: str, *, bucket: str, key: str | None = None) -> None:
        super().__init__(message)
        self.bucket = bucket
        self.key = key


def artifact_key(organization_id: str, project_id: str, run_id: str, test_id: str, name: str) -> str:
    """``{orgId}/{projectId}/runs/{runId}/{testId}/{name}``; refuses unknown names and ids that are not one segment."""
    if name not in ARTIFACT_NAMES:
        raise ValueError(f"artifact name must be one of {', '.join(ARTIFACT_NAMES)}, got {name!r}")
    ids = {"organization_id": organization_id, "project_id": project_id, "run_id": run_id, "test_id": test_id}
    for field, value in ids.items():
        if not _ID.fullmatch(value) or ".." in value:
            raise ValueError(f"{field} must be letters, digits, '_', '-' or '.' without '/' or '..', got {value!r}")
    return f"{organization_id}/{project_id}/runs/{run_id}/{test_id}/{name}"


class ArtifactStore(Protocol):
    """A bucket of artifacts: the runner writes, the backend reads. Keys come from :func:`artifact_key`."""

    async def ensure(self) -> None:
        """Create the bucket if it is missing; safe to call from every process at every start."""

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        """Store ``data`` under ``key``, replacing what was there."""

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        """Stream the file at ``path`` into ``key``, replacing what was there (OSError if it cannot be read)."""

    async def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when there is no such key (a missing bucket is a StorageError)."""

    async def close(self) -> None:
        """Release connections this store opened (never a NATS client it was given)."""


class StoreSettings(msgspec.Struct, kw_only=True):
    """Which artifact store to use and how to reach it; read by :func:`store_settings_from_env`."""

    kind: StoreKind = "nats"
    bucket: str = ARTIFACTS_BUCKET
    s3_endpoint: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str = "us-east-1"

    def __repr__(self) -> str:  # settings get logged: never print the secret key
        secret = "'***'" if self.s3_secret_key else "None"
        return (
            f"StoreSettings(kind={self.kind!r}, bucket={self.bucket!r}, s3_endpoint={self.s3_endpoint!r}, "
            f"s3_access_key={self.s3_access_key!r}, s3_secret_key={secret}, s3_region={self.s3_region!r})"
        )

    @property
    def s3_host(self) -> str:
        """``host:port`` of the S3 endpoint, as the minio client wants it."""
        return _split_endpoint(self.s3_endpoint or "")[0]

    @property
    def s3_secure(self) -> bool:
        """TLS or not, decided by the endpoint's scheme."""
        return _split_endpoint(self.s3_endpoint or "")[1]


def _split_endpoint(url: str) -> tuple[str, bool]:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"S3_ENDPOINT must be a URL like http://127.0.0.1:9000, got {url!r}")
    if parts.path not in {"", "/"} or parts.query or parts.fragment or parts.username:
        raise ValueError(f"S3_ENDPOINT must be scheme://host[:port] without path or credentials, got {url!r}")
    try:
        _ = parts.port  # a non-numeric or out-of-range port raises here
    except ValueError:
        raise ValueError(f"S3_ENDPOINT has a bad port, got {url!r}") from None
    return parts.netloc, parts.scheme == "https"


def store_settings_from_env(environ: Mapping[str, str]) -> StoreSettings:
    """Read the artifact store settings; a bad value raises ValueError naming its variable. Empty means unset."""

    def get(name: str) -> str | None:
        return environ.get(name, "").strip() or None

    endpoint = get("S3_ENDPOINT")
    raw_kind = (get("SUPERCHECK_ARTIFACT_STORE") or ("s3" if endpoint else "nats")).lower()
    if raw_kind not in STORE_KINDS:
        raise ValueError(f"SUPERCHECK_ARTIFACT_STORE must be one of {', '.join(STORE_KINDS)}, got {raw_kind!r}")
    kind: StoreKind = "s3" if raw_kind == "s3" else "nats"
    settings = StoreSettings(
        kind=kind,
        bucket=get("S3_K6_PERFORMANCE_BUCKET_NAME") or ARTIFACTS_BUCKET,
        s3_endpoint=endpoint,
        s3_access_key=get("S3_ACCESS_KEY"),
        s3_secret_key=get("S3_SECRET_KEY"),
        s3_region=get("S3_REGION") or "us-east-1",
    )
    validate_store_settings(settings)
    return settings


def validate_store_settings(settings: StoreSettings) -> None:
    """Raise ValueError (naming the environment variable) when the settings cannot work for their store."""
    bucket_rule = _S3_BUCKET if settings.kind == "s3" else _NATS_BUCKET
    if not bucket_rule.fullmatch(settings.bucket) or ".." in settings.bucket:
        raise ValueError(
            f"S3_K6_PERFORMANCE_BUCKET_NAME is not a valid {settings.kind} bucket name: {settings.bucket!r}"
        )
    if settings.kind == "nats":
        return
    if settings.s3_endpoint is None:
        raise ValueError("S3_ENDPOINT is required when SUPERCHECK_ARTIFACT_STORE is s3")
    _split_endpoint(settings.s3_endpoint)
    if settings.s3_access_key is None:
        raise ValueError("S3_ACCESS_KEY is required when SUPERCHECK_ARTIFACT_STORE is s3")
    if settings.s3_secret_key is None:
        raise ValueError("S3_SECRET_KEY is required when SUPERCHECK_ARTIFACT_STORE is s3")


def open_store(settings: StoreSettings, *, nats_client: NatsClient | None) -> ArtifactStore:
    """The store the settings name; the NATS store works on the caller's connection (and never closes it)."""
    validate_store_settings(settings)
    if settings.kind == "s3":
        from schema.artifacts.s3 import S3ArtifactStore  # noqa: PLC0415 - cycle: s3 imports StorageError from here

        return S3ArtifactStore(settings)
    if nats_client is None:
        raise ValueError("the NATS artifact store needs a NATS client (SUPERCHECK_ARTIFACT_STORE is nats)")
    from schema.artifacts.nats_store import NatsArtifactStore  # noqa: PLC0415 - same cycle as above

    return NatsArtifactStore(nats_client, bucket=settings.bucket)
