"""Fixtures for the security tests: the real gateway app (in process, ASGI) producing to the
real broker, with its own signing key and audit file, and a way to read what it produced.

Tests here are marked ``integration`` (they need the broker from tests/conftest.py).
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from support.databases import create_database, drop_database
from support.feeds import Feed, private_topics, remove_topics, serve_feed
from support.gateway import GatewayUnderTest, gateway_settings, serve_gateway

from deploy.local import LocalStack
from deploy.local.keys import ensure_signing_key
from deploy.local.topics import TopicSet
from services.auth.tokens import TokenIssuer, load_private_key

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
async def gateway(
    kafka_brokers: str, topics: TopicSet, tmp_path: Path
) -> AsyncIterator[GatewayUnderTest]:
    """Default limits except a small rate limit burst (20 requests per unit)."""
    ensure_signing_key(tmp_path)
    limits = {"rate_limit_per_second": 0.001, "rate_limit_burst": 20}
    settings = gateway_settings(kafka_brokers, topics, tmp_path, **limits)
    issuer = TokenIssuer(load_private_key(tmp_path / "keys" / "private.pem"))
    async with serve_gateway(settings) as http:
        yield GatewayUnderTest(http, topics, issuer, tmp_path, kafka_brokers)


@pytest.fixture(scope="module")
async def simulated_feed(local_stack: LocalStack) -> AsyncIterator[Feed]:
    """The feed API over a simulated year (2025, scale 0.02) processed by the real worker."""
    from integration.aggregator_support import (
        produce,
        run_until_caught_up,
        simulated_year,
    )

    work = Path(tempfile.mkdtemp(prefix="feeds-sec-"))
    sim = simulated_year(work / "sim")
    url = await create_database(local_stack.database_url, "feeds_sec")
    topic_set = await private_topics(local_stack.kafka_brokers)
    try:
        ends = await produce(local_stack.kafka_brokers, topic_set.reports, sim.lines)
        group = f"feeds-sec-{uuid.uuid4().hex[:8]}"
        await run_until_caught_up(local_stack.kafka_brokers, url, topic_set, group, ends)
        async for feed in serve_feed(url, work / "home", sim.truth):
            yield feed
    finally:
        await remove_topics(local_stack.kafka_brokers, topic_set)
        await drop_database(url)
