"""The NATS users of ops/nats/nats-server.conf.tmpl: a runner can do what a runner does, and nothing the backend does.

A refused publish or subscribe reaches the client only as an asynchronous ``-ERR`` (nats-py's error_cb), and
the request behind it times out; so every refusal is checked twice: the server said "permissions violation"
for that subject, and the server's state (stream, consumer, bucket) did not change.
"""

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec
import nats
import nats.errors
import pytest
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, StreamConfig
from nats.js.errors import KeyNotFoundError, NotFoundError

from backend.core.nats import ensure_jetstream
from backend.runs.dispatch import publish_run_request, request_cancel
from ops import services
from runner.cancel import CancelWatcher
from runner.events import EventPublisher
from runner.execute import claim
from runner.heartbeat import heartbeat, withdraw
from runner.settings import load_runner_settings
from schema import nats as names
from schema.artifacts import CONSOLE_LOG, REPORT, StoreSettings, artifact_key, open_store
from schema.enums import RunStatus
from schema.messages import ConsoleChunk, RunLimits, RunnerHeartbeat, RunRequest, RunStatusEvent, TestSpec
from tests.conftest import own_nats_server
from tests.support.wait import eventually

DENIED_TIMEOUT_S = 0.5  # a refused request never gets an answer: do not wait the default 5 s for it
VIOLATION_TIMEOUT_S = 3.0
REFUSED = (nats.errors.Error, TimeoutError)


@pytest.fixture(scope="module")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[services.NatsCredentials]:
    """A server of this module's own (same template): these tests count what is on the bus."""
    yield from own_nats_server(tmp_path_factory, "permissions-nats")


@dataclasses.dataclass
class Connection:
    """A client and the asynchronous errors the server sent it."""

    nc: NatsClient
    errors: list[Exception]

    def js(self, timeout: float = 5.0) -> JetStreamContext:
        return self.nc.jetstream(timeout=timeout)

    @property
    def denied_js(self) -> JetStreamContext:
        return self.nc.jetstream(timeout=DENIED_TIMEOUT_S)

    async def violation(self, action: str, subject: str) -> None:
        """Wait for the server's "permissions violation for <action> to <subject>"; fail when it never comes."""
        wanted = f'permissions violation for {action} to "{subject}"'.lower()

        async def said() -> bool:
            return any(wanted in str(error).lower() for error in self.errors)

        try:
            await eventually(said, timeout=VIOLATION_TIMEOUT_S)
        except AssertionError:
            pytest.fail(f"the server never refused {action} to {subject}; errors seen: {self.errors}")

    def assert_no_violation(self) -> None:
        assert [str(error) for error in self.errors] == []


async def connect(creds: services.NatsCredentials, user: str, password: str, **options: object) -> Connection:
    errors: list[Exception] = []

    async def on_error(exc: Exception) -> None:
        errors.append(exc)

    nc = await nats.connect(creds.url, user=user, password=password, error_cb=on_error, **options)
    return Connection(nc, errors)


@pytest.fixture
async def backend(nats_server: services.NatsCredentials) -> AsyncIterator[Connection]:
    """The backend user, after the backend's ensure step (streams, consumers, buckets, artifact store)."""
    conn = await connect(nats_server, nats_server.backend_user, nats_server.backend_password)
    await ensure_jetstream(conn.js())
    await open_store(StoreSettings(), nats_client=conn.nc).ensure()
    yield conn
    conn.assert_no_violation()
    await conn.nc.close()


@pytest.fixture
async def runner(nats_server: services.NatsCredentials, backend: Connection) -> AsyncIterator[Connection]:
    """The runner user, connected as runner/worker.py connects."""
    conn = await connect(
        nats_server, nats_server.runner_user, nats_server.runner_password, inbox_prefix=names.RUNNER_INBOX_PREFIX
    )
    yield conn
    await conn.nc.close()


