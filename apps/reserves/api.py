from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.catalog.models import Token

from . import payloads, selectors
from .models import ReserveSnapshot


class ReservesListView(APIView):
    """Every token's latest backing: status, ratio, shares required and held, as of."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        tokens = list(Token.objects.select_related("security").order_by("symbol"))
        snapshots = {
            s.token_id: s for s in ReserveSnapshot.objects.latest_for().defer("provenance")
        }
        results = [payloads.snapshot_summary(t, snapshots.get(t.pk)) for t in tokens]
        return Response({"count": len(results), "results": results})


class TokenReservesView(APIView):
    """One token's latest backing with provenance (blocks per chain, statements per custodian)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, symbol: str) -> Response:
        token = get_object_or_404(Token.objects.select_related("issuer", "security"), symbol=symbol)
        snapshot = ReserveSnapshot.objects.filter(token=token).first()
        data = payloads.snapshot_detail(token, snapshot)
        data["attestations"] = [
            payloads.attestation_data(a) for a in selectors.attestations_for(token)
        ]
        return Response(data)


class TokenReservesHistoryView(APIView):
    """Every change of one token's backing, oldest first; `?since=` an ISO date or date-time."""

    @extend_schema(
        responses=OpenApiTypes.OBJECT,
        parameters=[OpenApiParameter("since", OpenApiTypes.STR, required=False)],
    )
    def get(self, request: Request, symbol: str) -> Response:
        token = get_object_or_404(Token, symbol=symbol)
        try:
            since = payloads.parse_since(request.query_params.get("since"))
        except ValueError as exc:
            raise ValidationError({"since": str(exc)}) from None
        points = selectors.history(token, since=since)
        return Response({"symbol": token.symbol, "history": payloads.history_rows(points)})
