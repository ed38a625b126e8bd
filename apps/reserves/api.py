from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.decorators import method_decorator
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.models import Token
from apps.catalog.versions import CATALOG_VERSION_KEY
from apps.core.api import SINCE_PARAMETER, SYMBOL_PARAMETER, error_responses
from apps.core.formatting import parse_since
from apps.core.public_cache import public_cache

from . import examples, payloads, selectors
from .models import ReserveSnapshot
from .serializers import BackingDetailSerializer, BackingListSerializer, HistorySerializer
from .services.cache import RESERVES_VERSION_KEY

cached = method_decorator(public_cache(CATALOG_VERSION_KEY, RESERVES_VERSION_KEY))
# The history shows what was computed when, nothing that ages.
cached_timeless = method_decorator(
    public_cache(CATALOG_VERSION_KEY, RESERVES_VERSION_KEY, ages=False)
)


class ReservesListView(APIView):
    """Every token's latest backing: status, ratio, shares required and held, as of."""

    @extend_schema(
        summary="Every token's latest backing",
        responses={200: BackingListSerializer, **error_responses()},
        examples=[
            OpenApiExample(
                "two tokens",
                value=examples.BACKING_LIST,
                response_only=True,
                status_codes=["200"],
            )
        ],
    )
    @cached
    def get(self, request: Request) -> Response:
        tokens = list(Token.objects.select_related("security").order_by("symbol"))
        snapshots = {
            s.token_id: s for s in ReserveSnapshot.objects.latest_for().defer("provenance")
        }
        results = [payloads.snapshot_summary(t, snapshots.get(t.pk)) for t in tokens]
        return Response(BackingListSerializer({"count": len(results), "results": results}).data)


class TokenReservesView(APIView):
    """One token's latest backing with provenance (blocks per chain, statements per custodian)."""

    @extend_schema(
        summary="One token's backing with provenance",
        parameters=[SYMBOL_PARAMETER],
        responses={200: BackingDetailSerializer, **error_responses(not_found=True)},
        examples=[
            OpenApiExample(
                "AAPLx", value=examples.BACKING_DETAIL, response_only=True, status_codes=["200"]
            )
        ],
    )
    @cached
    def get(self, request: Request, symbol: str) -> Response:
        token = get_object_or_404(Token.objects.select_related("issuer", "security"), symbol=symbol)
        snapshot = ReserveSnapshot.objects.filter(token=token).first()
        data = payloads.snapshot_detail(token, snapshot)
        data["attestations"] = selectors.attestations_for(token)
        return Response(BackingDetailSerializer(data).data)


class TokenReservesHistoryView(APIView):
    """Every change of one token's backing, oldest first."""

    @extend_schema(
        summary="Every change of one token's backing",
        parameters=[SYMBOL_PARAMETER, SINCE_PARAMETER],
        responses={
            200: HistorySerializer,
            **error_responses(not_found=True, bad_request=True),
        },
        examples=[
            OpenApiExample(
                "AAPLx", value=examples.HISTORY, response_only=True, status_codes=["200"]
            )
        ],
    )
    @cached_timeless
    def get(self, request: Request, symbol: str) -> Response:
        token = get_object_or_404(Token, symbol=symbol)
        try:
            since = parse_since(request.query_params.get("since"))
        except ValueError as exc:
            raise ValidationError({"since": [str(exc)]}) from None
        rows = payloads.history_rows(selectors.history(token, since=since))
        return Response(HistorySerializer({"symbol": token.symbol, "history": rows}).data)