def run_request(run_id: str | None = None) -> RunRequest:
    return RunRequest(
        run_id=run_id or str(uuid.uuid4()),
        organization_id=str(uuid.uuid4()),
        project_id=str(uuid.uuid4()),
        location="us-east",
        tests=[TestSpec(id=str(uuid.uuid4()), title="homepage", script="export default function () {}")],
        limits=RunLimits(max_vus=10, max_duration_s=60),
        requested_at=datetime.now(UTC),
        queue_deadline=datetime.now(UTC) + timedelta(minutes=5),
    )


async def last_seq(backend: Connection, stream: str) -> int:
    return (await backend.js().stream_info(stream)).state.last_seq


async def message_count(backend: Connection, stream: str) -> int:
    return (await backend.js().stream_info(stream)).state.messages


# -- what a runner must not do -----------------------------------------------------------------------------------


async def test_runner_cannot_dispatch_a_run(backend, runner):
    before = await last_seq(backend, names.RUNS_STREAM)
    payload = msgspec.json.encode(run_request())
    await runner.nc.publish(names.RUNS_SUBJECT, payload, headers={names.HEADER_MSG_ID: str(uuid.uuid4())})
    await runner.nc.flush()
    await runner.violation("publish", names.RUNS_SUBJECT)
    with pytest.raises(REFUSED):
        await runner.denied_js.publish(names.RUNS_SUBJECT, payload, stream=names.RUNS_STREAM)
    assert await last_seq(backend, names.RUNS_STREAM) == before  # nothing was stored, not even for a moment


@pytest.mark.parametrize("stream", [names.RUNS_STREAM, names.EVENTS_STREAM])
async def test_runner_cannot_purge_delete_or_change_a_stream(backend, runner, stream):
    await publish_run_request(backend.js(), run_request())
    await backend.js().publish(names.status_subject(str(uuid.uuid4())), b"{}")
    config = (await backend.js().stream_info(stream)).config
    count = await message_count(backend, stream)
    assert count > 0

    with pytest.raises(REFUSED):
        await runner.denied_js.purge_stream(stream)
    await runner.violation("publish", f"$JS.API.STREAM.PURGE.{stream}")
    with pytest.raises(REFUSED):
        await runner.denied_js.delete_stream(stream)
    await runner.violation("publish", f"$JS.API.STREAM.DELETE.{stream}")
    with pytest.raises(REFUSED):
        await runner.denied_js.update_stream(dataclasses.replace(config, max_msgs=1))
    await runner.violation("publish", f"$JS.API.STREAM.UPDATE.{stream}")

    after = await backend.js().stream_info(stream)
    assert after.state.messages == count
    assert after.config.max_msgs == config.max_msgs


async def test_runner_cannot_create_a_stream(backend, runner):
    name = f"RUNNER_MADE_{uuid.uuid4().hex[:8]}"
    with pytest.raises(REFUSED):
        await runner.denied_js.add_stream(StreamConfig(name=name, subjects=[f"runner-made.{name}"]))
    await runner.violation("publish", f"$JS.API.STREAM.CREATE.{name}")
    with pytest.raises(NotFoundError):
        await backend.js().stream_info(name)


async def test_runner_cannot_delete_or_create_consumers(backend, runner):
    with pytest.raises(REFUSED):
        await runner.denied_js.delete_consumer(names.RUNS_STREAM, names.RUNNERS_CONSUMER)
    await runner.violation("publish", f"$JS.API.CONSUMER.DELETE.{names.RUNS_STREAM}.{names.RUNNERS_CONSUMER}")
    with pytest.raises(REFUSED):
        await runner.denied_js.delete_consumer(names.EVENTS_STREAM, names.BACKEND_EVENTS_CONSUMER)
    await runner.violation("publish", f"$JS.API.CONSUMER.DELETE.{names.EVENTS_STREAM}.{names.BACKEND_EVENTS_CONSUMER}")
    assert (await backend.js().consumer_info(names.RUNS_STREAM, names.RUNNERS_CONSUMER)).name == names.RUNNERS_CONSUMER
    assert (await backend.js().consumer_info(names.EVENTS_STREAM, names.BACKEND_EVENTS_CONSUMER)).name

    # A consumer of its own on the events stream would let a runner read every run's events.
    durable = f"runner-made-{uuid.uuid4().hex[:8]}"
    with pytest.raises(REFUSED):
        await runner.denied_js.add_consumer(names.EVENTS_STREAM, ConsumerConfig(durable_name=durable))
    await runner.violation("publish", f"$JS.API.CONSUMER.DURABLE.CREATE.{names.EVENTS_STREAM}.{durable}")
    with pytest.raises(REFUSED):
        await runner.denied_js.add_consumer(names.EVENTS_STREAM, ConsumerConfig(name=durable))
    await runner.violation("publish", f"$JS.API.CONSUMER.CREATE.{names.EVENTS_STREAM}.{durable}")
    with pytest.raises(REFUSED):
        await runner.denied_js.add_consumer(names.EVENTS_STREAM, ConsumerConfig())  # ephemeral
    await runner.violation("publish", f"$JS.API.CONSUMER.CREATE.{names.EVENTS_STREAM}")
    with pytest.raises(NotFoundError):
        await backend.js().consumer_info(names.EVENTS_STREAM, durable)
    assert (await backend.js().stream_info(names.EVENTS_STREAM)).state.consumer_count == 1


