"""Forwarding the reporting page's uploads to the ingest gateway (an HTTP adapter).

The page is served by the feeds; its uploads are posted to the feeds (same origin, so no
CORS) and passed on unchanged to two fixed gateway paths. The gateway authenticates,
validates, rate-limits and audits them as any other submission: the feeds only pass the
bearer token and the body through and never look inside.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

TARGETS = {"json": "/v1/reports", "csv": "/v1/reports/csv"}
PASSED_HEADERS = ("authorization", "content-type")
RETURNED_HEADERS = ("retry-after", "www-authenticate")


class GatewayUnavailable(Exception):
    """The gateway is not configured or did not answer."""


@dataclass(frozen=True, slots=True)
class Forwarded:
    """The gateway's answer as received."""

    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]


async def forward(
    base_url: str | None,
    kind: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout: float = 30.0,
) -> Forwarded:
    """POST ``body`` to the gateway's ``TARGETS[kind]`` with the caller's authorization and
    content type; raise ``GatewayUnavailable`` when there is no gateway to ask."""
    if not base_url:
        raise GatewayUnavailable("no gateway is configured (SOSIALPULS_FEEDS_GATEWAY_URL)")
    sent = {k: v for k, v in headers.items() if k.lower() in PASSED_HEADERS}
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=timeout) as client:
            answer = await client.post(TARGETS[kind], content=body, headers=sent)
    except httpx.HTTPError as exc:
        raise GatewayUnavailable(f"the gateway did not answer: {type(exc).__name__}") from exc
    kept = {k: v for k, v in answer.headers.items() if k.lower() in RETURNED_HEADERS}
    return Forwarded(
        answer.status_code,
        answer.content,
        answer.headers.get("content-type", "application/json"),
        kept,
    )
