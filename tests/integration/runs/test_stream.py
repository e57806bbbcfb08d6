"""The SSE stream of a run: replay, live follow, resume without gap or duplicate, keep-alives, clean-up."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa

from backend.db.models import K6PerformanceRun, Run
from schema import nats as names
from schema.enums import RunStatus
from tests.integration.runs.helpers import events_applied, publish_console, publish_status, queued_run
from tests.support.sse import SseReader
from tests.support.wait import eventually


async def publish_whole_run(nats_client, run: dict) -> list[int]:
    """A run's events as a runner publishes them; returns their stream sequences."""
    run_id, test_id = run["id"], run["testId"]
    return [
        await publish_status(nats_client, run_id, RunStatus.RUNNING, runner_id="runner-1", location="eu-central"),
        await publish_status(nats_client, run_id, RunStatus.RUNNING, test_id=test_id, runner_id="runner-1"),
        await publish_console(nats_client, run_id, 1, ["line 1", "line 2"], test_id=test_id),
        await publish_console(nats_client, run_id, 2, ["line 3"], test_id=test_id),
        await publish_console(nats_client, run_id, 3, ["line 4"], test_id=test_id, truncated=True),
        await publish_status(nats_client, run_id, RunStatus.PASSED, test_id=test_id, exit_code=0),
        await publish_status(nats_client, run_id, RunStatus.PASSED, runner_id="runner-1"),
    ]


def kinds(events) -> list[str]:
    return [e.event for e in events]


async def test_a_viewer_of_a_finished_run_gets_everything_then_complete(http, nats_client):
    run = await queued_run(http)
    seqs = await publish_whole_run(nats_client, run)
    async with http.stream("GET", f"/api/runs/{run['id']}/stream") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        events = await SseReader(response).events_until_closed()
    assert kinds(events) == ["status", "status", "console", "console", "console", "status", "status", "complete"]
    assert [e.id for e in events] == [*seqs, seqs[-1]]
    console = [line for e in events if e.event == "console" for line in e.data["lines"]]
    assert console == ["line 1", "line 2", "line 3", "line 4"]
    assert events[4].data == {"lines": ["line 4"], "testId": run["testId"], "truncated": True}
    assert events[5].data["testId"] == run["testId"]
    assert (events[5].data["status"], events[5].data["exitCode"]) == ("passed", 0)
    assert (events[6].data["status"], events[6].data["testId"]) == ("passed", None)
    assert events[-1].data == {"status": "passed"}


async def test_resume_with_last_event_id_gets_exactly_the_rest(http, nats_client):
    run = await queued_run(http)
    run_id = run["id"]
    first = await publish_console(nats_client, run_id, 1, ["a"])
    second = await publish_console(nats_client, run_id, 2, ["b"])
    async with http.stream("GET", f"/api/runs/{run_id}/stream") as response:
        reader = SseReader(response)
        seen = [await reader.next(), await reader.next()]
    assert [(e.id, e.data["lines"]) for e in seen] == [(first, ["a"]), (second, ["b"])]

    # While the viewer is away the run goes on and ends.
    third = await publish_console(nats_client, run_id, 3, ["c"])
    end = await publish_status(nats_client, run_id, RunStatus.FAILED, reason=None)
    headers = {"Last-Event-ID": str(first)}
    async with http.stream("GET", f"/api/runs/{run_id}/stream", headers=headers) as response:
        rest = await SseReader(response).events_until_closed()
    assert [(e.event, e.id) for e in rest] == [
        ("console", second),
        ("console", third),
        ("status", end),
        ("complete", end),
    ]
    # The query parameter works too (for clients that cannot set headers), and after the end only "complete" is left.
    async with http.stream("GET", f"/api/runs/{run_id}/stream", params={"lastEventId": end}) as response:
        tail = await SseReader(response).events_until_closed()
    assert [(e.event, e.id, e.data) for e in tail] == [("complete", end, {"status": "failed"})]


