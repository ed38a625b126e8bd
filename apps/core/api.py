"""Pieces every public API endpoint shares: decimal strings, error bodies and their OpenAPI
descriptions, so each endpoint publishes a typed schema with the same conventions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_field,
)
from rest_framework import serializers

from .converters import SYMBOL_PATTERN
from .formatting import DECIMAL_PATTERN, MAX_PARAMETER_CHARS, SINCE_FORMAT, decimal_text

DECIMAL_SCHEMA: dict[str, Any] = {
    "type": "string",
    "format": "decimal",
    "pattern": DECIMAL_PATTERN,
    "description": "A decimal in plain notation, every digit kept (never a float).",
}


@extend_schema_field(DECIMAL_SCHEMA)
class DecimalTextField(serializers.Field):
    """A Decimal as a string in plain notation without trailing zeros ("999.6", "1")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value: Decimal | int | str) -> str:
        return decimal_text(value)


class ErrorSerializer(serializers.Serializer):
    """An error with one reason (404, 405, 406, 429)."""

    detail = serializers.CharField(help_text="What went wrong, in plain words.")


class BadRequestSerializer(serializers.Serializer):
    """400: the refused parameters, each with its reasons."""


class _BadRequestExtension(OpenApiSerializerExtension):
    target_class = BadRequestSerializer

    def get_name(self, auto_schema: Any, direction: str) -> str:
        return "ValidationError"

    def map_serializer(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        return {
            "type": "object",
            "description": "Each refused query parameter with the reasons it was refused.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "example": {"limit": ["limit='1e20' must be a whole number from 1 to 1,000"]},
        }


def error_responses(*, not_found: bool = False, bad_request: bool = False) -> dict[int, Any]:
    """The error answers of a public GET endpoint for extend_schema(responses=...)."""
    responses: dict[int, Any] = {
        429: OpenApiResponse(
            ErrorSerializer,
            description="Too many requests from this address; see Retry-After.",
            examples=[
                OpenApiExample(
                    "throttled",
                    value={"detail": "Request was throttled. Expected available in 3 seconds."},
                    status_codes=["429"],
                )
            ],
        ),
    }
    if bad_request:
        responses[400] = OpenApiResponse(
            BadRequestSerializer,
            description="A query parameter was refused; the body names it and says why.",
            examples=[
                OpenApiExample(
                    "refused parameter",
                    value={"since": ["since='2024-02-30': no such date"]},
                    status_codes=["400"],
                )
            ],
        )
    if not_found:
        responses[404] = OpenApiResponse(
            ErrorSerializer,
            description="No token with this symbol.",
            examples=[
                OpenApiExample(
                    "unknown symbol",
                    value={"detail": "No Token matches the given query."},
                    status_codes=["404"],
                )
            ],
        )
    return responses


SYMBOL_PARAMETER = OpenApiParameter(
    "symbol",
    str,
    OpenApiParameter.PATH,
    description="The token's symbol, e.g. AAPLx (case-sensitive).",
    pattern=SYMBOL_PATTERN,
)

SINCE_PARAMETER = OpenApiParameter(
    "since",
    {
        "anyOf": [
            {"type": "string", "format": "date", "maxLength": MAX_PARAMETER_CHARS},
            {"type": "string", "format": "date-time", "maxLength": MAX_PARAMETER_CHARS},
        ]
    },
    OpenApiParameter.QUERY,
    required=False,
    description=f"Only rows from this moment on: {SINCE_FORMAT}.",
    examples=[
        OpenApiExample("a date", value="2025-01-31"),
        OpenApiExample("a date-time", value="2025-01-31T14:30:00Z"),
    ],
)
