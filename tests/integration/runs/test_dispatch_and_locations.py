"""Where runs can go: live runners per location from heartbeats, and 409 when nobody could take a run."""

import pytest

from schema import nats as names
from tests.integration.runs.helpers import clear_heartbeats, put_heartbeat
from tests.support.api import create_job, create_test


@pytest.fixture
async def no_runners(http, nats_client):  # after the app created the bucket
    await clear_heartbeats(nats_client)
    yield
    await clear_heartbeats(nats_client)


async def run_requests(nats_client) -> int:
    return (await nats_client.jetstream().stream_info(names.RUNS_STREAM)).state.last_seq


async def test_no_runner_for_the_location_answers_409_and_creates_nothing(http, nats_client, no_runners):
    test = await create_test(http)
    job = await create_job(http, testIds=[test["id"]], location="eu-central")
    published = await run_requests(nats_client)
    await put_heartbeat(nats_client, "us-east", filtering=True)  # a runner, but only for its own location

    response = await http.post(f"/api/tests/{test['id']}/execute", json={"location": "eu-central"})
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail.startswith("No runner is available in eu-central (EU Central, Frankfurt) right now.")
    assert "queueIfUnavailable: true" in detail
    assert response.json()["extra"]["location"] == "eu-central"
    assert (await http.post("/api/runs", json={"jobId": job["id"]})).status_code == 409
    assert (await http.get("/api/runs")).json()["total"] == 0
    assert await run_requests(nats_client) == published

    # The same runner takes its own location; asking to queue works without any runner.
    own = await http.post(f"/api/tests/{test['id']}/execute", json={"location": "us-east"})
    assert own.status_code == 201, own.text
    queued = await http.post("/api/runs", json={"jobId": job["id"], "queueIfUnavailable": True})
    assert queued.status_code == 201, queued.text
    assert queued.json()["status"] == "queued"
    assert await run_requests(nats_client) == published + 2


async def test_a_runner_without_location_filtering_takes_every_location(http, nats_client, no_runners):
    await put_heartbeat(nats_client, "us-east", filtering=False)
    test = await create_test(http)
    response = await http.post(f"/api/tests/{test['id']}/execute", json={"location": "asia-pacific"})
    assert response.status_code == 201, response.text


async def test_locations_count_live_runners_and_free_slots(http, nats_client, no_runners):
    await put_heartbeat(nats_client, "us-east", capacity=3, active_runs=["a"])
    await put_heartbeat(nats_client, "eu-central", capacity=2)
    await put_heartbeat(nats_client, "asia-pacific", filtering=False, capacity=4, active_runs=["b", "c", "d", "e"])
    gone = await put_heartbeat(nats_client, "eu-central", capacity=5)
    kv = await nats_client.jetstream().key_value(names.RUNNERS_BUCKET)
    await kv.delete(gone.runner_id)  # a runner that said goodbye

    response = await http.get("/api/locations")
    assert response.status_code == 200
    by_code = {loc["code"]: loc for loc in response.json()}
    counts = {code: (loc["runners"], loc["freeSlots"], loc["available"]) for code, loc in by_code.items()}
    assert counts == {
        "us-east": (2, 2, True),  # its own runner (2 free) and the one that runs everything (0 free)
        "eu-central": (2, 2, True),
        "asia-pacific": (1, 0, True),
    }
    assert by_code["eu-central"]["label"] == "EU Central (Frankfurt)"

    await clear_heartbeats(nats_client)
    empty = (await http.get("/api/locations")).json()
    assert {loc["code"]: (loc["runners"], loc["available"]) for loc in empty} == {
        "us-east": (0, False),
        "eu-central": (0, False),
        "asia-pacific": (0, False),
    }
