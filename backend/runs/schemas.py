"""API bodies of the runs domain."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from msgspec import Meta

from backend.lib.text import NO_NUL
from schema.base import CamelStruct
from schema.enums import RunStatus, RunTrigger

LocationCode = Annotated[str, Meta(min_length=1, max_length=50, pattern=NO_NUL)]


class ExecuteTest(CamelStruct, forbid_unknown_fields=True):
    """Run one performance test now (the playground's Run button)."""

    location: LocationCode | None = None
    queue_if_unavailable: bool = False


class TriggerJobRun(CamelStruct, forbid_unknown_fields=True):
    """Run every test of a job; ``location`` defaults to the job's location."""

    job_id: UUID
    location: LocationCode | None = None
    trigger: RunTrigger = RunTrigger.MANUAL
    queue_if_unavailable: bool = False


class K6RunRead(CamelStruct):
    """The result of one test of a run."""

    id: UUID
    run_id: UUID
    test_id: UUID | None
    test_title: str | None
    location: str | None
    status: RunStatus
    started_at: datetime | None
    completed_at: datetime | None
    duration_ms: int | None
    exit_code: int | None
    thresholds_passed: bool | None
    total_requests: int | None
    failed_requests: int | None
    request_rate: float | None
    avg_response_time_ms: float | None
    p95_response_time_ms: float | None
    p99_response_time_ms: float | None
    peak_vus: int | None
    iterations: int | None
    checks_passed: int | None
    checks_failed: int | None
    data_sent_bytes: int | None
    data_received_bytes: int | None
    vu_minutes: float | None
    error_details: str | None
    report_url: str | None
    summary_url: str | None
    console_url: str | None
    summary_json: dict[str, Any] | None


class RunRead(CamelStruct):
    """A run with its timings, location, metadata, artifact URLs and per-test k6 results."""

    id: UUID
    project_id: UUID
    job_id: UUID | None
    test_id: UUID | None
    trigger: RunTrigger
    status: RunStatus
    location: str | None
    metadata: dict[str, Any]
    queue_deadline: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    duration_ms: int | None
    error_details: str | None
    report_url: str | None
    logs_url: str | None
    stream_url: str
    k6_runs: list[K6RunRead]
    created_at: datetime
    updated_at: datetime


class RunCreated(RunRead):
    """A run just triggered; ``runId`` repeats ``id`` for clients of the seed's API."""

    run_id: UUID
