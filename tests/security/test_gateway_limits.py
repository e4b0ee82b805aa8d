"""The gateway's limits against the real broker: body size (413), batch size (422) and the
per-unit rate limit (429); a refused request produces nothing."""

from __future__ import annotations

import json

from support.gateway import GatewayUnderTest, report


def bearer(gw: GatewayUnderTest, unit: str = "municipality:0301") -> dict[str, str]:
    return {"Authorization": f"Bearer {gw.issuer.issue(unit=unit)}"}


async def test_a_body_over_the_limit_is_413_and_produces_nothing(
    gateway: GatewayUnderTest,
) -> None:
    item = report("0301")
    padded = {**item, "source": "x" * (2 * 1024 * 1024)}
    answer = await gateway.client.post(
        "/v1/reports", content=json.dumps(padded), headers=bearer(gateway)
    )
    assert answer.status_code == 413
    assert answer.json()["reason"] == "body_too_large"
    assert await gateway.produced() == []


async def test_a_batch_of_1001_is_422_and_1000_is_accepted(gateway: GatewayUnderTest) -> None:
    too_many = [report("0301") for _ in range(1001)]
    answer = await gateway.client.post("/v1/reports", json=too_many, headers=bearer(gateway))
    assert answer.status_code == 422
    assert answer.json()["accepted"] == 0
    assert await gateway.produced() == []
    full = [report("0301") for _ in range(1000)]
    answer = await gateway.client.post("/v1/reports", json=full, headers=bearer(gateway))
    assert answer.status_code == 202, answer.text[:500]
    assert answer.json()["accepted"] == 1000
    assert len(await gateway.produced()) == 1000


async def test_the_rate_limit_is_per_unit_and_429_produces_nothing(
    gateway: GatewayUnderTest,
) -> None:
    """The fixture allows a burst of 20 requests per unit and refills almost never."""
    statuses = []
    for _ in range(22):
        answer = await gateway.client.post(
            "/v1/reports", json=report("0301"), headers=bearer(gateway)
        )
        statuses.append(answer.status_code)
    assert statuses == [202] * 20 + [429] * 2
    assert int(answer.headers["Retry-After"]) >= 1
    other = await gateway.client.post(
        "/v1/reports", json=report("4601"), headers=bearer(gateway, "municipality:4601")
    )
    assert other.status_code == 202
    assert len(await gateway.produced()) == 21


async def test_invalid_items_are_422_with_a_reason_and_produce_nothing(
    gateway: GatewayUnderTest,
) -> None:
    bad = [
        {**report("0301"), "revision": "two"},
        {**report("0301"), "extra": 1},
        {**report("0301"), "source": "fnr 01010100050"},
        {**report("0301"), "period": "2999-01"},
    ]
    answer = await gateway.client.post("/v1/reports", json=bad, headers=bearer(gateway))
    assert answer.status_code == 422
    body = answer.json()
    assert [r["status"] for r in body["results"]] == ["rejected"] * 4
    assert all(r["errors"][0]["reason"] and r["errors"][0]["message"] for r in body["results"])
    assert await gateway.produced() == []
