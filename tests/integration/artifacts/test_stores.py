"""Both artifact stores, S3 (a real moto_server) and the NATS object store (a real nats-server), pass the same tests."""

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import msgspec
import nats
import pytest
from minio import Minio
from nats.aio.client import Client as NatsClient

from ops import services
from schema.artifacts import (
    ARTIFACT_CONTENT_TYPES,
    ARTIFACT_NAMES,
    ArtifactStore,
    StorageError,
    StoreSettings,
    artifact_key,
    open_store,
    store_settings_from_env,
)
from schema.nats import ARTIFACTS_BUCKET


@dataclass
class Backend:
    """One store kind under test: its settings (on a fresh bucket) and, for NATS, the connection."""

    settings: StoreSettings
    nats_client: NatsClient | None

    def open(self, bucket: str | None = None) -> ArtifactStore:
        settings = msgspec.structs.replace(self.settings, bucket=bucket or self.settings.bucket)
        return open_store(settings, nats_client=self.nats_client)


def fresh_bucket() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"  # valid for S3 and NATS alike


@pytest.fixture(params=["s3", "nats"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "s3":
        settings = store_settings_from_env(request.getfixturevalue("s3_server"))
        yield Backend(msgspec.structs.replace(settings, bucket=fresh_bucket()), None)
        return
    creds: services.NatsCredentials = request.getfixturevalue("nats_server")
    client = await nats.connect(creds.url, user=creds.backend_user, password=creds.backend_password)
    yield Backend(StoreSettings(kind="nats", bucket=fresh_bucket()), client)
    await client.close()


@pytest.fixture
async def store(backend: Backend) -> AsyncIterator[ArtifactStore]:
    opened = backend.open()
    await opened.ensure()
    yield opened
    await opened.close()


def key(name: str = "summary.json", org: str = "org-1", project: str = "proj-1", test: str = "test-1") -> str:
    return artifact_key(org, project, "run-1", test, name)


# --- both stores --------------------------------------------------------------------------------


async def test_ensure_twice_on_the_default_bucket_then_round_trip(backend: Backend) -> None:
    first, second = backend.open(ARTIFACTS_BUCKET), backend.open(ARTIFACTS_BUCKET)  # runner and backend
    await first.ensure()
    await first.ensure()
    await second.ensure()
    written = key(test=uuid.uuid4().hex)  # the bucket may be shared with other tests of the session
    payload = uuid.uuid4().bytes
    await first.put_bytes(written, payload, "application/json")
    assert await second.get(written) == payload
    await first.close()
    await second.close()


async def test_processes_ensuring_the_same_new_bucket_at_once_all_succeed(backend: Backend) -> None:
    # Outside us-east-1 a repeated create answers BucketAlreadyOwnedByYou (us-east-1 accepts it silently).
    settings = msgspec.structs.replace(backend.settings, bucket=fresh_bucket(), s3_region="eu-west-1")
    stores = [open_store(settings, nats_client=backend.nats_client) for _ in range(6)]
    await asyncio.gather(*(store.ensure() for store in stores))
    await stores[0].put_bytes(key(), b"{}", "application/json")
    assert [await store.get(key()) for store in stores] == [b"{}"] * 6
    for store in stores:
        await store.close()


async def test_a_bucket_that_was_never_ensured_is_an_error_not_a_missing_artifact(backend: Backend) -> None:
    unready = backend.open(fresh_bucket())
    with pytest.raises(StorageError) as raised:
        await unready.get(key())
    assert raised.value.bucket in str(raised.value)
    with pytest.raises(StorageError):
        await unready.put_bytes(key(), b"{}", "application/json")
    await unready.ensure()
    assert await unready.get(key()) is None
    await unready.close()


async def test_put_bytes_then_get_returns_the_same_bytes(store: ArtifactStore) -> None:
    for name in ARTIFACT_NAMES:
        data = f"{name}: {uuid.uuid4()}\n".encode() * 10
        await store.put_bytes(key(name), data, ARTIFACT_CONTENT_TYPES[name])
        assert await store.get(key(name)) == data


async def test_an_empty_artifact_round_trips_as_empty_bytes(store: ArtifactStore) -> None:
    await store.put_bytes(key("console.log"), b"", ARTIFACT_CONTENT_TYPES["console.log"])
    assert await store.get(key("console.log")) == b""


async def test_a_second_put_replaces_the_object(store: ArtifactStore) -> None:
    await store.put_bytes(key(), b'{"attempt": 1}', "application/json")
    await store.put_bytes(key(), b'{"attempt": 2}', "application/json")
    assert await store.get(key()) == b'{"attempt": 2}'


async def test_put_file_of_three_megabytes_round_trips_byte_for_byte(store: ArtifactStore, tmp_path: Path) -> None:
    report = tmp_path / "index.html"
    data = os.urandom(3 * 1024 * 1024 + 17)  # not a multiple of any chunk or part size
    report.write_bytes(data)
    await store.put_file(key("index.html"), report, ARTIFACT_CONTENT_TYPES["index.html"])
    got = await store.get(key("index.html"))
    assert got is not None
    assert len(got) == len(data)
    assert got == data


async def test_put_file_of_a_missing_file_raises_oserror(store: ArtifactStore, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        await store.put_file(key("index.html"), tmp_path / "absent.html", "text/html")
    assert await store.get(key("index.html")) is None


async def test_missing_key_is_none(store: ArtifactStore) -> None:
    await store.put_bytes(key("summary.json"), b"{}", "application/json")
    assert await store.get(key("console.log")) is None
    assert await store.get(key("summary.json", test="test-2")) is None


async def test_keys_are_isolated_per_organization_and_project(store: ArtifactStore) -> None:
    owners = [("org-a", "proj-1"), ("org-b", "proj-1"), ("org-a", "proj-2")]
    for org, project in owners:
        await store.put_bytes(key(org=org, project=project), f"{org}/{project}".encode(), "application/json")
    for org, project in owners:
        assert await store.get(key(org=org, project=project)) == f"{org}/{project}".encode()
    assert await store.get(key(org="org-b", project="proj-2")) is None


async def test_content_type_is_stored_with_the_object(backend: Backend, store: ArtifactStore, tmp_path: Path) -> None:
    await store.put_bytes(key("index.html"), b"<html></html>", "text/html; charset=utf-8")
    (tmp_path / "console.log").write_text("line\n")
    await store.put_file(key("console.log"), tmp_path / "console.log", "text/plain; charset=utf-8")
    assert await stored_content_type(backend, key("index.html")) == "text/html; charset=utf-8"
    assert await stored_content_type(backend, key("console.log")) == "text/plain; charset=utf-8"


async def stored_content_type(backend: Backend, object_key: str) -> str:
    """What the server itself recorded, read around the store under test."""
    settings = backend.settings
    if backend.nats_client is None:
        client = Minio(
            settings.s3_host,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            secure=settings.s3_secure,
            region=settings.s3_region,
        )
        return str(client.stat_object(bucket_name=settings.bucket, object_name=object_key).content_type)
    bucket = await backend.nats_client.jetstream().object_store(settings.bucket)
    headers = (await bucket.get_info(object_key)).headers or {}
    return str(headers["Content-Type"][0])


# --- keys ---------------------------------------------------------------------------------------


def test_artifact_key_follows_the_documented_layout() -> None:
    assert artifact_key("o1", "p1", "r1", "t1", "index.html") == "o1/p1/runs/r1/t1/index.html"
    run_id = str(uuid.uuid4())
    assert artifact_key("o", "p", run_id, "t", "console.log") == f"o/p/runs/{run_id}/t/console.log"


@pytest.mark.parametrize("bad_id", ["..", "../etc", "a/b", "/abs", "a..b", ".", "", "a b", "a\\b"])
@pytest.mark.parametrize("position", range(4))
def test_artifact_key_refuses_ids_that_could_leave_their_folder(bad_id: str, position: int) -> None:
    ids = ["org", "proj", "run", "test"]
    ids[position] = bad_id
    with pytest.raises(ValueError, match="_id must be"):
        artifact_key(*ids, "index.html")


@pytest.mark.parametrize("bad_name", ["../index.html", "passwd", "index.htm", "", "runs/index.html"])
def test_artifact_key_refuses_names_that_are_not_artifacts(bad_name: str) -> None:
    with pytest.raises(ValueError, match="artifact name must be one of"):
        artifact_key("org", "proj", "run", "test", bad_name)


# --- settings -----------------------------------------------------------------------------------


def test_settings_default_to_the_nats_store_and_the_performance_bucket() -> None:
    settings = store_settings_from_env({})
    assert settings.kind == "nats"
    assert settings.bucket == "supercheck-performance-artifacts"
    assert settings.s3_region == "us-east-1"


def test_settings_choose_s3_when_an_endpoint_is_set() -> None:
    settings = store_settings_from_env(
        {"S3_ENDPOINT": "http://127.0.0.1:9000", "S3_ACCESS_KEY": "minio", "S3_SECRET_KEY": "secret"}
    )
    assert settings.kind == "s3"
    assert (settings.s3_host, settings.s3_secure) == ("127.0.0.1:9000", False)
    assert (settings.s3_access_key, settings.s3_secret_key) == ("minio", "secret")
    assert settings.bucket == "supercheck-performance-artifacts"


def test_settings_read_tls_region_and_bucket() -> None:
    settings = store_settings_from_env(
        {
            "S3_ENDPOINT": "https://s3.eu-central-1.amazonaws.com",
            "S3_ACCESS_KEY": "a",
            "S3_SECRET_KEY": "b",
            "S3_REGION": "eu-central-1",
            "S3_K6_PERFORMANCE_BUCKET_NAME": "my-reports",
        }
    )
    assert (settings.s3_host, settings.s3_secure) == ("s3.eu-central-1.amazonaws.com", True)
    assert settings.s3_region == "eu-central-1"
    assert settings.bucket == "my-reports"


def test_settings_explicit_nats_wins_over_an_s3_endpoint() -> None:
    settings = store_settings_from_env({"SUPERCHECK_ARTIFACT_STORE": "NATS", "S3_ENDPOINT": "http://127.0.0.1:9000"})
    assert settings.kind == "nats"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"SUPERCHECK_ARTIFACT_STORE": "gcs"}, "SUPERCHECK_ARTIFACT_STORE"),
        ({"SUPERCHECK_ARTIFACT_STORE": "s3"}, "S3_ENDPOINT"),
        ({"S3_ENDPOINT": "127.0.0.1:9000", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "b"}, "S3_ENDPOINT"),
        ({"S3_ENDPOINT": "ftp://host", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "b"}, "S3_ENDPOINT"),
        ({"S3_ENDPOINT": "http://host:9000/bucket", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "b"}, "S3_ENDPOINT"),
        ({"S3_ENDPOINT": "http://host:port", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "b"}, "S3_ENDPOINT"),
        ({"S3_ENDPOINT": "http://host", "S3_SECRET_KEY": "b"}, "S3_ACCESS_KEY"),
        ({"S3_ENDPOINT": "http://host", "S3_ACCESS_KEY": "a"}, "S3_SECRET_KEY"),
        (
            {
                "S3_ENDPOINT": "http://h",
                "S3_ACCESS_KEY": "a",
                "S3_SECRET_KEY": "b",
                "S3_K6_PERFORMANCE_BUCKET_NAME": "Caps",
            },
            "S3_K6_PERFORMANCE_BUCKET_NAME",
        ),
        ({"S3_K6_PERFORMANCE_BUCKET_NAME": "has.dot"}, "S3_K6_PERFORMANCE_BUCKET_NAME"),
    ],
)
def test_settings_refuse_bad_values_naming_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ValueError, match=variable):
        store_settings_from_env(env)


def test_settings_repr_hides_the_secret_key() -> None:
    settings = store_settings_from_env({"S3_ENDPOINT": "http://h:1", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "hunter2"})
    assert "hunter2" not in repr(settings)
    assert "http://h:1" in repr(settings)


def test_open_store_needs_a_nats_client_for_the_nats_store() -> None:
    with pytest.raises(ValueError, match="NATS client"):
        open_store(StoreSettings(kind="nats"), nats_client=None)


async def test_an_unreachable_s3_server_is_a_storage_error_naming_the_bucket() -> None:
    nobody = f"http://127.0.0.1:{services.free_port()}"  # nothing listens there
    env = {"S3_ENDPOINT": nobody, "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "b", "S3_K6_PERFORMANCE_BUCKET_NAME": "gone"}
    store = open_store(store_settings_from_env(env), nats_client=None)
    with pytest.raises(StorageError, match="gone"):
        await store.ensure()
    with pytest.raises(StorageError, match=re.escape(f"gone/{key()}")):
        await store.get(key())
    await store.close()
