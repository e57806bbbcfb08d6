"""Triggering runs: validation, the queued run, and the RunRequest published on the one subject.

Dispatch answers 409 when no live runner can take the location, so the tests that dispatch have a
synthetic runner heartbeat (``live_runner``); the 409 itself is tested in tests/integration/runs.
"""

import dataclasses

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from backend.app import create_app
from ops.services import free_port
from schema import nats as names
from schema.messages import RunRequest
from tests.conftest import new_project_key
from tests.support.api import create_job, create_test

MISSING = "0190b5a0-0000-7000-8000-000000000000"


async def last_run_request(nats_client) -> tuple[RunRequest, dict[str, str]]:
    msg = await nats_client.jetstream().get_last_msg(names.RUNS_STREAM, names.RUNS_SUBJECT)
    return msgspec.json.decode(msg.data, type=RunRequest), dict(msg.headers or {})


async def test_execute_queues_a_playground_run_and_publishes_it(api, nats_client, live_runner):
    test = await create_test(api, title="homepage")
    response = await api.post(f"/api/tests/{test['id']}/execute", json={"location": "eu-central"})
    assert response.status_code == 201, response.text
    run = response.json()
    assert run["status"] == "queued"
    assert run["runId"] == run["id"]
    assert run["location"] == "eu-central"
    assert run["testId"] == test["id"]
    assert run["jobId"] is None
    assert run["metadata"]["source"] == "playground"
    assert run["queueDeadline"] is not None
    assert run["k6Runs"] == []

    request, headers = await last_run_request(nats_client)
    assert request.run_id == run["id"]
    assert request.location == "eu-central"
    assert [t.id for t in request.tests] == [test["id"]]
    assert request.tests[0].script == test["script"]
    assert headers[names.HEADER_LOCATION] == "eu-central"
    assert headers[names.HEADER_MSG_ID] == run["id"]


async def test_execute_defaults_to_the_first_location(api, live_runner):
    test = await create_test(api)
    response = await api.post(f"/api/tests/{test['id']}/execute")
    assert response.status_code == 201, response.text
    assert response.json()["location"] == "us-east"


async def test_execute_validates_test_and_location(api):
    assert (await api.post(f"/api/tests/{MISSING}/execute", json={})).status_code == 404
    test = await create_test(api)
    response = await api.post(f"/api/tests/{test['id']}/execute", json={"location": "moon"})
    assert response.status_code == 400
    assert "moon" in response.json()["detail"]
    browser = await create_test(api, type="browser", script="x()")
    assert (await api.post(f"/api/tests/{browser['id']}/execute", json={})).status_code == 400
    assert (await api.get("/api/runs")).json()["total"] == 0


async def test_job_run_carries_every_test_of_the_job(api, nats_client, live_runner):
    tests = [await create_test(api, title=f"t{i}") for i in range(3)]
    job = await create_job(api, name="three", location="asia-pacific", testIds=[t["id"] for t in tests])
    response = await api.post("/api/runs", json={"jobId": job["id"]})
    assert response.status_code == 201, response.text
    run = response.json()
    assert (run["jobId"], run["location"], run["status"]) == (job["id"], "asia-pacific", "queued")
    assert run["metadata"]["jobName"] == "three"

    request, _ = await last_run_request(nats_client)
    assert request.run_id == run["id"]
    assert request.job_id == job["id"]
    assert [t.id for t in request.tests] == [t["id"] for t in tests]

    other = await api.post("/api/runs", json={"jobId": job["id"], "location": "us-east"})
    assert other.json()["location"] == "us-east"


