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
