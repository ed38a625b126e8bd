"""A page of a queryset whose total rides on the page query itself (COUNT(*) OVER ()),
so listing a page costs one query instead of two, whatever the number of rows."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, QuerySet, Window


class _KnownCountPaginator(Paginator):
    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._count = count

    @property
    def count(self) -> int:  # type: ignore[override]
        return self._count


def window_page(queryset: QuerySet, number: Any, per_page: int) -> Page:
    """The page `number` (clamped like Paginator.get_page) of `queryset`."""
    try:
        number = max(int(number), 1)
    except (TypeError, ValueError):
        number = 1
    offset = (number - 1) * per_page
    rows = list(queryset.annotate(_total=Window(Count("pk")))[offset : offset + per_page])
    if rows:
        total = rows[0]._total
    elif number > 1:
        # Past the last page: fall back to the last one, as Paginator.get_page does.
        total = queryset.count()
        paginator = _KnownCountPaginator(queryset, per_page, count=total)
        try:
            return paginator.page(paginator.num_pages)
        except (EmptyPage, PageNotAnInteger):
            return paginator.page(1)
    else:
        total = 0
    return Page(rows, number, _KnownCountPaginator(queryset, per_page, count=total))
