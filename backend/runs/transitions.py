"""The run state machine in the database: queued -> running -> one terminal state, never backwards.

Applying a status event locks the run row first, so two backend processes never interleave on one run;
the watchdog and cancel use conditional UPDATEs (``WHERE status IN (...)``) that re-check after any lock.
A duplicate or replayed event finds nothing left to change.
"""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from backend.db.models import K6PerformanceRun, Run, Test
from schema.enums import RunStatus
from schema.messages import RunStatusEvent

ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)

# What apply_status_event did, for the log line.
APPLIED = "applied"
UNCHANGED = "unchanged"
UNKNOWN_RUN = "unknown_run"
UNKNOWN_TEST = "unknown_test"


def _now() -> datetime:
    return datetime.now(UTC)


# duration_ms columns are 32-bit: a bogus clock must not make an UPDATE fail (24 days is far past any quota).
MAX_DURATION_MS = 2**31 - 1


def _clamp_ms(value: int | None) -> int | None:
    return None if value is None else min(max(0, value), MAX_DURATION_MS)


def _elapsed_ms(start: datetime | None, end: datetime) -> int | None:
    return None if start is None else _clamp_ms(int((end - start).total_seconds() * 1000))


async def apply_status_event(session: AsyncSession, event: RunStatusEvent) -> str:
    """Apply one runner event inside the caller's transaction; returns what happened."""
    run = (
        await session.execute(sa.select(Run.__table__).where(Run.id == UUID(event.run_id)).with_for_update())
    ).one_or_none()
    if run is None:
        return UNKNOWN_RUN
    if event.test_id is None:
        return await _apply_run_event(session, run, event)
    return await _apply_test_event(session, run, UUID(event.test_id), event)


async def _apply_run_event(session: AsyncSession, run: sa.Row[Any], event: RunStatusEvent) -> str:
    if RunStatus(run.status).is_terminal:
        return UNCHANGED
    if event.status is RunStatus.QUEUED:
        return UNCHANGED
    if event.status is RunStatus.RUNNING:
        return await _mark_running(session, run, event)
    completed = event.completed_at or event.at
    started = run.started_at or event.started_at
    await session.execute(
        sa.update(Run)
        .where(Run.id == run.id, Run.status.in_(ACTIVE))
        .values(
            status=event.status,
            started_at=started,
            completed_at=completed,
            duration_ms=_clamp_ms(event.duration_ms)
            if event.duration_ms is not None
            else _elapsed_ms(started, completed),
            error_details=event.reason,
            runner_id=sa.func.coalesce(Run.runner_id, event.runner_id),
        )
    )
    # Tests still running are left alone: their own final event (with k6's summary) may be applied by another
    # backend process right after this one. The watchdog ends those that never report (end_stale_tests).
    await fill_run_artifacts(session, run.id)
    return APPLIED


async def _mark_running(session: AsyncSession, run: sa.Row[Any], event: RunStatusEvent) -> str:
    """queued -> running; a running run only learns its runner id if it had none."""
    if run.status == RunStatus.RUNNING and (run.runner_id is not None or event.runner_id is None):
        return UNCHANGED
    await session.execute(
        sa.update(Run)
        .where(Run.id == run.id, Run.status.in_(ACTIVE))
        .values(
            status=RunStatus.RUNNING,
            started_at=sa.func.coalesce(Run.started_at, event.started_at or event.at),
            runner_id=sa.func.coalesce(Run.runner_id, event.runner_id),
        )
    )
    return APPLIED


async def _apply_test_event(session: AsyncSession, run: sa.Row[Any], test_id: UUID, event: RunStatusEvent) -> str:
    owner = await session.scalar(sa.select(Test.project_id).where(Test.id == test_id))
    if owner != run.project_id:  # deleted since, or not a test of this run's project
        return UNKNOWN_TEST
    run_terminal = RunStatus(run.status).is_terminal
    if event.status is RunStatus.QUEUED or (event.status is RunStatus.RUNNING and run_terminal):
        return UNCHANGED
    changed = await _upsert_test_row(session, run, test_id, event)
    if not run_terminal and (changed or run.status == RunStatus.QUEUED):
        # A test that started means the run started, even if its run-level event is late or lost.
        changed = (await _mark_running(session, run, event) == APPLIED) or changed
    if run_terminal and changed and event.status.is_terminal:
        await fill_run_artifacts(session, run.id)  # the run-level event came first
    return APPLIED if changed else UNCHANGED


