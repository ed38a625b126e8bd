from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.serializers import BaseSerializer

from .filters import TokenFilter
from .models import Token
from .serializers import TokenDetailSerializer, TokenSerializer


class TokenViewSet(viewsets.ReadOnlyModelViewSet):
    """The token catalogue: read-only, paginated with ?limit=&offset=, filtered like /tokens/."""

    lookup_field = "symbol"
    filterset_class = TokenFilter

    def get_queryset(self) -> QuerySet[Token]:
        if self.action == "retrieve":
            return Token.objects.for_detail()
        return Token.objects.for_catalog()

    def get_serializer_class(self) -> type[BaseSerializer]:
        return TokenDetailSerializer if self.action == "retrieve" else TokenSerializer
