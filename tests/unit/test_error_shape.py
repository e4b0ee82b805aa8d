"""Both HTTP APIs refuse in one shape: ``reason`` and ``detail`` (services/errors.py)."""

from __future__ import annotations

from pathlib import Path

import httpx
from support.fakes import VERIFIER, FakeSink

from services.feeds.app import create_app as create_feeds
from services.feeds.config import FeedsSettings
from services.gateway.app import create_app as create_gateway
from services.gateway.config import GatewaySettings


async def test_a_request_without_a_token_is_refused_alike_by_both_apis(tmp_path: Path) -> None:
    gateway = create_gateway(GatewaySettings(home=tmp_path), verifier=VERIFIER, sink=FakeSink())
    feeds = create_feeds(FeedsSettings(home=tmp_path), verifier=VERIFIER)
    bodies = []
    for app, path in ((gateway, "/v1/reports"), (feeds, "/v1/coverage")):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answer = await client.request("POST" if app is gateway else "GET", path)
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == "Bearer"
        bodies.append(answer.json())
    gateway_body, feeds_body = bodies
    assert set(gateway_body) == {"reason", "detail"}
    assert {"reason", "detail"} <= set(feeds_body)
    assert (feeds_body["error"], feeds_body["message"]) == (  # the former names, one release
        feeds_body["reason"],
        feeds_body["detail"],
    )
