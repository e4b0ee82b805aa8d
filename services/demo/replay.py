"""Send a planned replay through the gateway, with a progress bar per month (a line per
month in a pipe or file)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.cli.display import Display
from services.demo.plan import Month, Request

TokenFor = Callable[[str], str]


@dataclass(slots=True)
class ReplayTally:
    """What the gateway answered over the whole replay."""

    requests: int = 0
    reports_sent: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    http_status: Counter[int] = field(default_factory=Counter)

    def record(self, request: Request, status: int, body: Any) -> None:
        self.requests += 1
        self.reports_sent += request.reports
        self.http_status[status] += 1
        items = _items(body)
        if not items:
            if status == 202:
                self.accepted += request.reports
            else:
                self.rejected[_reason(body) or f"http_{status}"] += request.reports
            return
        for item in items:
            if item.get("status") == "accepted" or "offset" in item:
                self.accepted += 1
            else:
                self.rejected[_reason(item) or f"http_{status}"] += 1


def _items(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict):
        for key in ("results", "items", "receipts"):
            value = body.get(key)
            if isinstance(value, list):
                return [item for item in value if isinstance(item, dict)]
    return []


def _reason(body: Any) -> str | None:
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("reason"), str):
        return str(body["reason"])
    for key in ("errors", "detail"):
        value = body.get(key)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            first = value[0]
            reason = first.get("reason") or first.get("type")
            return str(reason) if reason else None
        if isinstance(value, dict):
            return _reason(value)
    return None


async def replay(
    months: list[Month],
    gateway_url: str,
    token_for: TokenFor,
    *,
    concurrency: int = 8,
    pause_between_months: float = 0.0,
    display: Display | None = None,
) -> ReplayTally:
    """Post every request, month by month; returns the tally of the gateway's answers."""
    display = display or Display()
    tally = ReplayTally()
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=gateway_url, timeout=60.0) as client:

        async def send(request: Request) -> None:
            headers = {
                "Authorization": f"Bearer {token_for(request.unit_key)}",
                "Content-Type": "application/json",
            }
            async with limit:
                response = await client.post("/v1/reports", content=request.body, headers=headers)
            try:
                body = response.json()
            except ValueError:
                body = None
            tally.record(request, response.status_code, body)

        for month in months:
            start, accepted = tally.reports_sent, tally.accepted
            with display.bar(f"  {month.label}", month.reports, "reports") as bar:
                tasks = [asyncio.create_task(send(request)) for request in month.requests]
                for finished in asyncio.as_completed(tasks):
                    await finished
                    bar.update(
                        tally.reports_sent - start, f"{tally.accepted - accepted:,} accepted"
                    )
            if pause_between_months:
                await asyncio.sleep(pause_between_months)
    return tally
