"""One filter for the catalogue page and the API, so both answer the same question."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from .models import Chain, Security, Token


def sector_choices() -> list[tuple[str, str]]:
    sectors = (
        Security.objects.exclude(sector="").order_by("sector").values_list("sector", flat=True)
    )
    return [(s, s) for s in dict.fromkeys(sectors)]


def chain_choices() -> list[tuple[str, str]]:
    return list(Chain.objects.order_by("name").values_list("slug", "name"))


SORTS = {
    "symbol": ("symbol",),
    "-symbol": ("-symbol",),
    "name": ("name", "symbol"),
    "sector": ("security__sector", "symbol"),
    "launch": ("-launch_date", "symbol"),
}


class TokenFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    kind = django_filters.ChoiceFilter(
        field_name="security__kind",
        choices=Security.Kind.choices,
        label="Kind",
        empty_label="All kinds",
    )
    sector = django_filters.ChoiceFilter(
        field_name="security__sector",
        choices=sector_choices,
        label="Sector",
        empty_label="All sectors",
    )
    chain = django_filters.ChoiceFilter(
        field_name="deployments__chain__slug",
        choices=chain_choices,
        label="Chain",
        empty_label="All chains",
        distinct=True,
    )
    status = django_filters.ChoiceFilter(choices=Token.Status.choices, empty_label="Any status")
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        label="Sort by",
        empty_label=None,
        choices=[
            ("symbol", "Symbol A to Z"),
            ("-symbol", "Symbol Z to A"),
            ("name", "Name"),
            ("sector", "Sector"),
            ("launch", "Newest first"),
        ],
    )

    class Meta:
        model = Token
        fields = ["q", "kind", "sector", "chain", "status", "sort"]

    def filter_q(self, queryset: QuerySet[Token], name: str, value: str) -> QuerySet[Token]:
        return queryset.search(value)

    def filter_sort(self, queryset: QuerySet[Token], name: str, value: str) -> QuerySet[Token]:
        return queryset.order_by(*SORTS.get(value, ("symbol",)))
