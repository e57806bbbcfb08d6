"""Runs: trigger (playground test or job), dispatch over NATS, list and read, inside the caller's project."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa
import structlog
from advanced_alchemy.filters import LimitOffset
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from litestar.exceptions import TooManyRequestsException
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from backend.accounts.services import EffectiveQuotas, Principal, effective_quotas
from backend.core.errors import BadRequestError, ConflictError, NotFoundError, ServiceUnavailableError
from backend.core.nats import NatsConnection
from backend.core.settings import Settings
from backend.db.models import Job, K6PerformanceRun, Project, Run, Test
from backend.lib.pagination import NEWEST_FIRST
from backend.locations.services import catalogue_location, live_runners, no_runner_message, runners_for
from backend.runs.dispatch import publish_run_request, publish_status_event, request_cancel
from backend.runs.schemas import K6RunRead, RunCreated, RunRead
from backend.runs.transitions import end_run
from schema.enums import JobType, RunSource, RunStatus, RunTrigger, TestType
from schema.messages import RunLimits, RunRequest, RunStatusEvent, TestSpec

logger = structlog.get_logger()

CANCEL_REASON = "Cancelled by a user"
_CONCURRENCY_RETRY_AFTER_S = 10


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
        self, principal: Principal, page: LimitOffset, where: dict[str, Any], test_id: UUID | None = None
    ) -> tuple[Sequence[Run], int]:
        if test_id is None:
            return await self.get_many_and_count(page, NEWEST_FIRST, project_id=principal.project_id, **where)
        return await self.get_many_and_count(
            page, NEWEST_FIRST, _ran_test(test_id), project_id=principal.project_id, **where
        )

    async def cancel(self, principal: Principal, run_id: UUID, nats: NatsConnection) -> tuple[RunRead, bool]:
        """Cancel a run; returns the run and whether the cancel is still in progress (a runner must stop it)."""
        run = await self.get_in_project(principal, run_id)
        _ensure_cancellable(run)
        unavailable = "Cannot cancel now: the message bus (NATS) is unavailable"
        if not nats.is_connected:
            raise ServiceUnavailableError(unavailable)
        # Kept in k6_cancels first: a runner that claims the run from now on sees it and does not start.
        try:
            await request_cancel(nats.connected_client, str(run.id), CANCEL_REASON)
        except Exception as exc:
            raise ServiceUnavailableError(unavailable) from exc
        session = self.repository.session
        if run.status is RunStatus.QUEUED:
            ended = await end_run(session, run.id, RunStatus.CANCELLED, CANCEL_REASON, only_if=(RunStatus.QUEUED,))
            if ended is not None:
                await session.commit()
                await _announce_cancelled(nats, ended)
                logger.info("run.cancelled", run_id=str(run.id), was="queued")
                return await self.read(principal, run.id), False
            session.expire_all()  # a runner claimed it meanwhile: it must stop it
            run = await self.get_in_project(principal, run_id)
            _ensure_cancellable(run)
        run.run_metadata = {**run.run_metadata, "cancelRequestedAt": datetime.now(UTC).isoformat()}
        await session.commit()
        logger.info("run.cancel_requested", run_id=str(run.id), runner_id=run.runner_id)
        return await self.read(principal, run.id), True

    async def trigger_test_run(
        self,
        principal: Principal,
        test: Test,
        location: str | None,
        settings: Settings,
        nats: NatsConnection,
        *,
        queue_if_unavailable: bool = False,
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
            location=catalogue_location(settings, location).code,
            run_metadata={"source": RunSource.PLAYGROUND.value, "testId": str(test.id), "testTitle": test.title},
        )
        return await self._dispatch(run, [test], settings, nats, queue_if_unavailable=queue_if_unavailable)

    async def trigger_job_run(
        self,
        principal: Principal,
        job: Job,
        location: str | None,
        trigger: RunTrigger,
        settings: Settings,
        nats: NatsConnection,
        *,
        queue_if_unavailable: bool = False,
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
            location=catalogue_location(settings, location or job.location).code,
            run_metadata={
                "source": RunSource.JOB.value,
                "jobName": job.name,
                "jobType": job.job_type.value,
                "testIds": [str(t.id) for t in tests],
            },
        )
        return await self._dispatch(run, tests, settings, nats, queue_if_unavailable=queue_if_unavailable)

    async def _dispatch(
        self, run: Run, tests: list[Test], settings: Settings, nats: NatsConnection, *, queue_if_unavailable: bool
    ) -> Run:
        """Commit the queued run, then publish it; if NATS refuses, the run ends in ``error`` and 503 is raised.

        Unless the caller asked to queue anyway, 409 (and no run) when no live runner can take the location.
        """
        now = datetime.now(UTC)
        run.status = RunStatus.QUEUED
        run.queue_deadline = now + timedelta(seconds=settings.run_queue_timeout_s)
        if not queue_if_unavailable:
            location = run.location or settings.locations[0].code
            await _ensure_runner_available(location, run.queue_deadline, settings, nats)
        session = self.repository.session
        quotas = await _reserve_run_slot(session, run.project_id, settings)
        session.add(run)
        await session.commit()  # the run must exist before a runner can report on it (and ends the slot lock)
        request = RunRequest(
            run_id=str(run.id),
            organization_id=str(run.organization_id),
            project_id=str(run.project_id),
            job_id=str(run.job_id) if run.job_id else None,
            location=run.location or settings.locations[0].code,
            tests=[TestSpec(id=str(t.id), title=t.title, script=t.script) for t in tests],
            limits=RunLimits(max_vus=quotas.max_vus, max_duration_s=quotas.max_duration_s),
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


async def _reserve_run_slot(session: AsyncSession, project_id: UUID, settings: Settings) -> EffectiveQuotas:
    """Lock the project row until the run is committed, so two triggers cannot both take the last slot.

    429 with Retry-After when the project already has its maximum of queued and running runs.
    """
    project = await session.scalar(select(Project).where(Project.id == project_id).with_for_update())
    if project is None:  # the project was deleted while the request was in flight
        raise NotFoundError("Project not found")
    quotas = effective_quotas(project, settings)
    active = await session.scalar(
        select(func.count())
        .select_from(Run)
        .where(Run.project_id == project_id, Run.status.in_([RunStatus.QUEUED, RunStatus.RUNNING]))
    )
    if (active or 0) >= quotas.max_concurrent_runs:
        await session.rollback()
        raise TooManyRequestsException(
            detail=(
                f"This project already has {active} runs queued or running; its limit is "
                f"{quotas.max_concurrent_runs}. Start this one when one of them has finished."
            ),
            headers={"Retry-After": str(_CONCURRENCY_RETRY_AFTER_S)},
            extra={"active": active, "maxConcurrentRuns": quotas.max_concurrent_runs},
        )
    return quotas


async def _ensure_runner_available(code: str, deadline: datetime, settings: Settings, nats: NatsConnection) -> None:
    if not nats.is_connected:
        return  # dispatch fails with 503 below and the run records why
    try:
        heartbeats = await live_runners(nats.js)
    except Exception as exc:
        raise ServiceUnavailableError("Cannot see the runners now: the message bus (NATS) did not answer") from exc
    if not runners_for(code, heartbeats):
        location = catalogue_location(settings, code)
        deadline_text = deadline.isoformat(timespec="seconds")
        raise ConflictError(
            no_runner_message(location, deadline_text), extra={"location": code, "queueDeadline": deadline_text}
        )


def _ensure_cancellable(run: Run) -> None:
    if run.status.is_terminal:
        raise ConflictError(
            f"Run {run.id} already ended as {run.status.value}; there is nothing to cancel",
            extra={"status": run.status.value},
        )


async def _announce_cancelled(nats: NatsConnection, run: Run) -> None:
    """Live viewers learn of the cancel like of any other end (the applier finds the run already cancelled)."""
    event = RunStatusEvent(
        run_id=str(run.id),
        status=RunStatus.CANCELLED,
        at=run.completed_at or datetime.now(UTC),
        reason=CANCEL_REASON,
        location=run.location,
        completed_at=run.completed_at,
    )
    try:
        await publish_status_event(nats.js, event)
    except Exception as exc:  # noqa: BLE001 - the database already holds the outcome
        logger.warning("run.status_publish_failed", run_id=str(run.id), error=str(exc))


def _ran_test(test_id: UUID) -> sa.ColumnElement[bool]:
    """Runs of a test: its playground runs, and job runs that ran it or were asked to."""
    ran = sa.select(K6PerformanceRun.id).where(K6PerformanceRun.run_id == Run.id, K6PerformanceRun.test_id == test_id)
    return sa.or_(
        Run.test_id == test_id,
        sa.exists(ran),
        sa.type_coerce(Run.run_metadata, JSONB).contains({"testIds": [str(test_id)]}),
    )


def artifact_path(run_id: UUID, test_id: UUID, name: str) -> str:
    return f"/api/runs/{run_id}/tests/{test_id}/artifacts/{name}"


def _artifact_url(k6: K6PerformanceRun, key: str | None, name: str) -> str | None:
    return artifact_path(k6.run_id, k6.test_id, name) if key and k6.test_id else None


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
        report_url=_artifact_url(k6, k6.report_s3_url, "index.html"),
        summary_url=_artifact_url(k6, k6.summary_s3_url, "summary.json"),
        console_url=_artifact_url(k6, k6.console_s3_url, "console.log"),
        summary_json=k6.summary_json,
    )


def run_to_read(run: Run) -> RunRead:
    # The run's report and log are those of one of its tests (the first that has them).
    report = next((k for k in run.k6_runs if run.report_s3_url and k.report_s3_url == run.report_s3_url), None)
    logs = next((k for k in run.k6_runs if run.logs_s3_url and k.console_s3_url == run.logs_s3_url), None)
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
        report_url=_artifact_url(report, report.report_s3_url, "index.html") if report else None,
        logs_url=_artifact_url(logs, logs.console_s3_url, "console.log") if logs else None,
        stream_url=f"/api/runs/{run.id}/stream",
        k6_runs=[k6_run_to_read(k) for k in run.k6_runs],
        created_at=run.created_at,
        updated_at=run.updated_at,
    )


def run_to_created(read: RunRead) -> RunCreated:
    return RunCreated(run_id=read.id, **{f: getattr(read, f) for f in read.__struct_fields__})
