"""The artifact store on S3 (MinIO or any S3-compatible server) through the `minio` client.

The client is synchronous: every call runs in a worker thread so the event loop keeps serving.
"""

import asyncio
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import certifi
import urllib3
from minio import Minio
from minio.error import MinioException, S3Error

from schema.artifacts import StorageError, StoreSettings, validate_store_settings

T = TypeVar("T")

_ALREADY_MINE = {"BucketAlreadyOwnedByYou"}
_MISSING_KEY = {"NoSuchKey"}


class S3ArtifactStore:
    """One S3 bucket of artifacts; safe to share between tasks (the minio client is thread-safe)."""

    def __init__(self, settings: StoreSettings) -> None:
        validate_store_settings(settings)
        self.bucket = settings.bucket
        self._region = settings.s3_region
        # Our own pool (the client's default waits minutes to connect) so that close() can release it.
        self._http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=10, read=120),
            maxsize=10,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
            retries=urllib3.Retry(total=3, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
        )
        self._client = Minio(
            settings.s3_host,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=settings.s3_secure,
            region=settings.s3_region,
            http_client=self._http,
        )

    async def ensure(self) -> None:
        if await self._call("check bucket", None, lambda: bool(self._client.bucket_exists(bucket_name=self.bucket))):
            return
        try:
            await asyncio.to_thread(self._client.make_bucket, bucket_name=self.bucket, location=self._region)
        except S3Error as exc:
            if exc.code in _ALREADY_MINE:  # another process created it between our check and create
                return
            raise self._error("create bucket", None, exc) from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._error("create bucket", None, exc) from exc

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        await self._call(
            "put",
            key,
            lambda: self._client.put_object(
                bucket_name=self.bucket,
                object_name=key,
                data=io.BytesIO(data),
                length=len(data),
                content_type=content_type,
            ),
        )

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        # A local file problem is the caller's (OSError), not the store's: look before the upload.
        await asyncio.to_thread(path.stat)
        # fput_object streams from disk (in parts for large files): the file is never held in memory.
        await self._call(
            "put",
            key,
            lambda: self._client.fput_object(
                bucket_name=self.bucket, object_name=key, file_path=str(path), content_type=content_type
            ),
        )

    async def get(self, key: str) -> bytes | None:
        try:
            return await asyncio.to_thread(self._read, key)
        except S3Error as exc:
            if exc.code in _MISSING_KEY:
                return None
            raise self._error("get", key, exc) from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._error("get", key, exc) from exc

    async def close(self) -> None:
        self._http.clear()

    def _read(self, key: str) -> bytes:
        response = self._client.get_object(bucket_name=self.bucket, object_name=key)
        try:
            return bytes(response.read())
        finally:
            response.close()
            response.release_conn()

    async def _call(self, operation: str, key: str | None, call: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(call)
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._error(operation, key, exc) from exc

    def _error(self, operation: str, key: str | None, exc: Exception) -> StorageError:
        where = f"{self.bucket}/{key}" if key else self.bucket
        cause = f"{exc.code}: {exc.message}" if isinstance(exc, S3Error) else f"{type(exc).__name__}: {exc}"
        return StorageError(f"S3 {operation} {where} failed: {cause}", bucket=self.bucket, key=key)
