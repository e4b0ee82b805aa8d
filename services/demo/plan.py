"""Pure planning of a replay: which requests to send, in which order, month by month.

A simulated year's `reports.jsonl` is in delivery order. The replay sends it through the
gateway as the reporting units would: each unit with its own token, its reports of one
delivery month in one request (order kept), the months one after another so a viewer can
watch the dashboard fill in.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

FALLBACK_UNIT = "municipality:0301"


@dataclass(frozen=True, slots=True)
class Request:
    """One POST to the gateway: the unit whose token signs it and the raw JSON body."""

    unit_key: str
    body: bytes
    reports: int


@dataclass(slots=True)
class Month:
    """The requests of one delivery month, e.g. ``2025-02``."""

    label: str
    requests: list[Request] = field(default_factory=list)

    @property
    def reports(self) -> int:
        return sum(request.reports for request in self.requests)


def _delivery_month(report: dict[str, object]) -> str:
    reported_at = report.get("reported_at")
    if isinstance(reported_at, str) and len(reported_at) >= 7:
        return reported_at[:7]
    period = report.get("period")
    return period if isinstance(period, str) else "unknown"


def _unit_key(report: dict[str, object]) -> str:
    unit = report.get("unit")
    if isinstance(unit, dict):
        unit_type, code = unit.get("type"), unit.get("code")
        if isinstance(unit_type, str) and isinstance(code, str):
            return f"{unit_type}:{code}"
    return FALLBACK_UNIT


def plan_replay(lines: Iterable[str], max_batch: int = 1000) -> list[Month]:
    """Group delivery-ordered JSON lines into per-month, per-unit requests.

    A line that is not a JSON object (a malformed delivery) is sent on its own, as is, in
    the month of the report before it, so the gateway's rejection shows in the summary.
    """
    months: dict[str, Month] = {}
    batches: dict[tuple[str, str], list[str]] = {}
    order: list[tuple[str, str]] = []
    current = "unknown"
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        try:
            report = json.loads(line)
        except ValueError:
            report = None
        if not isinstance(report, dict):
            months.setdefault(current, Month(current)).requests.append(
                Request(FALLBACK_UNIT, line.encode(), 1)
            )
            continue
        current = _delivery_month(report)
        months.setdefault(current, Month(current))
        key = (current, _unit_key(report))
        if key not in batches:
            batches[key] = []
            order.append(key)
        batches[key].append(line)
    for month_label, unit_key in order:
        items = batches[(month_label, unit_key)]
        for start in range(0, len(items), max_batch):
            chunk = items[start : start + max_batch]
            body = ("[" + ",".join(chunk) + "]").encode()
            months[month_label].requests.append(Request(unit_key, body, len(chunk)))
    return [months[label] for label in sorted(months)]