async def test_runner_cannot_cancel_runs(backend, runner):
    run_id = str(uuid.uuid4())
    heard: list[Msg] = []

    async def on_cancel(msg: Msg) -> None:
        heard.append(msg)

    await backend.nc.subscribe(names.cancel_subject(run_id), cb=on_cancel)
    await backend.nc.flush()
    cancels = await runner.denied_js.key_value(names.CANCELS_BUCKET)  # it may open the bucket, to read it
    with pytest.raises(REFUSED):
        await runner.denied_js.publish(f"$KV.{names.CANCELS_BUCKET}.{run_id}", b"{}")
    await runner.violation("publish", f"$KV.{names.CANCELS_BUCKET}.{run_id}")
    with pytest.raises(REFUSED):
        await cancels.delete(run_id)
    await runner.nc.publish(names.cancel_subject(run_id), b'{"runId": "' + run_id.encode() + b'"}')
    await runner.nc.flush()
    await runner.violation("publish", names.cancel_subject(run_id))

    kept = await backend.js().key_value(names.CANCELS_BUCKET)
    with pytest.raises(KeyNotFoundError):
        await kept.get(run_id)
    await backend.nc.flush()
    assert heard == []


async def _trigger_run_request(backend: Connection) -> None:
    await publish_run_request(backend.js(), run_request())


async def _trigger_event(backend: Connection) -> None:
    await backend.js().publish(names.status_subject(str(uuid.uuid4())), b"{}")


async def _trigger_backend_reply(backend: Connection) -> None:
    await backend.js().stream_info(names.RUNS_STREAM)  # the answer goes to the backend's _INBOX


async def _trigger_heartbeat(backend: Connection) -> None:
    await (await backend.js().key_value(names.RUNNERS_BUCKET)).put("another-runner", b"{}")


async def _trigger_cancel(backend: Connection) -> None:
    await request_cancel(backend.nc, str(uuid.uuid4()), "stop")


@pytest.mark.parametrize(
    ("subject", "trigger"),
    [
        (names.RUNS_SUBJECT, _trigger_run_request),
        (names.EVENTS_SUBJECTS, _trigger_event),
        ("_INBOX.>", _trigger_backend_reply),
        (f"$KV.{names.RUNNERS_BUCKET}.>", _trigger_heartbeat),
        (f"$KV.{names.CANCELS_BUCKET}.>", _trigger_cancel),
        ("supercheck.>", _trigger_run_request),
        (">", _trigger_backend_reply),
    ],
)
async def test_runner_cannot_listen_beyond_its_own_subjects(backend, runner, subject, trigger):
    heard: list[Msg] = []

    async def on_msg(msg: Msg) -> None:
        heard.append(msg)

    await runner.nc.subscribe(subject, cb=on_msg)
    await runner.nc.flush()
    await runner.violation("subscription", subject)
    await trigger(backend)
    await backend.nc.flush()
    await runner.nc.flush()
    assert heard == []


