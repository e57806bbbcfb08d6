"""Every table of the product. Each row a user can see belongs to exactly one project.

Ids are UUIDv7 (time-ordered), timestamps are UTC (advanced-alchemy's audit base).
"""

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC, JsonB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from schema.enums import JobType, RunStatus, RunTrigger, TestType


class Role(StrEnum):
    """What a member or an API key may do in a project (the matrix is in backend/accounts/permissions.py)."""

    OWNER = "owner"
    ADMIN = "admin"
    EDITOR = "editor"
    VIEWER = "viewer"


class TestPriority(StrEnum):
    """Priority of browser/api/database/custom tests; performance tests have none."""

    __test__ = False

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


def _enum(enum: type[StrEnum], name: str) -> sa.Enum:
    """Store an enum as its string value with a CHECK constraint (no native PG enum to migrate)."""
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def _project_fk() -> Mapped[UUID]:
    return mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), nullable=False)


def _org_fk() -> Mapped[UUID]:
    return mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False)


class Organization(UUIDv7AuditBase):
    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(sa.String(200))


class Project(UUIDv7AuditBase):
    """A tenant's workspace. Quotas left empty mean the platform's ceiling (SUPERCHECK_MAX_*)."""

    __tablename__ = "projects"
    __table_args__ = (sa.UniqueConstraint("organization_id", "name", name="uq_projects_org_name"),)

    organization_id: Mapped[UUID] = _org_fk()
    name: Mapped[str] = mapped_column(sa.String(200))
    max_vus: Mapped[int | None] = mapped_column(default=None)
    max_duration_s: Mapped[int | None] = mapped_column(default=None)
    max_concurrent_runs: Mapped[int | None] = mapped_column(default=None)

    organization: Mapped[Organization] = relationship(lazy="joined", innerjoin=True, viewonly=True)


class User(UUIDv7AuditBase):
    """A person who signs in with an email and a password (stored as an Argon2id hash)."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(sa.String(320), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)


class Membership(UUIDv7AuditBase):
    """A user's role in one project."""

    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "project_id", name="uq_memberships_user_project"),)

    user_id: Mapped[UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[UUID] = _org_fk()
    project_id: Mapped[UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "membership_role"))

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True, viewonly=True)


