"""API bodies of the tests domain."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, Meta, UnsetType

from backend.db.models import TestPriority
from backend.lib.text import NO_NUL
from schema.base import CamelStruct
from schema.enums import TestType

Title = Annotated[str, Meta(min_length=1, max_length=255, pattern=NO_NUL)]
Description = Annotated[str, Meta(max_length=10_000, pattern=NO_NUL)]
Tag = Annotated[str, Meta(min_length=1, max_length=50, pattern=NO_NUL)]
Script = Annotated[str, Meta(pattern=NO_NUL)]  # its size limit is a setting (SUPERCHECK_MAX_SCRIPT_BYTES)
Tags = Annotated[list[Tag], Meta(max_length=20)]


class TestCreate(CamelStruct, forbid_unknown_fields=True):
    """A new test. ``priority`` does not apply to performance tests."""

    __test__ = False

    title: Title
    type: TestType
    script: Script
    description: Description | None = None
    tags: Tags = msgspec.field(default_factory=list)
    priority: TestPriority | None = None


class TestUpdate(CamelStruct, forbid_unknown_fields=True):
    """Fields to change; absent fields stay as they are. The type of a test cannot change."""

    __test__ = False

    title: Title | UnsetType = UNSET
    type: TestType | UnsetType = UNSET
    script: Script | UnsetType = UNSET
    description: Description | UnsetType | None = UNSET
    tags: Tags | UnsetType = UNSET
    priority: TestPriority | UnsetType | None = UNSET


class TestRead(CamelStruct):
    __test__ = False

    id: UUID
    project_id: UUID
    title: str
    type: TestType
    script: str
    description: str | None
    tags: list[str]
    priority: TestPriority | None
    created_at: datetime
    updated_at: datetime


class ValidateScript(CamelStruct, forbid_unknown_fields=True):
    """A script to check without saving it."""

    script: str
    type: TestType = TestType.PERFORMANCE
