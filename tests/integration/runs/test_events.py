"""The status applier: runner events land in the database once, in order, and a terminal state is final."""

import uuid

import sqlalchemy as sa

from backend.db.models import K6PerformanceRun, Run
from schema import nats as names
from schema.enums import RunStatus
from tests.integration.runs.helpers import (
    events_applied,
    passed_event_fields,
    publish_status,
    queued_job_run,
    queued_run,
)
from tests.support.wait import eventually


async def run_status(http, run_id: str, status: str) -> dict | None:
    run = (await http.get(f"/api/runs/{run_id}")).json()
    return run if run["status"] == status else None


async def k6_row(db, run_id: str) -> K6PerformanceRun:
    async with db() as session:
        return (await session.scalars(sa.select(K6PerformanceRun).where(K6PerformanceRun.run_id == run_id))).one()


async def finish_playground_run(http, nats_client) -> tuple[dict, str]:
    """A playground run taken through running -> test running -> test passed -> passed, as a runner reports it."""
    run = await queued_run(http, location="eu-central")
    run_id, test_id = run["id"], run["testId"]
    claimed = {"runner_id": "runner-1", "location": "asia-pacific"}
    await publish_status(nats_client, run_id, RunStatus.RUNNING, **claimed)
    await publish_status(nats_client, run_id, RunStatus.RUNNING, test_id=test_id, **claimed)
    await publish_status(nats_client, run_id, RunStatus.PASSED, **passed_event_fields(test_id))
    await publish_status(nats_client, run_id, RunStatus.PASSED, runner_id="runner-1", duration_ms=31_000)
    await eventually(lambda: run_status(http, run_id, "passed"))
    return run, test_id


async def test_a_run_reported_by_a_runner_stores_every_result(http, nats_client, db):
    run, test_id = await finish_playground_run(http, nats_client)
    got = (await http.get(f"/api/runs/{run['id']}")).json()
    assert got["startedAt"] is not None
    assert got["completedAt"] is not None
    assert got["durationMs"] == 31_000
    assert got["location"] == "eu-central"  # what was asked for ...
    [k6] = got["k6Runs"]
    assert k6["location"] == "asia-pacific"  # ... and where it actually ran
    assert (k6["testId"], k6["status"], k6["exitCode"], k6["durationMs"]) == (test_id, "passed", 0, 30_000)
    assert k6["thresholdsPassed"] is True
    metrics = {key: k6[key] for key in ("totalRequests", "failedRequests", "requestRate", "p95ResponseTimeMs")}
    assert metrics == {"totalRequests": 1200, "failedRequests": 3, "requestRate": 40.0, "p95ResponseTimeMs": 30.25}
    assert (k6["peakVus"], k6["iterations"], k6["checksPassed"], k6["checksFailed"]) == (10, 600, 597, 3)
    assert (k6["dataSentBytes"], k6["dataReceivedBytes"], k6["vuMinutes"]) == (123_456, 7_654_321, 5.0)
    assert (k6["avgResponseTimeMs"], k6["p99ResponseTimeMs"]) == (12.5, 55.0)
    assert k6["summaryJson"] == {"metrics": {"http_reqs": {"count": 1200, "rate": 40.0}}}
    base = f"/api/runs/{run['id']}/tests/{test_id}/artifacts"
    assert (k6["reportUrl"], k6["summaryUrl"], k6["consoleUrl"]) == (
        f"{base}/index.html",
        f"{base}/summary.json",
        f"{base}/console.log",
    )
    assert (got["reportUrl"], got["logsUrl"]) == (f"{base}/index.html", f"{base}/console.log")

    row = await k6_row(db, run["id"])
    assert row.runner_id == "runner-1"
    assert row.console_output == "running (30s)\ndefault ✓ [ 100% ]"
    assert row.report_s3_url == f"o/p/runs/r/{test_id}/index.html"
    async with db() as session:
        stored = await session.get(Run, uuid.UUID(run["id"]))
        assert stored is not None
        assert (stored.runner_id, stored.report_s3_url) == ("runner-1", row.report_s3_url)


async def test_the_same_event_twice_changes_nothing(http, nats_client, db):
    run, test_id = await finish_playground_run(http, nats_client)
    before = await k6_row(db, run["id"])
    run_before = (await http.get(f"/api/runs/{run['id']}")).json()
    # Published again under new message ids, so that JetStream's de-duplication cannot hide it from the applier.
    again = passed_event_fields(test_id)
    again["metrics"].total_requests = 1
    await publish_status(nats_client, run["id"], RunStatus.PASSED, msg_id="again-1", **again)
    await publish_status(nats_client, run["id"], RunStatus.PASSED, msg_id="again-2", duration_ms=1)
    await eventually(lambda: events_applied(nats_client))

    after = await k6_row(db, run["id"])
    assert (after.total_requests, after.updated_at) == (before.total_requests, before.updated_at)
    assert (await http.get(f"/api/runs/{run['id']}")).json() == run_before


