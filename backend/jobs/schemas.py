"""API bodies of the jobs domain."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from backend.lib.text import NO_NUL
from schema.base import CamelStruct
from schema.enums import JobType, TestType

Name = Annotated[str, Meta(min_length=1, max_length=255, pattern=NO_NUL)]
Description = Annotated[str, Meta(max_length=10_000, pattern=NO_NUL)]
LocationCode = Annotated[str, Meta(min_length=1, max_length=50, pattern=NO_NUL)]
TestIds = Annotated[list[UUID], Meta(max_length=100)]


class JobCreate(CamelStruct, forbid_unknown_fields=True):
    """A new job. ``location`` is the default location of its runs (k6 jobs only)."""

    name: Name
    job_type: JobType = JobType.PLAYWRIGHT
    description: Description | None = None
    location: LocationCode | None = None
    test_ids: TestIds = msgspec.field(default_factory=list)


class JobUpdate(CamelStruct, forbid_unknown_fields=True):
    """Fields to change; absent fields stay as they are."""

    name: Name | UnsetType = UNSET
    job_type: JobType | UnsetType = UNSET
    description: Description | UnsetType | None = UNSET
    location: LocationCode | UnsetType | None = UNSET
    test_ids: TestIds | UnsetType = UNSET


class JobTestRead(CamelStruct):
    id: UUID
    title: str
    type: TestType


class JobRead(CamelStruct):
    id: UUID
    project_id: UUID
    name: str
    job_type: JobType
    description: str | None
    location: str | None
    tests: list[JobTestRead]
    test_ids: list[UUID]
    created_at: datetime
    updated_at: datetime
