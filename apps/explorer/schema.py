"""OpenAPI schema post-processing: what the view decorators cannot say by themselves."""

from __future__ import annotations

import logging
from typing import Any

from django.db import DatabaseError

from .filters import MAX_SEARCH_CHARS, chain_choices, sector_choices

log = logging.getLogger(__name__)

DYNAMIC_CHOICES = {"chain": chain_choices, "sector": sector_choices}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before the next request.",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
}


def public_api(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Every 429 answer declares its Retry-After header; the catalogue's filters publish
    the values the catalogue holds now (`chain`, `sector`) and "" (no filter), so a client
    can tell a value that will be answered from one that will be refused with 400."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            throttled = operation.get("responses", {}).get("429")
            if throttled is not None:
                throttled["headers"] = RETRY_AFTER
    operation = result.get("paths", {}).get("/api/v1/tokens/", {}).get("get")
    if operation:
        for parameter in operation.get("parameters", []):
            _catalogue_filter(parameter)
    return result


def _catalogue_filter(parameter: dict[str, Any]) -> None:
    name, schema = parameter.get("name"), parameter.get("schema", {})
    if parameter.get("in") != "query":
        return
    if name == "q":
        schema.update(maxLength=MAX_SEARCH_CHARS, pattern="^[^\\x00]*$")
        return
    choices = DYNAMIC_CHOICES.get(name)
    if choices is not None:
        try:
            schema["enum"] = [value for value, _ in choices()]
        except DatabaseError:  # a schema written offline (manage.py spectacular)
            log.warning("no database: the %s filter is published without its values", name)
            schema.pop("enum", None)
            return
    if "enum" in schema:
        schema["enum"] = ["", *(v for v in schema["enum"] if v != "")]
        description = (parameter.get("description") or "").strip()
        parameter["description"] = (
            f"{description}\n\nAn empty value is the same as leaving the parameter out."
        ).strip()
