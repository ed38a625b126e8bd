"""One filter for the catalogue page and the API, so both answer the same question."""

from __future__ import annotations

import django_filters
from django.core.cache import cache
from django.db.models import QuerySet

from apps.core import cache_versions

from .models import Security, Token

CHOICES_CACHE_SECONDS = 60  # filter options change only when the registry does


CHOICES_VERSION_KEY = "catalog:choices-version"


def choices_version() -> int:
    return cache_versions.current(CHOICES_VERSION_KEY)


def forget_choices() -> None:
    """Called when the catalogue changed: the next page reads the options afresh."""
    cache_versions.bump(CHOICES_VERSION_KEY)


def _options() -> dict[str, list[tuple[str, str]]]:
    """The sectors and chains that have tokens, read together in one query and cached."""

    def load() -> dict[str, list[tuple[str, str]]]:
        rows = list(
            Token.objects.order_by()
            .values_list("security__sector", "deployments__chain__slug", "deployments__chain__name")
            .distinct()
        )
        sectors = sorted({sector for sector, _, _ in rows if sector})
        chains = sorted({(slug, name) for _, slug, name in rows if slug}, key=lambda c: c[1])
        return {"sector": [(s, s) for s in sectors], "chain": chains}

    return cache.get_or_set(f"catalog:options:{choices_version()}", load, CHOICES_CACHE_SECONDS)


def sector_choices() -> list[tuple[str, str]]:
    return _options()["sector"]


def chain_choices() -> list[tuple[str, str]]:
    return _options()["chain"]


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
