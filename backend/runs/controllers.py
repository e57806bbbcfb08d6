"""HTTP routes of the runs domain: trigger (test or job), list, read, cancel."""

from typing import Annotated
from uuid import UUID

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from advanced_alchemy.filters import LimitOffset
from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_202_ACCEPTED

from backend.accounts.permissions import Permission
from backend.accounts.services import Principal
from backend.core.auth import needs
from backend.core.errors import error_responses
from backend.core.nats import NatsConnection
from backend.core.settings import Settings
from backend.jobs.services import JobService
from backend.lib.pagination import Page, page_of, provide_limit_offset
from backend.lib.text import NO_NUL
from backend.runs.schemas import ExecuteTest, RunCreated, RunRead, TriggerJobRun
from backend.runs.services import RunService, run_to_created, run_to_read
from backend.tests.services import TestService
from schema.enums import RunStatus

RunId = Annotated[UUID, PathParameter(description="The run's id")]


def provide_nats(state: State) -> NatsConnection:
    nats: NatsConnection = state.nats
    return nats


class RunController(Controller):
    """Runs of the caller's project; triggering one dispatches it to a runner over NATS."""

    path = "/"
    tags = ["Runs"]
    dependencies = {
        "run_service": Provide(create_service_provider(RunService)),
        "test_service": Provide(create_service_provider(TestService)),
        "job_service": Provide(create_service_provider(JobService)),
        "page": Provide(provide_limit_offset, sync_to_thread=False),
        "nats": Provide(provide_nats, sync_to_thread=False),
    }

    @post(
        "/tests/{test_id:uuid}/execute",
        summary="Run one performance test",
        status_code=HTTP_201_CREATED,
        opt=needs(Permission.TRIGGER_RUNS, rate_limit="trigger"),
        responses=error_responses(409, 503),
    )
    async def execute_test(
        self,
        test_id: Annotated[UUID, PathParameter(description="The test to run")],
        principal: NamedDependency[Principal],
        run_service: NamedDependency[RunService],
        test_service: NamedDependency[TestService],
        settings: NamedDependency[Settings],
        nats: NamedDependency[NatsConnection],
        data: JSONBody[ExecuteTest | None] = None,
    ) -> RunCreated:
        body = data or ExecuteTest()
        test = await test_service.get_in_project(principal, test_id)
        run = await run_service.trigger_test_run(
            principal, test, body.location, settings, nats, queue_if_unavailable=body.queue_if_unavailable
        )
        return run_to_created(await run_service.read(principal, run.id))

    @post(
        "/runs",
        summary="Run every test of a job",
        status_code=HTTP_201_CREATED,
        opt=needs(Permission.TRIGGER_RUNS, rate_limit="trigger"),
        responses=error_responses(409, 503),
    )
    async def trigger_job_run(
        self,
        data: JSONBody[TriggerJobRun],
        principal: NamedDependency[Principal],
        run_service: NamedDependency[RunService],
        job_service: NamedDependency[JobService],
        settings: NamedDependency[Settings],
        nats: NamedDependency[NatsConnection],
    ) -> RunCreated:
        job = await job_service.get_in_project(principal, data.job_id)
        run = await run_service.trigger_job_run(
            principal, job, data.location, data.trigger, settings, nats, queue_if_unavailable=data.queue_if_unavailable
        )
        return run_to_created(await run_service.read(principal, run.id))

    @get("/runs", summary="List runs", opt=needs(Permission.READ))
    async def list_runs(
        self,
        principal: NamedDependency[Principal],
        run_service: NamedDependency[RunService],
        page: NamedDependency[LimitOffset],
        status: Annotated[RunStatus | None, QueryParameter(description="Only runs in this state")] = None,
        job_id: Annotated[UUID | None, QueryParameter(name="jobId", description="Only runs of this job")] = None,
        test_id: Annotated[UUID | None, QueryParameter(name="testId", description="Only runs of this test")] = None,
        location: Annotated[
            str | None, QueryParameter(max_length=50, pattern=NO_NUL, description="Only runs in this location")
        ] = None,
    ) -> Page[RunRead]:
        where = {k: v for k, v in {"status": status, "job_id": job_id, "location": location}.items() if v}
        runs, total = await run_service.list_in_project(principal, page, where, test_id=test_id)
        return page_of([run_to_read(r) for r in runs], total, page)

    @get("/runs/{run_id:uuid}", summary="Get a run with its per-test k6 results", opt=needs(Permission.READ))
    async def get_run(
        self, run_id: RunId, principal: NamedDependency[Principal], run_service: NamedDependency[RunService]
    ) -> RunRead:
        return await run_service.read(principal, run_id)

    @post(
        "/runs/{run_id:uuid}/cancel",
        summary="Cancel a run: a queued run ends at once (200), a running one is stopped by its runner (202)",
        status_code=HTTP_200_OK,
        opt=needs(Permission.TRIGGER_RUNS),
        responses={
            HTTP_202_ACCEPTED: ResponseSpec(RunRead, description="The run is running: its runner was told to stop"),
            **error_responses(409, 503),
        },
    )
    async def cancel_run(
        self,
        run_id: RunId,
        principal: NamedDependency[Principal],
        run_service: NamedDependency[RunService],
        nats: NamedDependency[NatsConnection],
    ) -> Response[RunRead]:
        run, in_progress = await run_service.cancel(principal, run_id, nats)
        return Response(run, status_code=HTTP_202_ACCEPTED if in_progress else HTTP_200_OK)
