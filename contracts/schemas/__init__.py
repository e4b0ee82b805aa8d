"""JSON Schemas generated from the contract models (``python -m contracts.schemas``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from contracts.reports import IndicatorReportV1

SCHEMA_DIR = Path(__file__).parent


def indicator_report_v1() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of event contract v1."""
    schema = IndicatorReportV1.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
    }


SCHEMAS = {"indicator-report.v1.schema.json": indicator_report_v1}


def render(schema: dict[str, Any]) -> str:
    """The exact text committed to the repository for ``schema``."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def write_all(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Regenerate every schema file; returns the paths written."""
    written = []
    for name, build in SCHEMAS.items():
        path = directory / name
        path.write_text(render(build()), encoding="utf-8")
        written.append(path)
    return written
