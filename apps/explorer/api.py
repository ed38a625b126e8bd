from __future__ import annotations

from django.db.models import QuerySet
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.serializers import BaseSerializer

from apps.catalog.models import Token
from apps.catalog.versions import CATALOG_VERSION_KEY
from apps.chains.versions import SUPPLY_VERSION_KEY
from apps.core.api import SYMBOL_PARAMETER, error_responses
from apps.core.public_cache import public_cache
from apps.markets.oracle import oracle_status
from apps.markets.services import ORACLE_REPORTS_VERSION_KEY

from . import selectors
from .examples import TOKEN_DETAIL_EXAMPLE, TOKEN_EXAMPLE
from .filters import TokenFilter
from .serializers import TokenDetailSerializer, TokenSerializer


@extend_schema_view(
    list=extend_schema(
        summary="The token catalogue",
        description=(
            "Every token, filtered like the /tokens/ page (`q`, `kind`, `sector`, `chain`, "
            "`status`, `sort`) and paged with `limit` and `offset`. An unknown filter value "
            "or a paging value out of range is refused with 400 and the reason."
        ),
        responses={
            200: TokenSerializer(many=True),
            **error_responses(bad_request=True),
        },
        examples=[
            OpenApiExample(
                "one page",
                value={"count": 61, "next": None, "previous": None, "results": [TOKEN_EXAMPLE]},
                response_only=True,
                status_codes=["200"],
            )
        ],
    ),
    retrieve=extend_schema(
        summary="One token",
        description=(
            "One token with venues, documents, corporate actions, each deployment's "
            "latest supply reading (null before the first) and its price oracle's latest "
            "report beside the site's figures (null without a Data Streams feed)."
        ),
        parameters=[SYMBOL_PARAMETER],
        responses={200: TokenDetailSerializer, **error_responses(not_found=True)},
        examples=[
            OpenApiExample(
                "AAPLx", value=TOKEN_DETAIL_EXAMPLE, response_only=True, status_codes=["200"]
            )
        ],
    ),
)
@method_decorator(public_cache(CATALOG_VERSION_KEY, ages=False), name="list")
@method_decorator(
    public_cache(CATALOG_VERSION_KEY, SUPPLY_VERSION_KEY, ORACLE_REPORTS_VERSION_KEY),
    name="retrieve",
)
class TokenViewSet(viewsets.ReadOnlyModelViewSet):
    """The token catalogue: read-only, paginated with ?limit=&offset=, filtered like /tokens/."""

    lookup_field = "symbol"
    filterset_class = TokenFilter

    def get_queryset(self) -> QuerySet[Token]:
        if self.action == "retrieve":
            return selectors.token_page()
        return Token.objects.for_catalog()

    def get_object(self) -> Token:
        token = super().get_object()
        token.oracle_status = oracle_status(token.pk)  # type: ignore[attr-defined]
        return token

    def get_serializer_class(self) -> type[BaseSerializer]:
        return TokenDetailSerializer if self.action == "retrieve" else TokenSerializer