async def test_a_replay_after_the_end_cannot_reopen_or_change_the_run(http, nats_client, db):
    run, test_id = await finish_playground_run(http, nats_client)
    run_before = (await http.get(f"/api/runs/{run['id']}")).json()
    for status, test in [
        (RunStatus.RUNNING, None),
        (RunStatus.RUNNING, test_id),
        (RunStatus.FAILED, test_id),
        (RunStatus.ERROR, None),
    ]:
        await publish_status(
            nats_client, run["id"], status, test_id=test, msg_id=f"replay-{status}-{test}", reason="late", exit_code=99
        )
    await eventually(lambda: events_applied(nats_client))
    after = (await http.get(f"/api/runs/{run['id']}")).json()
    assert after == run_before
    assert after["status"] == "passed"
    assert after["k6Runs"][0]["status"] == "passed"


async def test_running_after_passed_is_ignored_and_a_test_event_starts_the_run(http, nats_client, db):
    run = await queued_run(http)
    run_id, test_id = run["id"], run["testId"]
    # The run-level "running" never arrives; the test finishes before its own "running" is applied.
    await publish_status(nats_client, run_id, RunStatus.PASSED, **passed_event_fields(test_id))
    running = await eventually(lambda: run_status(http, run_id, "running"))
    assert running["k6Runs"][0]["status"] == "passed"
    await publish_status(nats_client, run_id, RunStatus.RUNNING, test_id=test_id, runner_id="runner-1")
    await eventually(lambda: events_applied(nats_client))
    row = await k6_row(db, run_id)
    assert row.status is RunStatus.PASSED
    assert row.total_requests == 1200


async def test_a_job_run_records_every_test_and_the_runs_reason(http, nats_client, db):
    run = await queued_job_run(http, tests=2)
    run_id = run["id"]
    first, second = run["metadata"]["testIds"]
    await publish_status(nats_client, run_id, RunStatus.RUNNING, runner_id="runner-2", location="eu-central")
    await publish_status(
        nats_client, run_id, RunStatus.ERROR, test_id=first, exit_code=107, reason="SyntaxError: line 3"
    )
    await publish_status(nats_client, run_id, RunStatus.FAILED, **{**passed_event_fields(second), "exit_code": 99})
    await publish_status(nats_client, run_id, RunStatus.ERROR, reason="1 of 2 tests could not run")
    done = await eventually(lambda: run_status(http, run_id, "error"))
    assert done["errorDetails"] == "1 of 2 tests could not run"
    by_test = {k["testId"]: k for k in done["k6Runs"]}
    assert (by_test[first]["status"], by_test[first]["errorDetails"]) == ("error", "SyntaxError: line 3")
    assert (by_test[second]["status"], by_test[second]["exitCode"]) == ("failed", 99)
    # The first test has no files; the run's report is the first test's that has one.
    assert done["reportUrl"] == f"/api/runs/{run_id}/tests/{second}/artifacts/index.html"
    filtered = (await http.get("/api/runs", params={"testId": second})).json()
    assert [r["id"] for r in filtered["items"]] == [run_id]


async def test_unknown_runs_and_garbage_are_acknowledged_not_retried(http, nats_client):
    ghost = str(uuid.uuid4())
    await publish_status(nats_client, ghost, RunStatus.PASSED)
    js = nats_client.jetstream()
    await js.publish(names.status_subject(ghost), b"not json")
    run = await queued_run(http)
    await js.publish(names.status_subject(str(uuid.uuid4())), b'{"runId": "' + run["id"].encode() + b'"}')
    await eventually(lambda: events_applied(nats_client))
    assert (await http.get(f"/api/runs/{ghost}")).status_code == 404
    assert (await http.get(f"/api/runs/{run['id']}")).json()["status"] == "queued"


async def test_a_tests_result_that_arrives_after_its_runs_end_is_still_recorded(http, nats_client, db):
    # With several backend processes the run-level event can be applied before the test's own final event.
    run = await queued_run(http)
    run_id, test_id = run["id"], run["testId"]
    await publish_status(nats_client, run_id, RunStatus.RUNNING, test_id=test_id, runner_id="runner-1")
    await publish_status(nats_client, run_id, RunStatus.CANCELLED, reason="Cancelled by a user")
    await eventually(lambda: run_status(http, run_id, "cancelled"))
    fields = {**passed_event_fields(test_id), "exit_code": 0, "reason": "Cancelled by a user"}
    await publish_status(nats_client, run_id, RunStatus.CANCELLED, **fields)
    await eventually(lambda: events_applied(nats_client))
    row = await k6_row(db, run_id)
    assert (row.status, row.total_requests, row.error_details) == (RunStatus.CANCELLED, 1200, "Cancelled by a user")
    got = (await http.get(f"/api/runs/{run_id}")).json()
    assert got["reportUrl"] == f"/api/runs/{run_id}/tests/{test_id}/artifacts/index.html"
