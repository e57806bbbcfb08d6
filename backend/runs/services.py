"""Runs: trigger (playground test or job), dispatch over NATS, list and read, inside the caller's project."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import structlog
from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService

from backend.accounts.services import Principal
from backend.core.errors import BadRequestError, NotFoundError, ServiceUnavailableError
from backend.core.nats import NatsConnection
from backend.core.settings import Settings
from backend.db.models import Job, K6PerformanceRun, Run, Test
from backend.lib.pagination import NEWEST_FIRST
from backend.runs.dispatch import publish_run_request
from backend.runs.schemas import K6RunRead, RunCreated, RunRead
from schema.enums import JobType, RunSource, RunStatus, RunTrigger, TestType
from schema.messages import RunLimits, RunRequest, TestSpec

logger = structlog.get_logger()


class RunService(SQLAlchemyAsyncRepositoryService[Run]):
    """Runs of one project."""

    class Repo(SQLAlchemyAsyncRepository[Run]):
        model_type = Run

    repository_type = Repo

    async def get_in_project(self, principal: Principal, run_id: UUID) -> Run:
        run = await self.get_one_or_none(id=run_id, project_id=principal.project_id)
        if run is None:
            raise NotFoundError(f"Run {run_id} not found")
        return run

    async def read(self, principal: Principal, run_id: UUID) -> RunRead:
        """The run as the API shows it, re-read with its per-test results."""
        self.repository.session.expire_all()
        return run_to_read(await self.get_in_project(principal, run_id))

    async def list_in_project(
        self, principal: Principal, page: LimitOffset, where: dict[str, Any]
    ) -> tuple[Sequence[Run], int]:
        return await self.get_many_and_count(page, NEWEST_FIRST, project_id=principal.project_id, **where)

    async def trigger_test_run(
        self, principal: Principal, test: Test, location: str | None, settings: Settings, nats: NatsConnection
    ) -> Run:
        if test.type is not TestType.PERFORMANCE:
            raise BadRequestError(
                f"Only performance tests run here; this test is of type {test.type.value}",
            )
        run = Run(
            organization_id=principal.organization_id,
            project_id=principal.project_id,
            test_id=test.id,
            trigger=RunTrigger.MANUAL,
            location=_resolve_location(location, settings),
            run_metadata={"source": RunSource.PLAYGROUND.value, "testId": str(test.id), "testTitle": test.title},
        )
        return await self._dispatch(run, [test], settings, nats)

    async def trigger_job_run(
        self,
        principal: Principal,
        job: Job,
        location: str | None,
        trigger: RunTrigger,
        settings: Settings,
        nats: NatsConnection,
    ) -> Run:
        if job.job_type is not JobType.K6:
            raise BadRequestError("Only k6 jobs run here; this job is a Playwright job")
        tests = [jt.test for jt in job.job_tests]
        if not tests:
            raise BadRequestError("This job has no tests: add at least one performance test")
        run = Run(
            organization_id=principal.organization_id,
            project_id=principal.project_id,
            job_id=job.id,
            trigger=trigger,
            location=_resolve_location(location or job.location, settings),
            run_metadata={
                "source": RunSource.JOB.value,
                "jobName": job.name,
                "jobType": job.job_type.value,
                "testIds": [str(t.id) for t in tests],
            },
        )
        return await self._dispatch(run, tests, settings, nats)

    async def _dispatch(self, run: Run, tests: list[Test], settings: Settings, nats: NatsConnection) -> Run:
        """Commit the queued run, then publish it; if NATS refuses, the run ends in ``error`` and 503 is raised."""
        now = datetime.now(UTC)
        run.status = RunStatus.QUEUED
        run.queue_deadline = now + timedelta(seconds=settings.run_queue_timeout_s)
        session = self.repository.session
        session.add(run)
        await session.commit()  # the run must exist before a runner can report on it
        request = RunRequest(
            run_id=str(run.id),
            organization_id=str(run.organization_id),
            project_id=str(run.project_id),
            job_id=str(run.job_id) if run.job_id else None,
            location=run.location or settings.locations[0].code,
            tests=[TestSpec(id=str(t.id), title=t.title, script=t.script) for t in tests],
            limits=RunLimits(max_vus=settings.max_vus, max_duration_s=settings.max_duration_s),
            requested_at=now,
            queue_deadline=run.queue_deadline,
        )
        try:
            if not nats.is_connected:
                raise ConnectionError("not connected")  # noqa: TRY301 - one failure path for both cases
            await publish_run_request(nats.js, request)
        except Exception as exc:
            reason = f"Could not dispatch the run: the message bus (NATS) is unavailable ({type(exc).__name__})"
            run.status = RunStatus.ERROR
            run.error_details = reason
            run.completed_at = datetime.now(UTC)
            await session.commit()
            logger.warning("run.dispatch_failed", run_id=str(run.id), error=str(exc))
            raise ServiceUnavailableError(reason, extra={"runId": str(run.id)}) from exc
        logger.info("run.queued", run_id=str(run.id), location=run.location, tests=len(tests))
        return run


def _resolve_location(location: str | None, settings: Settings) -> str:
    if location is None:
        return settings.locations[0].code
    if settings.location(location) is None:
        known = ", ".join(loc.code for loc in settings.locations)
        raise BadRequestError(f"Unknown location {location!r}; known locations: {known}")
    return location


def k6_run_to_read(k6: K6PerformanceRun) -> K6RunRead:
    return K6RunRead(
        id=k6.id,
        run_id=k6.run_id,
        test_id=k6.test_id,
        test_title=k6.test_title,
        location=k6.location,
        status=k6.status,
        started_at=k6.started_at,
        completed_at=k6.completed_at,
        duration_ms=k6.duration_ms,
        exit_code=k6.exit_code,
        thresholds_passed=k6.thresholds_passed,
        total_requests=k6.total_requests,
        failed_requests=k6.failed_requests,
        request_rate=k6.request_rate,
        avg_response_time_ms=k6.avg_response_time_ms,
        p95_response_time_ms=k6.p95_response_time_ms,
        p99_response_time_ms=k6.p99_response_time_ms,
        peak_vus=k6.peak_vus,
        iterations=k6.iterations,
        checks_passed=k6.checks_passed,
        checks_failed=k6.checks_failed,
        data_sent_bytes=k6.data_sent_bytes,
        data_received_bytes=k6.data_received_bytes,
        vu_minutes=k6.vu_minutes,
        error_details=k6.error_details,
        report_url=None,
        summary_url=None,
        console_url=None,
        summary_json=k6.summary_json,
    )


def run_to_read(run: Run) -> RunRead:
    return RunRead(
        id=run.id,
        project_id=run.project_id,
        job_id=run.job_id,
        test_id=run.test_id,
        trigger=run.trigger,
        status=run.status,
        location=run.location,
        metadata=run.run_metadata,
        queue_deadline=run.queue_deadline,
        started_at=run.started_at,
        completed_at=run.completed_at,
        duration_ms=run.duration_ms,
        error_details=run.error_details,
        report_url=None,
        logs_url=None,
        stream_url=f"/api/runs/{run.id}/stream",
        k6_runs=[k6_run_to_read(k) for k in run.k6_runs],
        created_at=run.created_at,
        updated_at=run.updated_at,
    )


def run_to_created(read: RunRead) -> RunCreated:
    return RunCreated(run_id=read.id, **{f: getattr(read, f) for f in read.__struct_fields__})