async def test_job_run_is_validated(api):
    assert (await api.post("/api/runs", json={"jobId": MISSING})).status_code == 404
    empty = await create_job(api, name="empty")
    response = await api.post("/api/runs", json={"jobId": empty["id"]})
    assert response.status_code == 400
    assert "no tests" in response.json()["detail"]
    job = await create_job(api, testIds=[(await create_test(api))["id"]])
    assert (await api.post("/api/runs", json={"jobId": job["id"], "location": "nowhere"})).status_code == 400
    pw = await create_job(api, jobType="playwright")
    assert (await api.post("/api/runs", json={"jobId": pw["id"]})).status_code == 400
    assert (await api.post("/api/runs", json={})).status_code == 400
    assert (await api.get("/api/runs")).json()["total"] == 0


async def test_runs_list_filters_and_get(api, live_runner):
    test = await create_test(api)
    other_test = await create_test(api, title="other")
    job = await create_job(api, testIds=[test["id"]])
    playground = (await api.post(f"/api/tests/{test['id']}/execute", json={"location": "eu-central"})).json()
    job_run = (await api.post("/api/runs", json={"jobId": job["id"]})).json()
    other_run = (await api.post(f"/api/tests/{other_test['id']}/execute", json={})).json()

    everything = (await api.get("/api/runs")).json()
    assert [r["id"] for r in everything["items"]] == [other_run["id"], job_run["id"], playground["id"]]
    assert (await api.get("/api/runs", params={"jobId": job["id"]})).json()["items"][0]["id"] == job_run["id"]
    by_location = (await api.get("/api/runs", params={"location": "eu-central"})).json()
    assert [r["id"] for r in by_location["items"]] == [playground["id"]]
    assert (await api.get("/api/runs", params={"status": "passed"})).json()["total"] == 0
    assert (await api.get("/api/runs", params={"status": "queued"})).json()["total"] == 3
    # A test's runs are its playground runs and the job runs that include it.
    by_test = (await api.get("/api/runs", params={"testId": test["id"]})).json()
    assert [r["id"] for r in by_test["items"]] == [job_run["id"], playground["id"]]
    assert by_test["total"] == 2

    fetched = (await api.get(f"/api/runs/{playground['id']}")).json()
    assert fetched["id"] == playground["id"]
    assert fetched["streamUrl"] == f"/api/runs/{playground['id']}/stream"
    assert (await api.get(f"/api/runs/{MISSING}")).status_code == 404


@pytest.fixture
async def api_without_nats(settings, db):
    """The backend pointed at a NATS address where nothing listens."""
    app = create_app(dataclasses.replace(settings, nats_url=f"nats://127.0.0.1:{free_port()}"))
    async with AsyncTestClient(app=app) as client:
        _, key = await new_project_key(db)
        client.headers["Authorization"] = f"Bearer {key}"
        yield client


async def test_queue_if_unavailable_queues_without_any_runner(api, nats_client):
    test = await create_test(api)
    response = await api.post(f"/api/tests/{test['id']}/execute", json={"queueIfUnavailable": True})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "queued"
    request, _ = await last_run_request(nats_client)
    assert request.run_id == response.json()["id"]


async def test_unreachable_nats_gives_503_and_the_run_ends_in_error(api_without_nats):
    api = api_without_nats
    ready = await api.get("/ready")
    assert ready.status_code == 503
    assert ready.json()["nats"] == "unavailable"
    test = await create_test(api)
    response = await api.post(f"/api/tests/{test['id']}/execute", json={})
    assert response.status_code == 503
    assert "NATS" in response.json()["detail"]
    runs = (await api.get("/api/runs")).json()["items"]
    assert len(runs) == 1
    assert runs[0]["status"] == "error"
    assert "NATS" in runs[0]["errorDetails"]


async def test_a_nul_character_in_a_location_is_refused_with_400(api):
    # PostgreSQL cannot compare text with NUL: the fuzzer's NUL location filter answered 409 from the database.
    assert (await api.get("/api/runs", params={"location": "\x00"})).status_code == 400
    test = await create_test(api)
    assert (await api.post(f"/api/tests/{test['id']}/execute", json={"location": "us\x00"})).status_code == 400
