"""A simulated year with the standard faults, posted through the gateway unit by unit:
every valid report is accepted and lands on the topic, every fault the gateway can see is
refused with the simulator's reason and is on the DLQ topic exactly once with that reason,
and what only the aggregator can judge (conflicting revisions) passes through to it."""

from __future__ import annotations

import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.gateway import gateway_settings, serve_gateway
from test_gateway_kafka import assert_from_gateway, dlq_headers, read_records

from contracts.personal_data import find_personal_data
from deploy.local.keys import ensure_signing_key
from deploy.local.topics import TopicSet
from services.auth.tokens import TokenIssuer, UnitRef, load_private_key
from services.simulator.run import SimulationConfig, simulate

AGGREGATOR_ONLY = {"conflicting_revision", "sealed_year", None}
Letter = tuple[str, str | None, str]
FALLBACK_UNIT = "municipality:0301"


def unit_of(line: str) -> str:
    """The unit whose token posts ``line`` (a fixed one when the line names none)."""
    try:
        unit = json.loads(line)["unit"]
        return UnitRef.parse(f"{unit['type']}:{unit['code']}").key
    except Exception:
        return FALLBACK_UNIT


async def all_records(brokers: str, topic: str, expected: int) -> dict[str, str]:
    """event_id → key of every record on ``topic``."""
    records = await read_records(brokers, topic, expected)
    assert len(records) == expected, f"{len(records)} records on the topic, {expected} accepted"
    return {json.loads(m.value)["event_id"]: m.key.decode() for m in records}


def is_json(line: str) -> bool:
    try:
        json.loads(line)
    except ValueError:
        return False
    return True


def dead_letter_identity(reason: str, event_id: str | None, value: bytes) -> Letter:
    """What identifies a dead letter: reason, event id, and the value (canonical JSON)."""
    text = value.decode("utf-8")
    if is_json(text):
        text = json.dumps(json.loads(text), sort_keys=True)
    return reason, event_id, text


def expected_dead_letter(line: str, reason: str) -> Letter:
    """The dead letter a refused simulator line must leave."""
    if reason == "personal_data":
        return reason, None, ""
    if not is_json(line):
        return reason, None, line
    return dead_letter_identity(reason, json.loads(line)["event_id"], line.encode())


@pytest.fixture
async def gateway(
    kafka_brokers: str, topics: TopicSet, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, TokenIssuer]]:
    ensure_signing_key(tmp_path)
    limits = {"rate_limit_per_second": 1e6, "rate_limit_burst": 1e6}
    settings = gateway_settings(kafka_brokers, topics, tmp_path, **limits)
    issuer = TokenIssuer(load_private_key(tmp_path / "keys" / "private.pem"))
    async with serve_gateway(settings, timeout=60) as client:
        yield client, issuer


async def test_simulated_year_with_faults_through_the_gateway(
    gateway: tuple[httpx.AsyncClient, TokenIssuer], kafka_brokers: str, topics: TopicSet
) -> None:
    client, issuer = gateway
    out = Path(tempfile.mkdtemp(prefix="sim-gw-"))
    simulate(SimulationConfig(year=2025, seed=11, scale=0.02, faults="standard"), out)
    lines = (out / "reports.jsonl").read_text().splitlines()
    faults = [json.loads(x) for x in (out / "faults.jsonl").read_text().splitlines() if x]
    expected_reason = {t["line"] - 1: t["reason"] for t in faults}
    assert {r for r in expected_reason.values() if r not in AGGREGATOR_ONLY}, "no gateway faults"

    by_unit: dict[str, list[int]] = defaultdict(list)
    outcome: dict[int, dict[str, Any]] = {}
    for index, line in enumerate(lines):
        if is_json(line):
            by_unit[unit_of(line)].append(index)
            continue
        token = {"Authorization": f"Bearer {issuer.issue(unit=FALLBACK_UNIT)}"}
        alone = await client.post("/v1/reports", content=line.encode(), headers=token)
        assert alone.status_code == 422, alone.text  # a body that is not JSON: one report
        outcome[index] = {"status": "rejected", "errors": alone.json()["errors"]}
    for unit, indexes in by_unit.items():
        headers = {"Authorization": f"Bearer {issuer.issue(unit=unit)}"}
        body = "[" + ",".join(lines[i] for i in indexes) + "]"
        response = await client.post("/v1/reports", content=body.encode(), headers=headers)
        assert response.status_code in (202, 422), response.text
        for index, result in zip(indexes, response.json()["results"], strict=True):
            outcome[index] = result

    accepted: dict[str, str] = {}  # event_id → key (a duplicate delivery repeats an id)
    accepted_count = 0
    for index, line in enumerate(lines):
        result, reason = outcome[index], expected_reason.get(index)
        if reason in AGGREGATOR_ONLY:
            assert result["status"] == "accepted", (index, reason, result)
            accepted[result["receipt"]["event_id"]] = unit_of(line)
            accepted_count += 1
        else:
            assert result["status"] == "rejected", (index, reason, result)
            assert reason in {e["reason"] for e in result["errors"]}, (index, reason, result)
            echoed = {k: result.get(k) for k in ("unit", "period", "errors")}
            assert find_personal_data(echoed) == [], "a rejection echoes personal data"
    on_topic = await all_records(kafka_brokers, topics.reports, expected=accepted_count)
    assert on_topic == accepted

    refused = {i: r for i, r in expected_reason.items() if r not in AGGREGATOR_ONLY}
    expected = Counter(expected_dead_letter(lines[i], r) for i, r in refused.items())
    assert {r for r, *_ in expected} >= {"malformed_json", "personal_data", "negative_value"}
    letters = await read_records(kafka_brokers, topics.dlq, expected=len(refused))
    found = Counter(
        dead_letter_identity(headers["reason"], headers.get("event_id"), m.value)
        for m in letters
        for headers in [dlq_headers(m)]
    )
    assert found == expected  # every refused line exactly once, with its reason; nothing else
    for m in letters:
        assert_from_gateway(m, topics)
        if dlq_headers(m)["reason"] == "personal_data":
            assert (m.key, m.value) == (None, b"")
