"""The report builder every test uses: a valid event-contract v1 report as a dict."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

DESIGN_EXAMPLE: dict[str, int | None] = {
    "recipients": 2410,
    "recipients_with_children": 610,
    "recipients_main_livelihood": 1190,
    "recipients_under_30": 820,
    "kroner_paid": 31250400,
    "qp_participants": 170,
}
"""The six indicators of the example in the design (a large municipality's month)."""

SMALL: dict[str, int | None] = {
    "recipients": 40,
    "recipients_with_children": 10,
    "recipients_main_livelihood": 20,
    "recipients_under_30": 12,
    "kroner_paid": 400000,
    "qp_participants": 3,
}
"""A small unit's month (every figure above the sharing threshold)."""


def report(
    code: str = "0301",
    unit_type: str = "municipality",
    *,
    period: str = "2025-03",
    revision: int = 1,
    source: str = "fagsystem:test",
    reported_at: str = "2025-04-03T08:15:00Z",
    event_id: str | None = None,
    indicators: Mapping[str, int | None] = DESIGN_EXAMPLE,
    **fields: Any,
) -> dict[str, Any]:
    """A valid v1 report (a new ``event_id`` unless given); ``fields`` add or replace
    top-level fields, to make it invalid on purpose."""
    return {
        "event_id": event_id or str(uuid.uuid4()),
        "schema_version": 1,
        "unit": {"type": unit_type, "code": code},
        "period": period,
        "revision": revision,
        "source": source,
        "reported_at": reported_at,
        "indicators": dict(indicators),
        **fields,
    }


def report_with(
    code: str = "0301", unit_type: str = "municipality", **indicators: int | None
) -> dict[str, Any]:
    """The design example's report for a unit, with ``indicators`` changed."""
    return report(code, unit_type, indicators={**DESIGN_EXAMPLE, **indicators})