async def test_runner_cannot_read_run_requests_or_heartbeats_from_the_streams(backend, runner):
    await publish_run_request(backend.js(), run_request())
    with pytest.raises(REFUSED):
        await runner.denied_js.get_last_msg(names.RUNS_STREAM, names.RUNS_SUBJECT)
    await runner.violation("publish", f"$JS.API.STREAM.MSG.GET.{names.RUNS_STREAM}")
    with pytest.raises(REFUSED):
        await runner.denied_js.stream_info(names.EVENTS_STREAM)
    await runner.violation("publish", f"$JS.API.STREAM.INFO.{names.EVENTS_STREAM}")
    with pytest.raises(REFUSED):
        await runner.denied_js.get_last_msg(f"KV_{names.RUNNERS_BUCKET}", f"$KV.{names.RUNNERS_BUCKET}.another-runner")
    await runner.violation("publish", f"$JS.API.STREAM.MSG.GET.KV_{names.RUNNERS_BUCKET}")


async def test_runner_without_its_inbox_prefix_gets_no_replies(nats_server, backend):
    """The runner user may not listen on ``_INBOX.>``: a client on the default prefix cannot even open a bucket."""
    plain = await connect(nats_server, nats_server.runner_user, nats_server.runner_password)
    try:
        with pytest.raises(REFUSED):
            await plain.denied_js.key_value(names.RUNNERS_BUCKET)

        async def refused() -> bool:
            return any('permissions violation for subscription to "_inbox.' in str(e).lower() for e in plain.errors)

        await eventually(refused, timeout=VIOLATION_TIMEOUT_S)
    finally:
        await plain.nc.close()


# -- what a runner does ------------------------------------------------------------------------------------------


async def test_runner_fetches_naks_and_acks_run_requests(backend, runner):
    await backend.js().purge_stream(names.RUNS_STREAM)  # requests of other tests would come first
    request = run_request()
    await publish_run_request(backend.js(), request)
    sub = await runner.js().pull_subscribe_bind(durable=names.RUNNERS_CONSUMER, stream=names.RUNS_STREAM)
    assert (await sub.consumer_info()).name == names.RUNNERS_CONSUMER

    [first] = await sub.fetch(1, timeout=5)
    assert msgspec.json.decode(first.data, type=RunRequest).run_id == request.run_id
    assert (first.headers or {})[names.HEADER_LOCATION] == request.location
    await first.in_progress()
    await first.nak()  # "not my location": it stays for another runner
    [again] = await sub.fetch(1, timeout=5)
    assert msgspec.json.decode(again.data, type=RunRequest).run_id == request.run_id
    assert again.metadata.num_delivered == 2
    await again.ack()

    async def acked() -> bool:
        return await message_count(backend, names.RUNS_STREAM) == 0  # work queue: an ack removes it

    await eventually(acked)
    await sub.unsubscribe()
    runner.assert_no_violation()


async def test_runner_publishes_status_events_and_console_chunks(backend, runner):
    run_id = str(uuid.uuid4())
    events = EventPublisher(runner.js())
    await events.status(RunStatusEvent(run_id=run_id, status=RunStatus.RUNNING, at=datetime.now(UTC)))
    await events.console(ConsoleChunk(run_id=run_id, seq=1, lines=["hello"]))

    status = await backend.js().get_last_msg(names.EVENTS_STREAM, names.status_subject(run_id))
    assert msgspec.json.decode(status.data, type=RunStatusEvent).status == RunStatus.RUNNING
    console = await backend.js().get_last_msg(names.EVENTS_STREAM, names.console_subject(run_id))
    assert msgspec.json.decode(console.data, type=ConsoleChunk).lines == ["hello"]
    runner.assert_no_violation()


