"""The watchdog: no run waits forever for a runner, and no run stays running after its runner died."""

import asyncio

import msgspec
import pytest

from schema import nats as names
from schema.enums import RunStatus
from schema.messages import CancelRequest, RunStatusEvent
from tests.integration.runs.helpers import publish_status, put_heartbeat, queued_run
from tests.support.wait import eventually


async def run_in(http, run_id: str, status: str) -> dict | None:
    run = (await http.get(f"/api/runs/{run_id}")).json()
    return run if run["status"] == status else None


async def last_status_event(nats_client, run_id: str) -> RunStatusEvent:
    msg = await nats_client.jetstream().get_last_msg(names.EVENTS_STREAM, names.status_subject(run_id))
    return msgspec.json.decode(msg.data, type=RunStatusEvent)


@pytest.mark.settings(run_queue_timeout_s=1)
async def test_a_run_nobody_claims_ends_in_error_naming_its_location(http, nats_client):
    run = await queued_run(http, location="eu-central")
    ended = await eventually(lambda: run_in(http, run["id"], "error"))
    reason = "No runner in location eu-central (EU Central, Frankfurt) claimed the run within 1 s"
    assert ended["errorDetails"] == reason
    assert ended["completedAt"] is not None
    # Live viewers learn it from the stream like any other end.
    event = await last_status_event(nats_client, run["id"])
    assert (event.status, event.test_id, event.reason) == (RunStatus.ERROR, None, ended["errorDetails"])


@pytest.mark.settings(runner_heartbeat_grace_s=0.5)
async def test_a_run_whose_runner_stopped_heartbeating_ends_in_error_naming_it(http, nats_client):
    run = await queued_run(http, location="eu-central")
    run_id, test_id = run["id"], run["testId"]
    claimed = {"runner_id": "ghost-runner", "location": "asia-pacific"}
    await publish_status(nats_client, run_id, RunStatus.RUNNING, **claimed)
    await publish_status(nats_client, run_id, RunStatus.RUNNING, test_id=test_id, **claimed)
    await eventually(lambda: run_in(http, run_id, "running"))
    ended = await eventually(lambda: run_in(http, run_id, "error"))
    reason = ended["errorDetails"]
    assert "ghost-runner" in reason
    assert "asia-pacific (Asia Pacific, Singapore)" in reason  # where it actually ran
    assert ended["k6Runs"][0]["status"] == "error"
    assert ended["k6Runs"][0]["errorDetails"] == reason
    event = await last_status_event(nats_client, run_id)
    assert (event.status, event.runner_id, event.reason) == (RunStatus.ERROR, "ghost-runner", reason)
    # If the runner was only cut off, it finds the cancel when it checks and stops generating load.
    cancels = await nats_client.jetstream().key_value(names.CANCELS_BUCKET)
    kept = msgspec.json.decode((await cancels.get(run_id)).value, type=CancelRequest)
    assert kept.reason == reason


@pytest.mark.settings(runner_heartbeat_grace_s=0.3)
async def test_a_run_whose_runner_heartbeats_keeps_running(http, nats_client):
    runner = await put_heartbeat(nats_client, "eu-central", runner_id="alive-runner")
    run = await queued_run(http)
    await publish_status(nats_client, run["id"], RunStatus.RUNNING, runner_id=runner.runner_id, location="eu-central")
    await eventually(lambda: run_in(http, run["id"], "running"))
    await asyncio.sleep(1.0)  # several watchdog rounds, well past the grace period
    assert (await http.get(f"/api/runs/{run['id']}")).json()["status"] == "running"
    kv = await nats_client.jetstream().key_value(names.RUNNERS_BUCKET)
    await kv.purge(runner.runner_id)


@pytest.mark.settings(runner_heartbeat_grace_s=0.3)
async def test_a_test_that_never_reports_after_its_run_ended_ends_like_the_run(http, nats_client):
    runner = await put_heartbeat(nats_client, "eu-central", runner_id="forgetful-runner")
    run = await queued_run(http)
    run_id, test_id = run["id"], run["testId"]
    await publish_status(nats_client, run_id, RunStatus.RUNNING, test_id=test_id, runner_id=runner.runner_id)
    await publish_status(nats_client, run_id, RunStatus.CANCELLED, reason="Cancelled by a user")
    ended = await eventually(lambda: run_in(http, run_id, "cancelled"))
    assert ended["k6Runs"][0]["status"] == "running"  # its own final event may still come ...

    async def test_ended() -> dict | None:
        k6 = (await http.get(f"/api/runs/{run_id}")).json()["k6Runs"][0]
        return k6 if k6["status"] != "running" else None

    k6 = await eventually(test_ended)  # ... but not forever
    assert (k6["status"], k6["errorDetails"]) == ("cancelled", "The run ended before this test reported its result")
    kv = await nats_client.jetstream().key_value(names.RUNNERS_BUCKET)
    await kv.purge(runner.runner_id)
