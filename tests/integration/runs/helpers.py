"""What a runner would publish, published by hand; SSE parsing; polling with a deadline."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import msgspec
from nats.aio.client import Client as NatsClient

from schema import nats as names
from schema.enums import RunStatus
from schema.messages import ArtifactKeys, ConsoleChunk, K6Metrics, RunnerHeartbeat, RunStatusEvent
from tests.support.api import create_job, create_test


def now() -> datetime:
    return datetime.now(UTC)


async def queued_run(http: httpx.AsyncClient, *, location: str = "eu-central", **fields: Any) -> dict[str, Any]:
    """A playground run of a fresh test, queued whether or not a runner is there."""
    test = await create_test(http, **fields)
    response = await http.post(
        f"/api/tests/{test['id']}/execute", json={"location": location, "queueIfUnavailable": True}
    )
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run


async def queued_job_run(http: httpx.AsyncClient, tests: int, *, location: str = "eu-central") -> dict[str, Any]:
    test_ids = [(await create_test(http, title=f"test {i}"))["id"] for i in range(tests)]
    job = await create_job(http, name="job", testIds=test_ids, location=location)
    response = await http.post("/api/runs", json={"jobId": job["id"], "queueIfUnavailable": True})
    assert response.status_code == 201, response.text
    run: dict[str, Any] = response.json()
    return run


async def publish_status(
    nc: NatsClient,
    run_id: str,
    status: RunStatus,
    *,
    test_id: str | None = None,
    msg_id: str | None = None,
    **fields: Any,
) -> int:
    """Publish a status event as a runner does; returns its stream sequence."""
    event = RunStatusEvent(run_id=run_id, status=status, test_id=test_id, at=fields.pop("at", now()), **fields)
    ack = await nc.jetstream().publish(
        names.status_subject(run_id),
        msgspec.json.encode(event),
        headers={names.HEADER_MSG_ID: msg_id or f"{run_id}:{test_id or 'run'}:{status.value}"},
    )
    return ack.seq


async def publish_console(
    nc: NatsClient, run_id: str, seq: int, lines: list[str], *, test_id: str | None = None, truncated: bool = False
) -> int:
    chunk = ConsoleChunk(run_id=run_id, seq=seq, lines=lines, test_id=test_id, truncated=truncated)
    ack = await nc.jetstream().publish(names.console_subject(run_id), msgspec.json.encode(chunk))
    return ack.seq


def passed_event_fields(test_id: str, *, location: str = "asia-pacific", runner_id: str = "runner-1") -> dict[str, Any]:
    """A full terminal test event: metrics, summary, artifact keys, console tail."""
    return {
        "test_id": test_id,
        "test_title": "homepage",
        "runner_id": runner_id,
        "location": location,
        "exit_code": 0,
        "started_at": now() - timedelta(seconds=30),
        "completed_at": now(),
        "duration_ms": 30_000,
        "metrics": K6Metrics(
            total_requests=1200,
            failed_requests=3,
            request_rate=40.0,
            avg_response_time_ms=12.5,
            p95_response_time_ms=30.25,
            p99_response_time_ms=55.0,
            peak_vus=10,
            iterations=600,
            checks_passed=597,
            checks_failed=3,
            data_sent_bytes=123_456,
            data_received_bytes=7_654_321,
            vu_minutes=5.0,
            thresholds_passed=True,
        ),
        "summary": {"metrics": {"http_reqs": {"count": 1200, "rate": 40.0}}},
        "artifacts": ArtifactKeys(
            report=f"o/p/runs/r/{test_id}/index.html",
            summary=f"o/p/runs/r/{test_id}/summary.json",
            console=f"o/p/runs/r/{test_id}/console.log",
        ),
        "console_tail": "running (30s)\ndefault ✓ [ 100% ]",
    }


async def put_heartbeat(
    nc: NatsClient,
    location: str,
    *,
    filtering: bool = True,
    capacity: int = 3,
    active_runs: list[str] | None = None,
    runner_id: str | None = None,
) -> RunnerHeartbeat:
    beat = RunnerHeartbeat(
        runner_id=runner_id or f"runner-{uuid.uuid4().hex[:8]}",
        location=location,
        location_filtering=filtering,
        capacity=capacity,
        active_runs=active_runs or [],
        version="test",
        at=now(),
    )
    kv = await nc.jetstream().key_value(names.RUNNERS_BUCKET)
    await kv.put(beat.runner_id, msgspec.json.encode(beat))
    return beat


async def clear_heartbeats(nc: NatsClient) -> None:
    """No runner is alive (this suite has its own nats-server, so no other suite's runner is purged)."""
    await nc.jetstream().purge_stream(f"KV_{names.RUNNERS_BUCKET}")


async def events_applied(nc: NatsClient) -> bool:
    """The backend's consumer has applied (acked or terminated) everything published so far."""
    info = await nc.jetstream().consumer_info(names.EVENTS_STREAM, names.BACKEND_EVENTS_CONSUMER)
    return info.num_pending == 0 and info.num_ack_pending == 0
