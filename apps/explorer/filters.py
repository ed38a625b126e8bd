"""One filter for the catalogue page and the API, so both answer the same question."""

from __future__ import annotations

import django_filters
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from apps.catalog.models import Security, Token
from apps.catalog.versions import catalog_version

CHOICES_CACHE_SECONDS = 60  # filter options change only when the registry does
MAX_SEARCH_CHARS = 100  # a search longer than any symbol, name or ISIN is refused


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

    return cache.get_or_set(f"catalog:options:{catalog_version()}", load, CHOICES_CACHE_SECONDS)


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
SORT_CHOICES = [
    ("symbol", _("Symbol A to Z")),
    ("-symbol", _("Symbol Z to A")),
    ("name", _("Name")),
    ("sector", _("Sector")),
    ("launch", _("Newest first")),
]


class TokenFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_q",
        label=_("Search"),
        max_length=MAX_SEARCH_CHARS,
        help_text=_("Part of a symbol, a token or company name or a ticker, or a whole ISIN."),
    )
    kind = django_filters.ChoiceFilter(
        field_name="security__kind",
        choices=Security.Kind.choices,
        label=_("Kind"),
        empty_label=_("All kinds"),
    )
    sector = django_filters.ChoiceFilter(
        field_name="security__sector",
        choices=sector_choices,
        label=_("Sector"),
        empty_label=_("All sectors"),
        help_text=_("One of the sectors of the catalogue's underlyings."),
    )
    chain = django_filters.ChoiceFilter(
        field_name="deployments__chain__slug",
        choices=chain_choices,
        label=_("Chain"),
        empty_label=_("All chains"),
        distinct=True,
        help_text=_("The slug of a chain the token is deployed on."),
    )
    status = django_filters.ChoiceFilter(choices=Token.Status.choices, empty_label=_("Any status"))
    sort = django_filters.ChoiceFilter(
        method="filter_sort", label=_("Sort by"), empty_label=None, choices=SORT_CHOICES
    )

    class Meta:
        model = Token
        fields = ["q", "kind", "sector", "chain", "status", "sort"]

    def filter_q(self, queryset: QuerySet[Token], name: str, value: str) -> QuerySet[Token]:
        return queryset.search(value)

    def filter_sort(self, queryset: QuerySet[Token], name: str, value: str) -> QuerySet[Token]:
        return queryset.order_by(*SORTS.get(value, ("symbol",)))

    def error_text(self) -> str:
        """Every refused filter with its reason, on one short line."""
        return "; ".join(
            f"{name}: {' '.join(str(m) for m in messages)}"
            for name, messages in self.errors.items()
        )[:500]