class UserSession(UUIDv7AuditBase):
    """A signed-in browser: the cookie holds a random token, the table only its SHA-256 digest."""

    __tablename__ = "user_sessions"

    user_id: Mapped[UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class Invitation(UUIDv7AuditBase):
    """An admin's invitation of a new person into a project; the token is shown once, stored hashed."""

    __tablename__ = "invitations"

    organization_id: Mapped[UUID] = _org_fk()
    project_id: Mapped[UUID] = mapped_column(sa.ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(320))
    role: Mapped[Role] = mapped_column(_enum(Role, "invitation_role"))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    invited_by_user_id: Mapped[UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )


class ApiKey(UUIDv7AuditBase):
    """A project-scoped key; only its SHA-256 hash is stored, the key itself is shown once."""

    __tablename__ = "api_keys"

    organization_id: Mapped[UUID] = _org_fk()
    project_id: Mapped[UUID] = _project_fk()
    name: Mapped[str] = mapped_column(sa.String(200))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "api_key_role"), default=Role.ADMIN)
    created_by_user_id: Mapped[UUID | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class Test(UUIDv7AuditBase):
    """A script of one of five types; performance tests are k6 scripts."""

    __test__ = False
    __tablename__ = "tests"
    __table_args__ = (
        sa.Index("ix_tests_project_created", "project_id", "created_at"),
        sa.Index("ix_tests_project_type", "project_id", "type"),
    )

    organization_id: Mapped[UUID] = _org_fk()
    project_id: Mapped[UUID] = _project_fk()
    title: Mapped[str] = mapped_column(sa.String(255))
    description: Mapped[str | None] = mapped_column(sa.Text, default=None)
    type: Mapped[TestType] = mapped_column(_enum(TestType, "test_type"))
    script: Mapped[str] = mapped_column(sa.Text)
    tags: Mapped[list[str]] = mapped_column(JsonB, default=list)
    priority: Mapped[TestPriority | None] = mapped_column(_enum(TestPriority, "test_priority"), default=None)


class JobTest(UUIDv7AuditBase):
    """Which tests a job runs, in order."""

    __tablename__ = "job_tests"
    __table_args__ = (sa.UniqueConstraint("job_id", "test_id", name="uq_job_tests_job_test"),)

    job_id: Mapped[UUID] = mapped_column(sa.ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    test_id: Mapped[UUID] = mapped_column(sa.ForeignKey("tests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    test: Mapped[Test] = relationship(lazy="joined", innerjoin=True, viewonly=True)


class Job(UUIDv7AuditBase):
    """A named group of tests of one job type, run together in one location."""

    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_project_created", "project_id", "created_at"),)

    organization_id: Mapped[UUID] = _org_fk()
    project_id: Mapped[UUID] = _project_fk()
    name: Mapped[str] = mapped_column(sa.String(255))
    description: Mapped[str | None] = mapped_column(sa.Text, default=None)
    job_type: Mapped[JobType] = mapped_column(_enum(JobType, "job_type"), default=JobType.PLAYWRIGHT)
    location: Mapped[str | None] = mapped_column(sa.String(50), default=None)

    job_tests: Mapped[list[JobTest]] = relationship(
        lazy="selectin",
        order_by="JobTest.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Run(UUIDv7AuditBase):
    """One execution: a playground run of one test, or a job run of all its tests."""

    __tablename__ = "runs"
    __table_args__ = (
        sa.Index("ix_runs_project_created", "project_id", "created_at"),
        sa.Index("ix_runs_project_status", "project_id", "status"),
        sa.Index("ix_runs_status_deadline", "status", "queue_deadline"),
    )

    organization_id: Mapped[UUID] = _org_fk()
    project_id: Mapped[UUID] = _project_fk()
    job_id: Mapped[UUID | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"), default=None, index=True)
    test_id: Mapped[UUID | None] = mapped_column(
        sa.ForeignKey("tests.id", ondelete="SET NULL"), default=None, index=True
    )
    trigger: Mapped[RunTrigger] = mapped_column(_enum(RunTrigger, "run_trigger"), default=RunTrigger.MANUAL)
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "run_status"), default=RunStatus.QUEUED)
    location: Mapped[str | None] = mapped_column(sa.String(50), default=None, index=True)
    run_metadata: Mapped[dict[str, Any]] = mapped_column("metadata", JsonB, default=dict)
    queue_deadline: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    started_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    completed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    duration_ms: Mapped[int | None] = mapped_column(default=None)
    error_details: Mapped[str | None] = mapped_column(sa.Text, default=None)
    runner_id: Mapped[str | None] = mapped_column(sa.String(100), default=None)
    report_s3_url: Mapped[str | None] = mapped_column(sa.Text, default=None)
    logs_s3_url: Mapped[str | None] = mapped_column(sa.Text, default=None)
    video_s3_url: Mapped[str | None] = mapped_column(sa.Text, default=None)
    screenshots_s3_path: Mapped[str | None] = mapped_column(sa.Text, default=None)

    k6_runs: Mapped[list["K6PerformanceRun"]] = relationship(
        lazy="selectin", order_by="K6PerformanceRun.created_at", viewonly=True
    )


class K6PerformanceRun(UUIDv7AuditBase):
    """The result of one test inside one run: metrics from k6's summary, artifact keys, where it ran."""

    __tablename__ = "k6_performance_runs"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "test_id", name="uq_k6_runs_run_test"),
        sa.Index("ix_k6_runs_project_created", "project_id", "created_at"),
    )

    run_id: Mapped[UUID] = mapped_column(sa.ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    test_id: Mapped[UUID | None] = mapped_column(
        sa.ForeignKey("tests.id", ondelete="SET NULL"), default=None, index=True
    )
    job_id: Mapped[UUID | None] = mapped_column(sa.ForeignKey("jobs.id", ondelete="SET NULL"), default=None, index=True)
    organization_id: Mapped[UUID] = _org_fk()
    project_id: Mapped[UUID] = _project_fk()
    test_title: Mapped[str | None] = mapped_column(sa.String(255), default=None)
    location: Mapped[str | None] = mapped_column(sa.String(50), default=None, index=True)
    runner_id: Mapped[str | None] = mapped_column(sa.String(100), default=None)
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "k6_run_status"), index=True)
    started_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    completed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    duration_ms: Mapped[int | None] = mapped_column(default=None)
    exit_code: Mapped[int | None] = mapped_column(default=None)
    summary_json: Mapped[dict[str, Any] | None] = mapped_column(JsonB, default=None)
    thresholds_passed: Mapped[bool | None] = mapped_column(default=None)
    total_requests: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    failed_requests: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    request_rate: Mapped[float | None] = mapped_column(sa.Double, default=None)
    avg_response_time_ms: Mapped[float | None] = mapped_column(sa.Double, default=None)
    p95_response_time_ms: Mapped[float | None] = mapped_column(sa.Double, default=None)
    p99_response_time_ms: Mapped[float | None] = mapped_column(sa.Double, default=None)
    peak_vus: Mapped[int | None] = mapped_column(default=None)
    iterations: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    checks_passed: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    checks_failed: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    data_sent_bytes: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    data_received_bytes: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    vu_minutes: Mapped[float | None] = mapped_column(sa.Double, default=None)
    report_s3_url: Mapped[str | None] = mapped_column(sa.Text, default=None)
    summary_s3_url: Mapped[str | None] = mapped_column(sa.Text, default=None)
    console_s3_url: Mapped[str | None] = mapped_column(sa.Text, default=None)
    error_details: Mapped[str | None] = mapped_column(sa.Text, default=None)
    console_output: Mapped[str | None] = mapped_column(sa.Text, default=None)
