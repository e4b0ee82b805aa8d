"""What the gateway's OpenAPI document says beyond FastAPI's own: the request bodies the
routes read by hand (JSON reports, CSV) and the report model they refer to."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from contracts.reports import IndicatorReportV1
from services.gateway.csv_upload import COLUMNS

CSV_EXAMPLE = ";".join(COLUMNS) + "\nmunicipality;0301;2025-03;1;2410;610;1190;820;31250400;170\n"


def json_body(max_items: int) -> dict[str, Any]:
    ref = {"$ref": "#/components/schemas/IndicatorReportV1"}
    schema = {"oneOf": [ref, {"type": "array", "items": ref, "minItems": 1, "maxItems": max_items}]}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def csv_body() -> dict[str, Any]:
    file_form = {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
        "required": ["file"],
    }
    return {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}, "example": CSV_EXAMPLE},
            "multipart/form-data": {"schema": file_form},
        },
    }


def document(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus the report model the hand-read request bodies refer to."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    report = IndicatorReportV1.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(report.pop("$defs", {}))
    components["IndicatorReportV1"] = report
    app.openapi_schema = schema
    return schema