async def _upsert_test_row(session: AsyncSession, run: sa.Row[Any], test_id: UUID, event: RunStatusEvent) -> bool:
    """One row per (run, test); a running event only creates it, a terminal one fills it once."""
    now = _now()
    started = event.started_at or (event.at if event.status is RunStatus.RUNNING else None)
    values: dict[str, Any] = {
        "run_id": run.id,
        "test_id": test_id,
        "job_id": run.job_id,
        "organization_id": run.organization_id,
        "project_id": run.project_id,
        "test_title": event.test_title,
        "location": event.location,
        "runner_id": event.runner_id,
        "status": event.status,
        "started_at": started,
        "created_at": now,
        "updated_at": now,
    }
    insert = pg_insert(K6PerformanceRun).values(**values, **_result_columns(event))
    table = K6PerformanceRun.__table__
    if event.status is RunStatus.RUNNING:
        stmt = insert.on_conflict_do_nothing(constraint="uq_k6_runs_run_test")
    else:
        updates: dict[str, sa.ColumnElement[Any]] = {
            name: insert.excluded[name] for name in ("status", "updated_at", *_result_columns(event))
        }
        for name in ("test_title", "location", "runner_id", "started_at"):
            updates[name] = sa.func.coalesce(table.c[name], insert.excluded[name])
        stmt = insert.on_conflict_do_update(
            constraint="uq_k6_runs_run_test", set_=updates, where=table.c.status.in_(ACTIVE)
        )
    result = await session.execute(stmt.returning(table.c.id))
    return result.first() is not None


def _result_columns(event: RunStatusEvent) -> dict[str, Any]:
    """Columns a terminal test event fills: metrics, summary, artifact keys, console tail, error."""
    if not event.status.is_terminal:
        return {}
    metrics = msgspec.structs.asdict(event.metrics) if event.metrics else {}
    completed = event.completed_at or event.at
    artifacts = event.artifacts
    return {
        **{field: metrics.get(field) for field in _METRIC_COLUMNS},
        "completed_at": completed,
        "duration_ms": (
            _clamp_ms(event.duration_ms) if event.duration_ms is not None else _elapsed_ms(event.started_at, completed)
        ),
        "exit_code": event.exit_code,
        "summary_json": event.summary,
        "report_s3_url": artifacts.report if artifacts else None,
        "summary_s3_url": artifacts.summary if artifacts else None,
        "console_s3_url": artifacts.console if artifacts else None,
        "console_output": event.console_tail,
        "error_details": event.reason,
    }


_METRIC_COLUMNS = (
    "total_requests",
    "failed_requests",
    "request_rate",
    "avg_response_time_ms",
    "p95_response_time_ms",
    "p99_response_time_ms",
    "peak_vus",
    "iterations",
    "checks_passed",
    "checks_failed",
    "data_sent_bytes",
    "data_received_bytes",
    "vu_minutes",
    "thresholds_passed",
)


async def fill_run_artifacts(session: AsyncSession, run_id: UUID) -> None:
    """A finished run points at the report and console of its first test that has them."""
    run = await session.get(Run, run_id, populate_existing=True)
    if run is None or not run.status.is_terminal or run.report_s3_url or run.logs_s3_url:
        return
    rows = (await session.scalars(sa.select(K6PerformanceRun).where(K6PerformanceRun.run_id == run_id))).all()
    order = [str(t) for t in run.run_metadata.get("testIds") or [run.test_id]]
    rows = sorted(rows, key=lambda r: order.index(str(r.test_id)) if str(r.test_id) in order else len(order))
    first = next((r for r in rows if r.report_s3_url or r.console_s3_url), None)
    if first is not None:
        await session.execute(
            sa.update(Run)
            .where(Run.id == run_id)
            .values(report_s3_url=first.report_s3_url, logs_s3_url=first.console_s3_url)
        )


async def end_active_tests(session: AsyncSession, run_id: UUID, status: RunStatus, reason: str) -> None:
    """Tests still queued or running in a run that just ended end with it."""
    await session.execute(
        sa.update(K6PerformanceRun)
        .where(K6PerformanceRun.run_id == run_id, K6PerformanceRun.status.in_(ACTIVE))
        .values(status=status, error_details=reason, completed_at=_now())
    )


async def end_run(
    session: AsyncSession, run_id: UUID, status: RunStatus, reason: str, *, only_if: tuple[RunStatus, ...]
) -> Run | None:
    """End a run the backend decided about (cancel, watchdog), only if it is still in ``only_if``.

    Returns the ended run, or None when another process or event got there first.
    """
    now = _now()
    ended = await session.scalar(
        sa.update(Run)
        .where(Run.id == run_id, Run.status.in_(only_if))
        .values(
            status=status,
            error_details=reason,
            completed_at=now,
            duration_ms=sa.func.least(
                sa.cast(sa.func.extract("epoch", now - Run.started_at) * 1000, sa.BigInteger), MAX_DURATION_MS
            ),
        )
        .returning(Run)
        .execution_options(populate_existing=True)
    )
    if ended is not None:
        await end_active_tests(session, run_id, status, reason)
    return ended


async def end_stale_tests(session: AsyncSession, older_than: datetime) -> int:
    """Tests still queued or running in runs that ended before ``older_than`` end as their run did."""
    run = sa.orm.aliased(Run)
    ended_run = (
        sa.select(run.status)
        .where(run.id == K6PerformanceRun.run_id, run.status.not_in(ACTIVE), run.completed_at < older_than)
        .scalar_subquery()
    )
    result = await session.execute(
        sa.update(K6PerformanceRun)
        .where(K6PerformanceRun.status.in_(ACTIVE), ended_run.is_not(None))
        .values(
            status=sa.case((ended_run == RunStatus.CANCELLED, RunStatus.CANCELLED), else_=RunStatus.ERROR),
            error_details="The run ended before this test reported its result",
            completed_at=_now(),
        )
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
