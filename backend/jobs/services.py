"""Jobs: CRUD inside the caller's project, with job type / test type compatibility enforced."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from advanced_alchemy.filters import LimitOffset, SearchFilter, StatementFilter
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from msgspec import UNSET
from sqlalchemy import select

from backend.accounts.services import Principal
from backend.core.errors import BadRequestError, NotFoundError
from backend.core.settings import Settings
from backend.db.models import Job, JobTest, Test
from backend.jobs.schemas import JobCreate, JobRead, JobTestRead, JobUpdate
from backend.lib.pagination import NEWEST_FIRST
from backend.locations.services import catalogue_location
from schema.enums import JobType, test_type_fits_job


class JobService(SQLAlchemyAsyncRepositoryService[Job]):
    """Jobs of one project."""

    class Repo(SQLAlchemyAsyncRepository[Job]):
        model_type = Job

    repository_type = Repo

    async def get_in_project(self, principal: Principal, job_id: UUID) -> Job:
        job = await self.get_one_or_none(id=job_id, project_id=principal.project_id)
        if job is None:
            raise NotFoundError(f"Job {job_id} not found")
        return job

    async def read(self, principal: Principal, job_id: UUID) -> JobRead:
        """The job as the API shows it, re-read so that its test list is current."""
        self.repository.session.expire_all()
        return job_to_read(await self.get_in_project(principal, job_id))

    async def list_in_project(
        self, principal: Principal, page: LimitOffset, *, job_type: JobType | None, search: str | None
    ) -> tuple[Sequence[Job], int]:
        filters: list[StatementFilter] = [page, NEWEST_FIRST]
        if search:
            filters.append(SearchFilter(field_name="name", value=search, ignore_case=True))
        where: dict[str, Any] = {"project_id": principal.project_id}
        if job_type is not None:
            where["job_type"] = job_type
        return await self.get_many_and_count(*filters, **where)

    async def create_in_project(self, principal: Principal, data: JobCreate, settings: Settings) -> Job:
        location = _check_location(data.job_type, data.location, settings)
        tests = await self._compatible_tests(principal, data.job_type, data.test_ids)
        job = Job(
            organization_id=principal.organization_id,
            project_id=principal.project_id,
            name=data.name,
            description=data.description,
            job_type=data.job_type,
            location=location,
            job_tests=[JobTest(test_id=t.id, position=i) for i, t in enumerate(tests)],
        )
        return await self.create(job)

    async def update_in_project(self, principal: Principal, job_id: UUID, data: JobUpdate, settings: Settings) -> Job:
        job = await self.get_in_project(principal, job_id)
        job_type = job.job_type if data.job_type is UNSET else data.job_type
        test_ids = [jt.test_id for jt in job.job_tests] if data.test_ids is UNSET else data.test_ids
        # Checked together: changing only the type must not leave incompatible tests behind.
        tests = await self._compatible_tests(principal, job_type, test_ids)
        if data.location is not UNSET or data.job_type is not UNSET:
            location = job.location if data.location is UNSET else data.location
            job.location = _check_location(job_type, location, settings)
        if data.name is not UNSET:
            job.name = data.name
        if data.description is not UNSET:
            job.description = data.description
        job.job_type = job_type
        if data.test_ids is not UNSET:
            _set_tests(job, tests)
        return await self.update(job)

    async def delete_in_project(self, principal: Principal, job_id: UUID) -> None:
        job = await self.get_in_project(principal, job_id)
        await self.delete(job.id)

    async def _compatible_tests(self, principal: Principal, job_type: JobType, test_ids: Sequence[UUID]) -> list[Test]:
        """The tests, in the order given; 400 naming unknown or incompatible ones."""
        wanted = list(dict.fromkeys(test_ids))
        if not wanted:
            return []
        rows = await self.repository.session.scalars(
            select(Test).where(Test.id.in_(wanted), Test.project_id == principal.project_id)
        )
        found = {t.id: t for t in rows}
        unknown = [str(i) for i in wanted if i not in found]
        if unknown:
            raise BadRequestError(f"Unknown test ids: {', '.join(unknown)}", extra={"unknownTestIds": unknown})
        tests = [found[i] for i in wanted]
        bad = [t for t in tests if not test_type_fits_job(job_type, t.type)]
        if bad:
            kinds = ", ".join(sorted({t.type.value for t in bad}))
            raise BadRequestError(
                f'Job type "{job_type.value}" cannot include {kinds} tests',
                extra={"incompatibleTests": [{"id": str(t.id), "title": t.title, "type": t.type.value} for t in bad]},
            )
        return tests


def _set_tests(job: Job, tests: list[Test]) -> None:
    """Keep the rows of tests that stay (the unit of work inserts before it deletes), renumber, add the new."""
    existing = {jt.test_id: jt for jt in job.job_tests}
    kept: list[JobTest] = []
    for position, test in enumerate(tests):
        row = existing.get(test.id) or JobTest(test_id=test.id)
        row.position = position
        kept.append(row)
    job.job_tests = kept


def _check_location(job_type: JobType, location: str | None, settings: Settings) -> str | None:
    """k6 jobs get a location from the catalogue (the first one by default); Playwright jobs none."""
    if location is None and job_type is not JobType.K6:
        return None
    return catalogue_location(settings, location).code


def job_to_read(job: Job) -> JobRead:
    tests = [JobTestRead(id=jt.test.id, title=jt.test.title, type=jt.test.type) for jt in job.job_tests]
    return JobRead(
        id=job.id,
        project_id=job.project_id,
        name=job.name,
        job_type=job.job_type,
        description=job.description,
        location=job.location,
        tests=tests,
        test_ids=[t.id for t in tests],
        created_at=job.created_at,
        updated_at=job.updated_at,
    )
