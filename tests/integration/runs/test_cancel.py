"""Cancelling a run: queued ends at once, running is handed to its runner, finished cannot be cancelled."""

import uuid

import msgspec

from schema import nats as names
from schema.enums import RunStatus
from schema.messages import CancelRequest, RunStatusEvent
from tests.integration.runs.helpers import publish_status, queued_run
from tests.support.wait import eventually


async def listen_for_cancel(nats_client, run_id: str) -> list[CancelRequest]:
    """Listen on the control subject of one run, as a runner does; returns what arrives, as it arrives."""
    received: list[CancelRequest] = []

    async def on_cancel(msg) -> None:
        received.append(msgspec.json.decode(msg.data, type=CancelRequest))

    await nats_client.subscribe(names.cancel_subject(run_id), cb=on_cancel)
    await nats_client.flush()
    return received


async def arrived(received: list[CancelRequest]) -> list[CancelRequest]:
    return received


async def kept_cancel(nats_client, run_id: str) -> CancelRequest:
    kv = await nats_client.jetstream().key_value(names.CANCELS_BUCKET)
    return msgspec.json.decode((await kv.get(run_id)).value, type=CancelRequest)


async def test_cancelling_a_queued_run_ends_it_at_once(http, nats_client):
    run = await queued_run(http)
    received = await listen_for_cancel(nats_client, run["id"])
    response = await http.post(f"/api/runs/{run['id']}/cancel")
    assert response.status_code == 200, response.text
    cancelled = response.json()
    assert (cancelled["status"], cancelled["errorDetails"]) == ("cancelled", "Cancelled by a user")
    assert cancelled["completedAt"] is not None
    # A runner that claims it now sees the cancel in the bucket and never starts it.
    assert (await kept_cancel(nats_client, run["id"])).run_id == run["id"]
    assert [c.run_id for c in await eventually(lambda: arrived(received))] == [run["id"]]
    last = await nats_client.jetstream().get_last_msg(names.EVENTS_STREAM, names.status_subject(run["id"]))
    event = msgspec.json.decode(last.data, type=RunStatusEvent)
    assert (event.status, event.test_id) == (RunStatus.CANCELLED, None)
    assert (await http.get(f"/api/runs/{run['id']}")).json()["status"] == "cancelled"


async def test_cancelling_a_running_run_asks_its_runner(http, nats_client):
    run = await queued_run(http)
    await publish_status(nats_client, run["id"], RunStatus.RUNNING, runner_id="runner-1", location="eu-central")

    async def running() -> bool:
        return (await http.get(f"/api/runs/{run['id']}")).json()["status"] == "running"

    await eventually(running)
    received = await listen_for_cancel(nats_client, run["id"])
    response = await http.post(f"/api/runs/{run['id']}/cancel")
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "running"  # until the runner reports it stopped
    assert body["metadata"]["cancelRequestedAt"]
    assert (await kept_cancel(nats_client, run["id"])).reason == "Cancelled by a user"
    assert [c.run_id for c in await eventually(lambda: arrived(received))] == [run["id"]]

    await publish_status(nats_client, run["id"], RunStatus.CANCELLED, reason="Cancelled by a user")

    async def cancelled() -> bool:
        return (await http.get(f"/api/runs/{run['id']}")).json()["status"] == "cancelled"

    await eventually(cancelled)


async def test_a_finished_run_cannot_be_cancelled(http, nats_client):
    run = await queued_run(http)
    await publish_status(nats_client, run["id"], RunStatus.PASSED, runner_id="runner-1")

    async def passed() -> bool:
        return (await http.get(f"/api/runs/{run['id']}")).json()["status"] == "passed"

    await eventually(passed)
    response = await http.post(f"/api/runs/{run['id']}/cancel")
    assert response.status_code == 409
    assert response.json()["detail"] == f"Run {run['id']} already ended as passed; there is nothing to cancel"
    assert (await http.get(f"/api/runs/{run['id']}")).json()["status"] == "passed"


async def test_cancel_of_an_unknown_or_foreign_run_is_not_found(http, stranger):
    run = await queued_run(http)
    assert (await stranger.post(f"/api/runs/{run['id']}/cancel")).status_code == 404
    assert (await http.post(f"/api/runs/{uuid.uuid4()}/cancel")).status_code == 404
    assert (await http.get(f"/api/runs/{run['id']}")).json()["status"] == "queued"
