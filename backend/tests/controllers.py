"""HTTP routes of the tests domain: CRUD, validation and the playground's execute."""

from typing import Annotated
from uuid import UUID

from advanced_alchemy.extensions.litestar.providers import create_service_provider
from advanced_alchemy.filters import LimitOffset
from litestar import Controller, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK

from backend.accounts.permissions import Permission
from backend.accounts.services import Principal
from backend.core.auth import needs
from backend.core.settings import Settings
from backend.lib.pagination import Page, page_of, provide_limit_offset
from backend.lib.text import NO_NUL
from backend.tests.schemas import TestCreate, TestRead, TestUpdate, ValidateScript
from backend.tests.services import TestService
from backend.tests.validation import K6Inspector, ScriptIssue, ValidationResult, validate_performance_script
from schema.enums import TestType

TestId = Annotated[UUID, PathParameter(description="The test's id")]


def provide_inspector(state: State) -> K6Inspector:
    inspector: K6Inspector = state.k6_inspector
    return inspector


class TestController(Controller):
    """Tests of the caller's project."""

    __test__ = False

    path = "/tests"
    tags = ["Tests"]
    dependencies = {
        "test_service": Provide(create_service_provider(TestService)),
        "page": Provide(provide_limit_offset, sync_to_thread=False),
        "inspector": Provide(provide_inspector, sync_to_thread=False),
    }

    @post("/", summary="Create a test", opt=needs(Permission.WRITE_TESTS))
    async def create_test(
        self,
        data: JSONBody[TestCreate],
        principal: NamedDependency[Principal],
        test_service: NamedDependency[TestService],
        inspector: NamedDependency[K6Inspector],
        settings: NamedDependency[Settings],
    ) -> TestRead:
        test = await test_service.create_in_project(principal, data, inspector, settings.max_script_bytes)
        return test_service.to_schema(test, schema_type=TestRead)

    @get("/", summary="List tests", opt=needs(Permission.READ))
    async def list_tests(
        self,
        principal: NamedDependency[Principal],
        test_service: NamedDependency[TestService],
        page: NamedDependency[LimitOffset],
        test_type: Annotated[TestType | None, QueryParameter(name="type", description="Only this type")] = None,
        search: Annotated[
            str | None, QueryParameter(max_length=200, pattern=NO_NUL, description="Words in the title")
        ] = None,
    ) -> Page[TestRead]:
        tests, total = await test_service.list_in_project(principal, page, type_=test_type, search=search)
        return page_of([test_service.to_schema(t, schema_type=TestRead) for t in tests], total, page)

    @post(
        "/validate",
        summary="Check a script without saving it",
        status_code=HTTP_200_OK,
        opt=needs(Permission.WRITE_TESTS),
    )
    async def validate_script(
        self,
        data: JSONBody[ValidateScript],
        inspector: NamedDependency[K6Inspector],
        settings: NamedDependency[Settings],
    ) -> ValidationResult:
        if data.type is TestType.PERFORMANCE:
            return await validate_performance_script(data.script, inspector, max_bytes=settings.max_script_bytes)
        size = len(data.script.encode())
        if size > settings.max_script_bytes:
            issue = ScriptIssue(
                message=f"The script is {size} bytes; the limit is {settings.max_script_bytes} bytes",
                rule="too-large",
                severity="error",
            )
            return ValidationResult(valid=False, errors=[issue], warnings=[])
        return ValidationResult(valid=True, errors=[], warnings=[])

    @get("/{test_id:uuid}", summary="Get a test", opt=needs(Permission.READ))
    async def get_test(
        self, test_id: TestId, principal: NamedDependency[Principal], test_service: NamedDependency[TestService]
    ) -> TestRead:
        test = await test_service.get_in_project(principal, test_id)
        return test_service.to_schema(test, schema_type=TestRead)

    @patch("/{test_id:uuid}", summary="Change a test", opt=needs(Permission.WRITE_TESTS))
    async def update_test(
        self,
        test_id: TestId,
        data: JSONBody[TestUpdate],
        principal: NamedDependency[Principal],
        test_service: NamedDependency[TestService],
        inspector: NamedDependency[K6Inspector],
        settings: NamedDependency[Settings],
    ) -> TestRead:
        test = await test_service.update_in_project(principal, test_id, data, inspector, settings.max_script_bytes)
        return test_service.to_schema(test, schema_type=TestRead)

    @delete("/{test_id:uuid}", summary="Delete a test", opt=needs(Permission.WRITE_TESTS))
    async def delete_test(
        self, test_id: TestId, principal: NamedDependency[Principal], test_service: NamedDependency[TestService]
    ) -> None:
        await test_service.delete_in_project(principal, test_id)
