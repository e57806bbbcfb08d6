"""HTTP routes of the jobs domain."""

from typing import Annotated
from uuid import UUID

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from advanced_alchemy.filters import LimitOffset
from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, PathParameter, QueryParameter

from backend.accounts.permissions import Permission
from backend.accounts.services import Principal
from backend.core.auth import needs
from backend.core.settings import Settings
from backend.jobs.schemas import JobCreate, JobRead, JobUpdate
from backend.jobs.services import JobService, job_to_read
from backend.lib.pagination import Page, page_of, provide_limit_offset
from backend.lib.text import NO_NUL
from schema.enums import JobType

JobId = Annotated[UUID, PathParameter(description="The job's id")]


class JobController(Controller):
    """Jobs of the caller's project."""

    path = "/jobs"
    tags = ["Jobs"]
    dependencies = {
        "job_service": Provide(create_service_provider(JobService)),
        "page": Provide(provide_limit_offset, sync_to_thread=False),
    }

    @post("/", summary="Create a job", opt=needs(Permission.WRITE_TESTS))
    async def create_job(
        self,
        data: JSONBody[JobCreate],
        principal: NamedDependency[Principal],
        job_service: NamedDependency[JobService],
        settings: NamedDependency[Settings],
    ) -> JobRead:
        job = await job_service.create_in_project(principal, data, settings)
        return await job_service.read(principal, job.id)

    @get("/", summary="List jobs", opt=needs(Permission.READ))
    async def list_jobs(
        self,
        principal: NamedDependency[Principal],
        job_service: NamedDependency[JobService],
        page: NamedDependency[LimitOffset],
        job_type: Annotated[JobType | None, QueryParameter(name="jobType", description="Only this job type")] = None,
        search: Annotated[
            str | None, QueryParameter(max_length=200, pattern=NO_NUL, description="Words in the name")
        ] = None,
    ) -> Page[JobRead]:
        jobs, total = await job_service.list_in_project(principal, page, job_type=job_type, search=search)
        return page_of([job_to_read(j) for j in jobs], total, page)

    @get("/{job_id:uuid}", summary="Get a job", opt=needs(Permission.READ))
    async def get_job(
        self, job_id: JobId, principal: NamedDependency[Principal], job_service: NamedDependency[JobService]
    ) -> JobRead:
        return job_to_read(await job_service.get_in_project(principal, job_id))

    @patch("/{job_id:uuid}", summary="Change a job", opt=needs(Permission.WRITE_TESTS))
    async def update_job(
        self,
        job_id: JobId,
        data: JSONBody[JobUpdate],
        principal: NamedDependency[Principal],
        job_service: NamedDependency[JobService],
        settings: NamedDependency[Settings],
    ) -> JobRead:
        await job_service.update_in_project(principal, job_id, data, settings)
        return await job_service.read(principal, job_id)

    @delete("/{job_id:uuid}", summary="Delete a job", opt=needs(Permission.WRITE_TESTS))
    async def delete_job(
        self, job_id: JobId, principal: NamedDependency[Principal], job_service: NamedDependency[JobService]
    ) -> None:
        await job_service.delete_in_project(principal, job_id)
