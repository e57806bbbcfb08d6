"""One run, top to bottom: claim → for each test (quota → k6 → console → summary → artifacts → event) → final event.

Nothing here raises to the caller except cancellation at shutdown: every path ends in a
published terminal event with a reason, so a run never silently disappears.
"""

import asyncio
import contextlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import structlog
from nats.js.errors import KeyWrongLastSequenceError
from nats.js.kv import KeyValue

from runner.cancel import CancelWatcher
from runner.console import ConsoleLog, ConsoleStream
from runner.events import EventPublisher, now
from runner.k6.process import run_k6
from runner.k6.requirements import ScriptError, execution_requirements
from runner.k6.summary import SummaryError, read_summary
from runner.settings import RunnerSettings
from schema import artifacts
from schema.artifacts import ArtifactStore
from schema.enums import RunStatus
from schema.messages import ArtifactKeys, K6Metrics, RunRequest, RunStatusEvent, TestSpec
from schema.sandbox import Jail

logger = structlog.get_logger()

SCRIPT_NAME = "script.js"
_GRACEFUL_STOP_MARGIN_S = 45.0  # k6's default gracefulStop (30 s) plus teardown and summary


@dataclass(frozen=True, slots=True)
class RunContext:
    """What every run of this runner shares."""

    settings: RunnerSettings
    events: EventPublisher
    store: ArtifactStore
    cancels: CancelWatcher
    claims: KeyValue
    stopping: asyncio.Event


@dataclass(slots=True)
class TestOutcome:
    __test__ = False

    status: RunStatus
    reason: str | None = None
    exit_code: int | None = None


async def claim(claims: KeyValue, run_id: str, runner_id: str) -> bool:
    """Exactly one runner runs a request: the first to create the run's key in ``k6_claims`` wins."""
    try:
        await claims.create(run_id, runner_id.encode())
    except KeyWrongLastSequenceError:
        return False
    return True


async def execute_run(request: RunRequest, ctx: RunContext) -> None:
    if not await claim(ctx.claims, request.run_id, ctx.settings.runner_id):
        logger.warning("run.already_claimed", run_id=request.run_id)
        return
    cancelled = ctx.cancels.watch(request.run_id)
    started = now()
    try:
        if await ctx.cancels.is_cancelled(request.run_id):
            await _finish(request, ctx, started, RunStatus.CANCELLED, ctx.cancels.reason(request.run_id))
            return
        await ctx.events.status(
            RunStatusEvent(
                run_id=request.run_id,
                status=RunStatus.RUNNING,
                at=now(),
                runner_id=ctx.settings.runner_id,
                location=ctx.settings.location,
                started_at=started,
            )
        )
        outcomes = await _run_tests(request, ctx, cancelled)
        status, reason = _combine(outcomes)
        await _finish(request, ctx, started, status, reason)
    except asyncio.CancelledError:
        reason = f"Runner {ctx.settings.runner_id} shut down while the run was in progress"
        await asyncio.shield(_finish(request, ctx, started, RunStatus.ERROR, reason))
        raise
    except Exception as exc:
        logger.exception("run.failed_unexpectedly", run_id=request.run_id)
        await _finish(request, ctx, started, RunStatus.ERROR, f"The runner failed: {type(exc).__name__}: {exc}")
    finally:
        ctx.cancels.forget(request.run_id)


async def _run_tests(request: RunRequest, ctx: RunContext, cancelled: asyncio.Event) -> list[TestOutcome]:
    console = ConsoleStream(
        request.run_id,
        ctx.events.console,
        max_bytes=ctx.settings.console_max_bytes,
        max_lines_per_s=ctx.settings.console_max_lines_per_s,
    )
    flusher = asyncio.create_task(console.flush_periodically())
    outcomes: list[TestOutcome] = []
    try:
        for test in request.tests:
            if cancelled.is_set() or await ctx.cancels.is_cancelled(request.run_id):
                outcome = TestOutcome(RunStatus.CANCELLED, ctx.cancels.reason(request.run_id))
                await _test_event(request, ctx, test, outcome, started=None)
            else:
                outcome = await run_test(request, test, ctx, console, cancelled)
            outcomes.append(outcome)
    finally:
        flusher.cancel()
        await console.close()
    return outcomes


