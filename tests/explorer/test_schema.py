"""The published OpenAPI schema is typed: every 200 answer of /api/v1/ has a reference or
properties (never an untyped object), with an example Swagger UI can show."""

from __future__ import annotations

import pytest
import yaml

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        if path.startswith("/api/v1/"):
            for method, operation in operations.items():
                yield f"{method.upper()} {path}", operation


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = schema["components"]["schemas"][name]
    return node


def _untyped(schema: dict, node: dict, seen: set[str]) -> list[str]:
    """Every place under `node` that is an object without properties (or array of such)."""
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return [f"{name}.{p}" for p in _untyped(schema, _resolve(schema, node), seen)]
    found = []
    for key in ("oneOf", "anyOf", "allOf"):
        for part in node.get(key, []):
            found += _untyped(schema, part, seen)
    if node.get("type") == "array":
        found += [f"[]{p}" for p in _untyped(schema, node.get("items", {}), seen)]
    if node.get("type") == "object" or "properties" in node:
        properties = node.get("properties")
        extra = node.get("additionalProperties")
        if not properties and (extra in (None, {}, True)):
            found.append("(untyped object)")
        for name, sub in (properties or {}).items():
            found += [f"{name}{'.' + p if p else ''}" for p in _untyped(schema, sub, seen)]
    if not node:
        found.append("(no schema)")
    return found


def test_every_api_answer_of_200_has_a_typed_schema(schema):
    operations = dict(_operations(schema))
    assert len(operations) == 8
    for label, operation in operations.items():
        body = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert "$ref" in body or "properties" in body, label
        top = _resolve(schema, body)
        assert top.get("additionalProperties") != {} and top.get("properties"), label
        assert _untyped(schema, body, set()) == [], label


def test_every_answer_has_an_example_and_documents_its_errors(schema):
    for label, operation in _operations(schema):
        responses = operation["responses"]
        assert responses["200"]["content"]["application/json"].get("examples"), label
        assert "Retry-After" in responses["429"]["headers"], label
        parameters = {p["name"] for p in operation.get("parameters", [])}
        if "symbol" in parameters:
            assert "404" in responses, label
        if parameters - {"symbol"}:
            assert "400" in responses, label


def test_decimals_are_typed_strings_and_nullable_fields_are_declared(schema):
    components = schema["components"]["schemas"]
    price = components["TokenPrice"]["properties"]["price"]
    assert price["type"] == "string" and price["format"] == "decimal" and price["pattern"]
    assert price["nullable"] is True
    assert components["Token"]["properties"]["multiplier"]["format"] == "decimal"
    supply = components["DeploymentDetail"]["properties"]["supply"]
    assert supply.get("nullable") is True
    status = components["BackingSummary"]["properties"]["status"]
    assert status["nullable"] is True
    enums = {name for name in components if name.endswith("Enum")}
    assert {"TokenStatusEnum", "BackingStatusEnum", "ChainKindEnum", "SessionEnum"} <= enums


def test_the_chain_filter_publishes_the_catalogues_chains(client):
    from tests.factories import make_catalog

    make_catalog(1)
    schema = yaml.safe_load(client.get("/api/schema/").content)
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/tokens/"]["get"]["parameters"]}
    assert parameters["chain"]["schema"]["enum"] == ["", "ethereum", "solana"]
    since = schema["paths"]["/api/v1/tokens/{symbol}/prices/"]["get"]["parameters"]
    (since,) = [p for p in since if p["name"] == "since"]
    assert {s["format"] for s in since["schema"]["anyOf"]} == {"date", "date-time"}
