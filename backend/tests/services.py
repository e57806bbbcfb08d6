"""Tests: create, list, read, update, delete, always inside the caller's project."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import msgspec
from advanced_alchemy.filters import LimitOffset, SearchFilter, StatementFilter
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService
from msgspec import UNSET, structs

from backend.accounts.services import Principal
from backend.core.errors import BadRequestError, NotFoundError, PayloadTooLargeError
from backend.db.models import Test
from backend.lib.pagination import NEWEST_FIRST
from backend.tests.schemas import TestCreate, TestUpdate
from backend.tests.validation import K6Inspector, ValidationResult, validate_performance_script
from schema.enums import TestType


class TestService(SQLAlchemyAsyncRepositoryService[Test]):
    """Test scripts of one project; performance scripts are checked with k6 before they are saved."""

    __test__ = False

    class Repo(SQLAlchemyAsyncRepository[Test]):
        model_type = Test

    repository_type = Repo

    async def get_in_project(self, principal: Principal, test_id: UUID) -> Test:
        test = await self.get_one_or_none(id=test_id, project_id=principal.project_id)
        if test is None:
            raise NotFoundError(f"Test {test_id} not found")
        return test

    async def list_in_project(
        self, principal: Principal, page: LimitOffset, *, type_: TestType | None, search: str | None
    ) -> tuple[Sequence[Test], int]:
        filters: list[StatementFilter] = [page, NEWEST_FIRST]
        if search:
            filters.append(SearchFilter(field_name="title", value=search, ignore_case=True))
        where: dict[str, Any] = {"project_id": principal.project_id}
        if type_ is not None:
            where["type"] = type_
        return await self.get_many_and_count(*filters, **where)

    async def create_in_project(
        self, principal: Principal, data: TestCreate, inspector: K6Inspector, max_script_bytes: int
    ) -> Test:
        await check_script(data.type, data.script, inspector, max_script_bytes)
        _check_priority(data.type, data.priority)
        return await self.create(
            Test(
                organization_id=principal.organization_id,
                project_id=principal.project_id,
                title=data.title,
                type=data.type,
                script=data.script,
                description=data.description,
                tags=data.tags,
                priority=data.priority,
            )
        )

    async def update_in_project(
        self, principal: Principal, test_id: UUID, data: TestUpdate, inspector: K6Inspector, max_script_bytes: int
    ) -> Test:
        test = await self.get_in_project(principal, test_id)
        if data.type is not UNSET and data.type != test.type:
            raise BadRequestError(
                f"The type of a test cannot change (it is {test.type.value}); create a new test instead"
            )
        if data.script is not UNSET:
            await check_script(test.type, data.script, inspector, max_script_bytes)
        if data.priority is not UNSET:
            _check_priority(test.type, data.priority)
        for name, value in structs.asdict(data).items():
            if value is not UNSET and name != "type":
                setattr(test, name, value)
        return await self.update(test)

    async def delete_in_project(self, principal: Principal, test_id: UUID) -> None:
        test = await self.get_in_project(principal, test_id)
        await self.delete(test.id)


async def check_script(test_type: TestType, script: str, inspector: K6Inspector, max_script_bytes: int) -> None:
    """Refuse an oversize script (413) or an invalid k6 script (400, with every problem listed)."""
    size = len(script.encode())
    if size > max_script_bytes:
        raise PayloadTooLargeError(
            f"The script is {size} bytes; the limit is {max_script_bytes} bytes",
            extra={"size": size, "limit": max_script_bytes},
        )
    if not script.strip():
        raise BadRequestError("The script is empty")
    if test_type is not TestType.PERFORMANCE:
        return
    result = await validate_performance_script(script, inspector, max_bytes=max_script_bytes)
    if not result.valid:
        raise BadRequestError(
            "Invalid k6 script: " + "; ".join(issue.message for issue in result.errors),
            extra=validation_extra(result),
        )


def validation_extra(result: ValidationResult) -> dict[str, object]:
    extra: dict[str, object] = msgspec.to_builtins({"errors": result.errors, "warnings": result.warnings})
    return extra


def _check_priority(test_type: TestType, priority: object) -> None:
    if test_type is TestType.PERFORMANCE and priority not in (None, UNSET):
        raise BadRequestError("Priority does not apply to performance tests; leave it out")