def _combine(outcomes: list[TestOutcome]) -> tuple[RunStatus, str | None]:
    """The run's state from its tests': cancelled, else error, else failed, else passed."""
    for status in (RunStatus.CANCELLED, RunStatus.ERROR, RunStatus.FAILED):
        hit = [o for o in outcomes if o.status is status]
        if hit:
            reasons = "; ".join(o.reason for o in hit if o.reason)
            return status, reasons or None
    return RunStatus.PASSED, None


async def run_test(
    request: RunRequest, test: TestSpec, ctx: RunContext, console: ConsoleStream, cancelled: asyncio.Event
) -> TestOutcome:
    """One test in a fresh private directory, k6's jail (``RUNNER_K6_SANDBOX``), removed afterwards."""
    started = now()
    await _test_event(request, ctx, test, TestOutcome(RunStatus.RUNNING), started=started)
    log = ConsoleLog(ctx.settings.console_log_max_bytes)

    async def on_line(line: str) -> None:
        log.add(line)
        await console.line(test.id, line)

    await on_line(f"▶ {test.title}: k6 in {ctx.settings.location} on runner {ctx.settings.runner_id}")
    # Others may pass through (k6 may run as another uid) but not list it; each test's directory is 0700.
    ctx.settings.work_dir.mkdir(parents=True, exist_ok=True, mode=0o711)
    with ctx.settings.sandbox.temporary_jail(ctx.settings.work_dir, prefix=f"{request.run_id}-") as jail:
        (jail.directory / SCRIPT_NAME).write_text(test.script)
        outcome, metrics, summary = await _run_k6(request, test, ctx, jail, on_line, cancelled)
        keys = await _upload(request, test, ctx, jail.directory, log)
    await _test_event(
        request, ctx, test, outcome, started=started, metrics=metrics, summary=summary, keys=keys, tail=log.tail()
    )
    return outcome


async def _run_k6(
    request: RunRequest,
    test: TestSpec,
    ctx: RunContext,
    jail: Jail,
    on_line: Any,
    cancelled: asyncio.Event,
) -> tuple[TestOutcome, K6Metrics | None, dict[str, Any] | None]:
    settings = ctx.settings
    run_dir = jail.directory
    max_vus = min(request.limits.max_vus, settings.max_vus)
    max_duration_s = min(request.limits.max_duration_s, settings.max_duration_s)
    try:
        needs = await execution_requirements(settings.k6_bin_path, run_dir, SCRIPT_NAME, jail=jail)
    except ScriptError as exc:
        await on_line(f"✗ {exc}")
        return TestOutcome(RunStatus.ERROR, f"Script error: {exc}"), None, None
    over = _over_quota(needs.max_vus, needs.total_duration_s, max_vus, max_duration_s)
    if over:
        await on_line(f"✗ {over}")
        return TestOutcome(RunStatus.ERROR, over), None, None
    wall = time.monotonic()
    result = await run_k6(
        settings.k6_bin_path,
        run_dir,
        SCRIPT_NAME,
        test_env=test.env,
        on_line=on_line,
        timeout_s=min(needs.total_duration_s, max_duration_s) + _GRACEFUL_STOP_MARGIN_S,
        blocked_cidrs=settings.blocked_cidrs,
        blocked_hostnames=settings.blocked_hostnames,
        dashboard_period_s=settings.dashboard_period_s,
        kill_grace_s=settings.cancel_grace_s,
        cancel=cancelled,
        run_id=request.run_id,
        test_id=test.id,
        jail=jail,
    )
    metrics, summary = None, None
    if result.summary_path is not None:
        with contextlib.suppress(SummaryError, OSError, msgspec.DecodeError):
            metrics = read_summary(result.summary_path, wall_duration_s=time.monotonic() - wall)
            summary = msgspec.json.decode(result.summary_path.read_bytes())
    reason = result.reason
    if result.cancelled:
        reason = ctx.cancels.reason(request.run_id)
    return TestOutcome(result.status, reason, result.exit_code), metrics, summary