async def test_a_live_viewer_gets_keep_alives_and_events_as_they_happen(http, nats_client):
    run = await queued_run(http)
    run_id = run["id"]
    async with http.stream("GET", f"/api/runs/{run_id}/stream") as response:
        reader = SseReader(response)
        keep_alive = await reader.next(timeout=5)
        assert keep_alive is not None
        assert keep_alive.comment == "keep-alive"
        seq = await publish_console(nats_client, run_id, 1, ["hello"])
        live = await reader.next()
        while live is not None and live.comment is not None:
            live = await reader.next()
        assert live is not None
        assert (live.event, live.id, live.data["lines"]) == ("console", seq, ["hello"])
        end = await publish_status(nats_client, run_id, RunStatus.CANCELLED, reason="Cancelled by a user")
        rest = await reader.events_until_closed()
    assert [(e.event, e.id) for e in rest] == [("status", end), ("complete", end)]
    assert rest[0].data["reason"] == "Cancelled by a user"


async def test_a_finished_run_without_events_is_replayed_from_the_database(http, nats_client, db):
    run = await queued_run(http)
    run_id, test_id = run["id"], run["testId"]
    # As if its events had aged out of the stream: the database is all there is.
    async with db() as session, session.begin():
        project_id = (await session.get(Run, uuid.UUID(run_id))).project_id
        org_id = (await session.get(Run, uuid.UUID(run_id))).organization_id
        session.add(
            K6PerformanceRun(
                run_id=uuid.UUID(run_id),
                test_id=uuid.UUID(test_id),
                organization_id=org_id,
                project_id=project_id,
                status=RunStatus.FAILED,
                exit_code=99,
                console_output="tail 1\ntail 2",
            )
        )
        await session.execute(
            sa.update(Run)
            .where(Run.id == uuid.UUID(run_id))
            .values(status=RunStatus.FAILED, completed_at=datetime.now(UTC))
        )
    async with http.stream("GET", f"/api/runs/{run_id}/stream") as response:
        events = await SseReader(response).events_until_closed()
    assert kinds(events) == ["console", "status", "status", "complete"]
    assert events[0].data == {"lines": ["tail 1", "tail 2"], "testId": test_id, "truncated": False}
    assert (events[1].data["status"], events[1].data["testId"], events[1].data["exitCode"]) == ("failed", test_id, 99)
    assert events[3].data == {"status": "failed"}


async def test_another_projects_run_is_not_found(http, stranger, server):
    run = await queued_run(http)
    assert (await stranger.get(f"/api/runs/{run['id']}/stream")).status_code == 404
    assert (await http.get(f"/api/runs/{uuid.uuid4()}/stream")).status_code == 404
    async with httpx.AsyncClient(base_url=server) as anonymous:
        assert (await anonymous.get(f"/api/runs/{run['id']}/stream")).status_code == 401
    bad = await http.get(f"/api/runs/{run['id']}/stream", headers={"Last-Event-ID": "nope"})
    assert bad.status_code == 400


async def consumers_on_events_stream(nats_client) -> int:
    return (await nats_client.jetstream().stream_info(names.EVENTS_STREAM)).state.consumer_count


@pytest.mark.settings(sse_release_grace_s=0.3)
async def test_viewers_share_one_subscription_that_is_dropped_after_they_leave(http, nats_client, app):
    hub = app.state.run_hub
    run = await queued_run(http)
    await eventually(lambda: events_applied(nats_client))
    baseline = await consumers_on_events_stream(nats_client)
    async with (
        http.stream("GET", f"/api/runs/{run['id']}/stream") as first,
        http.stream("GET", f"/api/runs/{run['id']}/stream") as second,
    ):
        readers = [SseReader(first), SseReader(second)]  # kept: a dropped reader closes its connection
        for reader in readers:
            assert (await reader.next()).comment == "keep-alive"
        assert (hub.stats().subscriptions, hub.stats().viewers) == (1, 2)
        assert hub.is_subscribed(run["id"])
        assert await consumers_on_events_stream(nats_client) == baseline + 1

    # Both clients closed their connections: after the grace period nothing is left, here or on the server.
    async def dropped() -> bool:
        return not hub.is_subscribed(run["id"])

    await eventually(dropped)
    assert (hub.stats().subscriptions, hub.stats().viewers) == (0, 0)
    await eventually(lambda: consumers_on_events_stream_is(nats_client, baseline))


async def consumers_on_events_stream_is(nats_client, expected: int) -> bool:
    return await consumers_on_events_stream(nats_client) == expected
