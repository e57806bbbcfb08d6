"""Limit/offset pagination: query parameters in, ``{items, total, limit, offset}`` out."""

from collections.abc import Sequence
from typing import Annotated, Generic, TypeVar

from advanced_alchemy.filters import LimitOffset, OrderBy
from litestar.params import Parameter

from schema.base import CamelStruct

T = TypeVar("T")

MAX_PAGE_SIZE = 100


class Page(CamelStruct, Generic[T]):
    """One page of a list, newest first."""

    items: list[T]
    total: int
    limit: int
    offset: int


def provide_limit_offset(
    limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE_SIZE, description="Items per page")] = 20,
    offset: Annotated[int, Parameter(ge=0, le=1_000_000, description="Items to skip")] = 0,
) -> LimitOffset:
    return LimitOffset(limit=limit, offset=offset)


NEWEST_FIRST = OrderBy(field_name="created_at", sort_order="desc")


def page_of(items: Sequence[T], total: int, page: LimitOffset) -> Page[T]:
    return Page(items=list(items), total=total, limit=page.limit, offset=page.offset)