def _over_quota(vus: int, duration_s: float, max_vus: int, max_duration_s: int) -> str | None:
    if vus > max_vus:
        return f"The script needs {vus} VUs; the limit is {max_vus}. No load was generated."
    if duration_s > max_duration_s:
        return f"The script runs for {duration_s:.0f} s; the limit is {max_duration_s} s. No load was generated."
    return None


async def _upload(request: RunRequest, test: TestSpec, ctx: RunContext, run_dir: Path, log: ConsoleLog) -> ArtifactKeys:
    """Upload what exists; a failed upload is said in the console and leaves that key empty."""

    def key(name: str) -> str:
        return artifacts.artifact_key(request.organization_id, request.project_id, request.run_id, test.id, name)

    uploaded: dict[str, str] = {}
    for name in (artifacts.REPORT, artifacts.SUMMARY):
        path = run_dir / name
        if not path.exists() or path.stat().st_size == 0:
            continue
        try:
            await ctx.store.put_file(key(name), path, artifacts.ARTIFACT_CONTENT_TYPES[name])
        except Exception as exc:  # noqa: BLE001 - said in the console; the run still reports
            log.add(f"✗ could not upload {name}: {exc}")
            logger.warning("artifacts.upload_failed", run_id=request.run_id, name=name, error=str(exc))
        else:
            uploaded[name] = key(name)
    try:
        await ctx.store.put_bytes(key(artifacts.CONSOLE_LOG), log.text().encode(), "text/plain; charset=utf-8")
        uploaded[artifacts.CONSOLE_LOG] = key(artifacts.CONSOLE_LOG)
    except Exception as exc:  # noqa: BLE001 - the run's result matters more than its console file
        logger.warning("artifacts.upload_failed", run_id=request.run_id, error=str(exc))
    return ArtifactKeys(
        report=uploaded.get(artifacts.REPORT),
        summary=uploaded.get(artifacts.SUMMARY),
        console=uploaded.get(artifacts.CONSOLE_LOG),
    )


async def _test_event(
    request: RunRequest,
    ctx: RunContext,
    test: TestSpec,
    outcome: TestOutcome,
    *,
    started: Any,
    metrics: K6Metrics | None = None,
    summary: dict[str, Any] | None = None,
    keys: ArtifactKeys | None = None,
    tail: str | None = None,
) -> None:
    terminal = outcome.status.is_terminal
    completed = now() if terminal else None
    await ctx.events.status(
        RunStatusEvent(
            run_id=request.run_id,
            status=outcome.status,
            at=now(),
            test_id=test.id,
            test_title=test.title,
            runner_id=ctx.settings.runner_id,
            location=ctx.settings.location,
            reason=outcome.reason,
            exit_code=outcome.exit_code,
            started_at=started,
            completed_at=completed,
            duration_ms=int((completed - started).total_seconds() * 1000) if completed and started else None,
            metrics=metrics,
            summary=summary,
            artifacts=keys,
            console_tail=tail,
        )
    )


async def _finish(request: RunRequest, ctx: RunContext, started: Any, status: RunStatus, reason: str | None) -> None:
    completed = now()
    await ctx.events.status(
        RunStatusEvent(
            run_id=request.run_id,
            status=status,
            at=completed,
            runner_id=ctx.settings.runner_id,
            location=ctx.settings.location,
            reason=reason,
            started_at=started,
            completed_at=completed,
            duration_ms=int((completed - started).total_seconds() * 1000),
        )
    )
    logger.info("run.finished", run_id=request.run_id, status=status.value, reason=reason)
