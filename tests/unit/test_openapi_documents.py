"""The committed OpenAPI documents match the code (regenerate: python -m services.openapi)."""

import json

import pytest

from services.openapi import OPENAPI_DIR, documents, render


@pytest.fixture(scope="module")
def generated() -> dict[str, dict[str, object]]:
    return documents()


@pytest.mark.parametrize("service", ["gateway", "feeds"])
def test_committed_document_is_current(
    service: str, generated: dict[str, dict[str, object]]
) -> None:
    committed = (OPENAPI_DIR / f"{service}.json").read_text()
    assert committed == render(generated[service]), "run: python -m services.openapi"


def test_documents_name_the_public_interfaces(generated: dict[str, dict[str, object]]) -> None:
    gateway = json.loads(render(generated["gateway"]))["paths"]
    feeds = json.loads(render(generated["feeds"]))["paths"]
    assert {"/v1/reports", "/v1/reports/csv"} <= set(gateway)
    for path in (
        "/v1/units/{unit_type}/{code}/indicators",
        "/v1/scorecards/{office}",
        "/v1/coverage",
        "/v1/anomalies",
        "/v1/export/jsonstat",
        "/v1/export/csv",
        "/v1/stream",
    ):
        assert path in feeds, path


def untyped_json_responses(document: dict[str, object]) -> list[str]:
    """JSON responses whose schema is missing or names no field (a free-form object)."""
    found = []
    paths = document["paths"]
    assert isinstance(paths, dict)
    for path, operations in paths.items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                for media_type, media in response.get("content", {}).items():
                    schema = media.get("schema") or {}
                    typed = "$ref" in schema or schema.get("properties") or "items" in schema
                    if "json" in media_type and not typed:
                        found.append(f"{method.upper()} {path} {status}")
    return found


@pytest.mark.parametrize("service", ["gateway", "feeds"])
def test_every_json_response_has_a_schema(
    service: str, generated: dict[str, dict[str, object]]
) -> None:
    assert untyped_json_responses(generated[service]) == []


def test_the_untyped_check_finds_a_free_form_answer() -> None:
    document = {
        "paths": {
            "/x": {
                "get": {
                    "responses": {
                        "200": {"content": {"application/json": {"schema": {"type": "object"}}}}
                    }
                }
            }
        }
    }
    assert untyped_json_responses(document) == ["GET /x 200"]
