"""Wire messages between backend and runners (JSON via msgspec, camelCase, versioned)."""

from datetime import datetime
from typing import Any

import msgspec

from schema.base import CamelStruct, Message
from schema.enums import RunStatus


class TestSpec(CamelStruct):
    """One test of a run request: everything a runner needs to run it."""

    __test__ = False

    id: str
    title: str
    script: str
    env: dict[str, str] = msgspec.field(default_factory=dict)
    secret_names: list[str] = msgspec.field(default_factory=list)


class RunLimits(CamelStruct):
    """Quotas a runner enforces before any load is generated."""

    max_vus: int
    max_duration_s: int


class RunRequest(Message, kw_only=True):
    """Published once per run on ``supercheck.k6.runs``; a job run carries all its tests."""

    run_id: str
    organization_id: str
    project_id: str
    location: str
    tests: list[TestSpec]
    limits: RunLimits
    requested_at: datetime
    queue_deadline: datetime
    job_id: str | None = None


class K6Metrics(CamelStruct):
    """The numbers of one k6 run, read from its ``--summary-export`` file (None where k6 had no such metric)."""

    total_requests: int | None = None
    failed_requests: int | None = None
    request_rate: float | None = None
    avg_response_time_ms: float | None = None
    p95_response_time_ms: float | None = None
    p99_response_time_ms: float | None = None
    peak_vus: int | None = None
    iterations: int | None = None
    checks_passed: int | None = None
    checks_failed: int | None = None
    data_sent_bytes: int | None = None
    data_received_bytes: int | None = None
    vu_minutes: float | None = None
    thresholds_passed: bool | None = None


class ArtifactKeys(CamelStruct):
    """Where one test's files are in the artifact store (keys inside the performance bucket)."""

    report: str | None = None
    summary: str | None = None
    console: str | None = None


class RunStatusEvent(Message, kw_only=True):
    """A state change of a run, or of one test inside it (``test_id`` set).

    Published on ``supercheck.k6.events.<runId>.status``. Applying one twice changes nothing;
    a run's terminal state is final.
    """

    run_id: str
    status: RunStatus
    at: datetime
    test_id: str | None = None
    test_title: str | None = None
    runner_id: str | None = None
    location: str | None = None
    reason: str | None = None
    exit_code: int | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    duration_ms: int | None = None
    metrics: K6Metrics | None = None
    summary: dict[str, Any] | None = None
    artifacts: ArtifactKeys | None = None
    console_tail: str | None = None


class ConsoleChunk(Message, kw_only=True):
    """A batch of console lines of one test, in order (``seq`` counts chunks per run from 1).

    Published on ``supercheck.k6.events.<runId>.console``.
    """

    run_id: str
    seq: int
    lines: list[str]
    test_id: str | None = None
    truncated: bool = False


class RunnerHeartbeat(Message, kw_only=True):
    """What a runner puts in the ``k6_runners`` bucket under its id, every few seconds."""

    runner_id: str
    location: str
    location_filtering: bool
    capacity: int
    active_runs: list[str]
    version: str
    at: datetime

    @property
    def free_slots(self) -> int:
        return max(0, self.capacity - len(self.active_runs))

    def can_run(self, location: str) -> bool:
        return not self.location_filtering or self.location == location


class CancelRequest(Message, kw_only=True):
    """Sent on ``supercheck.k6.control.<runId>.cancel`` and kept in the ``k6_cancels`` bucket."""

    run_id: str
    reason: str = "Cancelled by a user"
    at: datetime
