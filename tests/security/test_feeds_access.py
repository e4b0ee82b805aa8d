"""Object-level access on every feed endpoint that takes a unit, over a simulated year: own
unit unsuppressed (equal to the simulator's truth), another unit and the directorate
suppressed, SSB everything, no or bad token 401, a token without the read scope 403; and
exactly one audit line (PERMIT or DENY) per request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from support.feeds import Feed

from contracts.registry import Registry

PERIOD = "2025-06"


def small_unit(truth: dict[str, Any], unit_type: str) -> str:
    """A unit of ``unit_type`` with 1–3 recipients in PERIOD (primary-suppressed)."""
    for key, months in sorted(truth["units"].items()):
        value = months.get(PERIOD, {}).get("recipients")
        if key.startswith(unit_type + ":") and value is not None and 1 <= value <= 3:
            return str(key)
    raise AssertionError(f"no small {unit_type} in {PERIOD}")


def month_of(body: dict[str, Any]) -> dict[str, Any]:
    month: dict[str, Any]
    if "months" in body:
        month = next(m for m in body["months"] if m["period"] == PERIOD)
    else:
        month = body["nav_office"]  # a scorecard
    return month


async def one_audited(feed: Feed, path: str, **claims: Any) -> tuple[int, dict[str, Any]]:
    before = len(feed.audit_lines())
    answer = await feed.get(path, **claims)
    new = feed.audit_lines()[before:]
    decision = "PERMIT" if answer.status_code == 200 else "DENY"
    assert [line.split()[1] for line in new] == [decision], (path, claims, new)
    return answer.status_code, answer.json()


Endpoint = Callable[[str], str]
ENDPOINTS: dict[str, Endpoint] = {
    "indicators": lambda unit: "/v1/units/{}/{}/indicators?from=2025-01&to={}".format(
        *unit.split(":"), PERIOD
    ),
    "scorecard": lambda unit: f"/v1/scorecards/{unit.split(':')[1]}?period={PERIOD}",
}


@pytest.mark.parametrize("unit_type", ["municipality", "district", "nav_office"])
async def test_the_access_matrix_holds_on_the_unit_endpoints(
    simulated_feed: Feed, unit_type: str
) -> None:
    feed = simulated_feed
    unit = small_unit(feed.truth, unit_type)
    true = feed.truth["units"][unit][PERIOD]
    other = "municipality:0301" if unit != "municipality:0301" else "municipality:4601"
    paths = [ENDPOINTS["indicators"](unit)]
    if unit_type == "nav_office":
        paths.append(ENDPOINTS["scorecard"](unit))
    for path in paths:
        status, own = await one_audited(feed, path, unit=unit)
        assert status == 200
        assert month_of(own)["indicators"]["recipients"] == true["recipients"]
        assert month_of(own)["indicators"]["kroner_paid"] == true["kroner_paid"]
        for caller in ({"unit": other}, {"role": "directorate"}):
            status, seen = await one_audited(feed, path, **caller)
            assert status == 200
            assert month_of(seen)["indicators"]["recipients"] is None
            assert month_of(seen)["indicator_status"]["recipients"] == ":"
            assert month_of(seen)["indicators"]["kroner_paid"] is None
        status, ssb = await one_audited(feed, path, role="ssb")
        assert status == 200
        assert month_of(ssb)["indicators"]["recipients"] == true["recipients"]
        assert (await one_audited(feed, path))[0] == 401
        expired = {"unit": unit, "now": datetime.now(UTC) - timedelta(days=1)}
        assert (await one_audited(feed, path, **expired))[0] == 401
        write_only = {"unit": unit, "scopes": ["reports:write"]}
        assert (await one_audited(feed, path, **write_only))[0] == 403


async def test_a_municipality_sees_its_districts_and_a_district_not_its_sibling(
    simulated_feed: Feed,
) -> None:
    feed = simulated_feed
    district = small_unit(feed.truth, "district")
    code = district.split(":")[1]
    parent = Registry.load().municipality_of_district(code)
    path = ENDPOINTS["indicators"](district)
    true = feed.truth["units"][district][PERIOD]["recipients"]
    status, body = await one_audited(feed, path, unit=f"municipality:{parent}")
    assert status == 200 and month_of(body)["indicators"]["recipients"] == true
    sibling = next(
        d.code
        for d in Registry.load().districts(PERIOD)
        if d.code != code and d.code[:4] == code[:4]
    )
    status, body = await one_audited(feed, path, unit=f"district:{sibling}")
    assert status == 200 and month_of(body)["indicators"]["recipients"] is None
