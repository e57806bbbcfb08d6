"""The artifact store on the NATS JetStream object store: the single-machine default, no extra server.

Works on a NATS connection owned by the caller (backend or runner); objects are chunked by nats-py.
"""

import asyncio
from pathlib import Path

import nats.errors
from nats.aio.client import Client as NatsClient
from nats.js import api
from nats.js.errors import BucketNotFoundError, ObjectNotFoundError
from nats.js.object_store import ObjectStore

from schema.artifacts import StorageError


class NatsArtifactStore:
    """One object store bucket (file storage) of artifacts on the caller's NATS connection."""

    def __init__(self, client: NatsClient, *, bucket: str) -> None:
        self.bucket = bucket
        self._js = client.jetstream()
        self._store: ObjectStore | None = None

    async def ensure(self) -> None:
        try:
            self._store = await self._js.object_store(self.bucket)
        except BucketNotFoundError:
            pass
        except nats.errors.Error as exc:
            raise self._error("check bucket", None, exc) from exc
        else:
            return
        try:
            self._store = await self._js.create_object_store(
                self.bucket, description="Supercheck k6 artifacts", storage=api.StorageType.FILE
            )
        except nats.errors.Error as exc:
            # Another process may have created it first (with a different description, say): use theirs.
            try:
                self._store = await self._js.object_store(self.bucket)
            except nats.errors.Error:
                raise self._error("create bucket", None, exc) from exc

    async def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        store = await self._bucket()
        try:
            await store.put(key, data, meta=_meta(key, content_type))
        except nats.errors.Error as exc:
            raise self._error("put", key, exc) from exc

    async def put_file(self, key: str, path: Path, content_type: str) -> None:
        store = await self._bucket()
        # nats-py reads a binary file chunk by chunk in a worker thread: streamed, not loaded whole.
        stream = await asyncio.to_thread(path.open, "rb")
        try:
            await store.put(key, stream, meta=_meta(key, content_type))
        except nats.errors.Error as exc:
            raise self._error("put", key, exc) from exc
        finally:
            stream.close()

    async def get(self, key: str) -> bytes | None:
        store = await self._bucket()
        try:
            result = await store.get(key)
        except ObjectNotFoundError:
            return None
        except nats.errors.Error as exc:
            raise self._error("get", key, exc) from exc
        return bytes(result.data or b"")

    async def close(self) -> None:
        self._store = None  # the connection belongs to the caller

    async def _bucket(self) -> ObjectStore:
        if self._store is None:
            try:
                self._store = await self._js.object_store(self.bucket)
            except BucketNotFoundError as exc:
                raise StorageError(
                    f"NATS object store {self.bucket} does not exist (ensure() creates it)", bucket=self.bucket
                ) from exc
            except nats.errors.Error as exc:
                raise self._error("open bucket", None, exc) from exc
        return self._store

    def _error(self, operation: str, key: str | None, exc: Exception) -> StorageError:
        where = f"{self.bucket}/{key}" if key else self.bucket
        return StorageError(
            f"NATS object store {operation} {where} failed: {type(exc).__name__}: {exc}", bucket=self.bucket, key=key
        )


def _meta(key: str, content_type: str) -> api.ObjectMeta:
    # Headers as the Go client writes them (name -> list of values), so `nats object info` shows them.
    return api.ObjectMeta(name=key, headers={"Content-Type": [content_type]})