async def test_runner_puts_and_withdraws_its_heartbeat(backend, runner, tmp_path: Path):
    settings = load_runner_settings({"RUNNER_ID": f"perm-{uuid.uuid4().hex[:8]}", "RUNNER_WORK_DIR": str(tmp_path)})
    kv = await runner.js().key_value(names.RUNNERS_BUCKET)
    await kv.put(settings.runner_id, msgspec.json.encode(heartbeat(settings, ["run-1"])))

    seen = await backend.js().key_value(names.RUNNERS_BUCKET)
    beat = msgspec.json.decode((await seen.get(settings.runner_id)).value or b"", type=RunnerHeartbeat)
    assert (beat.runner_id, beat.active_runs) == (settings.runner_id, ["run-1"])
    await withdraw(kv, settings)
    with pytest.raises(KeyNotFoundError):
        await seen.get(settings.runner_id)
    runner.assert_no_violation()


async def test_runner_claims_a_run_exactly_once(backend, runner):
    run_id = str(uuid.uuid4())
    claims = await runner.js().key_value(names.CLAIMS_BUCKET)
    assert await claim(claims, run_id, "runner-a")
    assert not await claim(claims, run_id, "runner-b")  # the loser reads the key: it is taken
    kept = await (await backend.js().key_value(names.CLAIMS_BUCKET)).get(run_id)
    assert kept.value == b"runner-a"
    runner.assert_no_violation()


async def test_runner_reads_cancels_from_the_bucket_and_the_control_subject(backend, runner):
    watcher = CancelWatcher(runner.nc, await runner.js().key_value(names.CANCELS_BUCKET))
    await watcher.start()
    await runner.nc.flush()
    queued, running = str(uuid.uuid4()), str(uuid.uuid4())
    told = watcher.watch(running)

    await request_cancel(backend.nc, queued, "stopped while queued")
    assert await watcher.is_cancelled(queued)
    assert watcher.reason(queued) == "stopped while queued"
    assert not await watcher.is_cancelled(str(uuid.uuid4()))

    await request_cancel(backend.nc, running, "stopped while running")
    await asyncio.wait_for(told.wait(), 5)
    assert watcher.reason(running) == "stopped while running"
    await watcher.stop()
    runner.assert_no_violation()


async def test_runner_writes_artifacts_the_backend_reads(backend, runner, tmp_path: Path):
    report = tmp_path / REPORT
    report.write_text("<html>report</html>")
    ids = (str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4()))
    store = open_store(StoreSettings(), nats_client=runner.nc)
    await store.ensure()  # the backend created the bucket: the runner only opens it
    await store.put_file(artifact_key(*ids, REPORT), report, "text/html; charset=utf-8")
    await store.put_bytes(artifact_key(*ids, CONSOLE_LOG), b"line 1\n", "text/plain; charset=utf-8")

    reader = open_store(StoreSettings(), nats_client=backend.nc)
    assert await reader.get(artifact_key(*ids, REPORT)) == b"<html>report</html>"
    assert await reader.get(artifact_key(*ids, CONSOLE_LOG)) == b"line 1\n"
    runner.assert_no_violation()


# -- the rendered configuration ----------------------------------------------------------------------------------


def test_the_runner_may_write_the_artifact_bucket_the_environment_names(tmp_path: Path):
    creds = services.nats_credentials(tmp_path, port=services.free_port())
    assert services.artifacts_bucket_from_env({}) == names.ARTIFACTS_BUCKET
    assert services.artifacts_bucket_from_env({"S3_K6_PERFORMANCE_BUCKET_NAME": "team-artifacts"}) == "team-artifacts"
    s3 = {"SUPERCHECK_ARTIFACT_STORE": "s3", "S3_K6_PERFORMANCE_BUCKET_NAME": "s3-bucket"}
    assert services.artifacts_bucket_from_env(s3) == names.ARTIFACTS_BUCKET  # runners do not use NATS for it
    assert services.artifacts_bucket_from_env({"S3_K6_PERFORMANCE_BUCKET_NAME": "bad name"}) == names.ARTIFACTS_BUCKET

    conf = services.render_nats_conf(tmp_path, creds, artifacts_bucket="team-artifacts")
    assert '"$O.team-artifacts.C.>"' in conf
    assert '"$JS.API.STREAM.INFO.OBJ_team-artifacts"' in conf
    assert "@" not in conf
    assert f'"{names.RUNNER_INBOX_PREFIX}.>"' in conf
