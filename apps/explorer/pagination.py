"""Paging for the catalogue page and the API: bounded, and strict about what it reads."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request

from apps.core.formatting import MAX_PAGE, whole_number

__all__ = ["MAX_PAGE", "LimitOffset", "whole_number", "window_page"]


class _KnownCountPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._count = count

    @property
    def count(self) -> int:  # type: ignore[override]
        return self._count


def window_page(queryset: QuerySet, number: int, per_page: int) -> Page:
    """The page `number` of `queryset`, its total riding on the page query itself
    (COUNT(*) OVER ()): one query whatever the number of rows. Past the last page the
    last page is shown, as Paginator.get_page does (one more query)."""
    offset = (number - 1) * per_page
    rows = list(queryset.annotate(_total=Window(Count("pk")))[offset : offset + per_page])
    if rows:
        return Page(rows, number, _KnownCountPaginator(queryset, per_page, count=rows[0]._total))
    if number > 1:
        paginator = _KnownCountPaginator(queryset, per_page, count=queryset.count())
        return paginator.page(paginator.num_pages)
    return Page(rows, number, _KnownCountPaginator(queryset, per_page, count=0))


class LimitOffset(LimitOffsetPagination):
    """?limit=&offset= that refuses what it cannot honour (400 with the reason) instead of
    silently answering the default page."""

    default_limit = 50
    max_limit = 1000
    max_offset = 1_000_000

    def get_limit(self, request: Request) -> int:
        return self._read(request, self.limit_query_param, self.default_limit, 1, self.max_limit)

    def get_offset(self, request: Request) -> int:
        return self._read(request, self.offset_query_param, 0, 0, self.max_offset)

    def _read(self, request: Request, name: str, default: int, low: int, high: int) -> int:
        try:
            return whole_number(
                request.query_params.get(name),
                name=name,
                default=default,
                low=low,
                high=high,
                empty_ok=False,
            )
        except ValueError as exc:
            raise ValidationError({name: [str(exc)]}) from None

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        limit, offset = super().get_schema_operation_parameters(view)
        limit["schema"].update(minimum=1, maximum=self.max_limit, default=self.default_limit)
        offset["schema"].update(minimum=0, maximum=self.max_offset, default=0)
        return [limit, offset]
