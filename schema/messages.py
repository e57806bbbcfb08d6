"""Wire messages between backend and runners (JSON via msgspec, camelCase, versioned)."""

from datetime import datetime

import msgspec

from schema.base import CamelStruct, Message


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
