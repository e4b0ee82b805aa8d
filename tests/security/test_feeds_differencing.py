"""Differencing on the feed: for one county and month, every filter combination the feed
allows (the CSV export at each level, the per-unit endpoint, the NAV scorecards), read as
the directorate and as each of the county's municipalities (who see their own figures
unsuppressed), must leave every suppressed cell undetermined by the published linear
relations (parent = sum of its members, in every hierarchy; month changes and year to date
over time). Exact: a cell is recoverable iff its unit vector lies in the row space of the
relations restricted to the unknown cells."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np
import pytest
from support.feeds import Cell, Feed

from contracts.registry import Registry
from contracts.reports import INDICATORS

PERIOD = "2025-06"
LEVELS = ("nation", "county", "municipality", "district", "kostra_group", "nav_office")
Published = dict[Cell, tuple[int | None, str]]


def determined(unknowns: list[str], equations: list[dict[str, float]]) -> set[str]:
    """The unknowns fixed by ``equations`` (each: variable → coefficient, = known constant)."""
    if not unknowns or not equations:
        return set()
    index = {u: i for i, u in enumerate(unknowns)}
    rows = [[0.0] * len(unknowns) for _ in equations]
    for r, eq in enumerate(equations):
        for var, coeff in eq.items():
            if var in index:
                rows[r][index[var]] += coeff
    matrix = np.array([row for row in rows if any(row)] or [[0.0] * len(unknowns)])
    _, s, vt = np.linalg.svd(matrix)
    rank = int((s > 1e-9 * max(1.0, s.max(initial=0.0))).sum())
    null = vt[rank:]  # basis of the null space (rows)
    if null.shape[0] == 0:
        return set(unknowns)
    return {u for u, i in index.items() if np.abs(null[:, i]).max() < 1e-9}


async def everything(feed: Feed, **claims: object) -> Published:
    out: Published = {}
    for level in LEVELS:
        out.update(await feed.export(level, PERIOD, **claims))
    return out


Relations = dict[str, list[tuple[str, list[str]]]]


def hierarchy(registry: Registry, truth: Published) -> Relations:
    """Per indicator: (parent, members) relations of the published hierarchies (municipal,
    KOSTRA, NAV office) that hold exactly on the true figures."""
    members: dict[str, list[str]] = defaultdict(list)
    for level, code, _, indicator in truth:
        if indicator != "recipients" or level not in ("municipality", "district"):
            continue
        for parent_level, parent in registry.rollups_of(level, code, PERIOD):
            if level == "district" and parent_level not in ("municipality", "nav_office"):
                continue  # districts count towards the rest through their municipality
            members[f"{parent_level}:{parent}"].append(f"{level}:{code}")
    out: Relations = {}
    for indicator in INDICATORS:
        value = {f"{k[0]}:{k[1]}": v[0] or 0 for k, v in truth.items() if k[3] == indicator}
        out[indicator] = [
            (parent, kids)
            for parent, kids in members.items()
            if parent in value and value[parent] == sum(value.get(k, 0) for k in kids)
        ]
    return out


def only_of(relations: Relations, unit: str, own: str) -> bool:
    """True when ``unit`` is an aggregate of the caller's own unit alone (its own figure)."""
    return any(parent == unit and kids == [own] for parent, kids in relations["recipients"])


def recoverable(published: Published, relations: Relations) -> set[Cell]:
    found: set[Cell] = set()
    for indicator in INDICATORS:
        cells = {
            f"{k[0]}:{k[1]}": v
            for k, v in published.items()
            if k[3] == indicator and k[2] == PERIOD
        }
        unknowns = sorted(u for u, (_, status) in cells.items() if status == ":")
        equations = [
            {parent: -1.0, **{k: 1.0 for k in kids}} for parent, kids in relations[indicator]
        ]
        for unit in determined(unknowns, equations):
            level, code = unit.split(":")
            found.add((level, code, PERIOD, indicator))
    return found


@pytest.fixture(scope="module")
async def truth(simulated_feed: Feed) -> Published:
    return await everything(simulated_feed, role="ssb")


@pytest.fixture(scope="module")
def county(truth: Published) -> tuple[str, list[str]]:
    """The county with the most primary-sensitive municipality cells, and its municipalities."""
    registry = Registry.load()
    small: dict[str, int] = defaultdict(int)
    municipalities: dict[str, list[str]] = defaultdict(list)
    for (level, code, _, indicator), (value, _) in truth.items():
        if level == "municipality" and indicator == "recipients":
            county = registry.county_of(code, PERIOD)
            municipalities[county].append(code)
            small[county] += value is not None and 1 <= value <= 3
    chosen = max(small, key=lambda c: small[c])
    assert small[chosen] > 0, "the simulated month has no small counts to protect"
    return chosen, sorted(municipalities[chosen])


async def test_the_directorate_cannot_recover_a_suppressed_cell(
    simulated_feed: Feed, truth: Published, county: tuple[str, list[str]]
) -> None:
    published = await everything(simulated_feed, role="directorate")
    suppressed = [k for k, (_, status) in published.items() if status == ":"]
    assert suppressed, "nothing suppressed: the test would prove nothing"
    assert all(published[k][0] is None for k in suppressed)
    relations = hierarchy(Registry.load(), truth)
    assert len(relations["recipients"]) > 20
    assert recoverable(published, relations) == set()


async def test_no_municipality_of_the_county_can_recover_another_units_cell(
    simulated_feed: Feed, truth: Published, county: tuple[str, list[str]]
) -> None:
    """A municipality sees its own figures unsuppressed; with them, the published totals
    must still not give away anybody else's suppressed cell."""
    relations = hierarchy(Registry.load(), truth)
    # what the directorate can already recover is reported by the test above
    baseline = recoverable(await everything(simulated_feed, role="directorate"), relations)
    leaks: dict[str, set[Cell]] = {}
    for code in county[1]:
        published = await everything(simulated_feed, unit=f"municipality:{code}")
        own = f"municipality:{code}"
        found = {
            c
            for c in recoverable(published, relations) - baseline
            if f"{c[0]}:{c[1]}" != own and not only_of(relations, f"{c[0]}:{c[1]}", own)
        }
        if found:
            leaks[code] = found
    assert leaks == {}


def series_equations(months: list[dict[str, object]], indicator: str) -> list[dict[str, float]]:
    """x_m published; change_m = x_m − x_(m−1); ytd_m = Σ x_k (k ≤ m)."""
    change = {
        "recipients": "recipients_vs_previous_month",
        "kroner_paid": "kroner_paid_vs_previous_month",
    }
    ytd = {"recipients": "recipient_months", "kroner_paid": "kroner_paid"}
    eqs: list[dict[str, float]] = []
    for i, month in enumerate(months):
        values: Mapping[str, object] = month["indicators"]  # type: ignore[assignment]
        if values.get(indicator) is not None:
            eqs.append({f"x{i}": 1.0})
        changes: Mapping[str, object] = month.get("change") or {}  # type: ignore[assignment]
        if indicator in change and i > 0 and changes.get(change[indicator]) is not None:
            eqs.append({f"x{i}": 1.0, f"x{i - 1}": -1.0})
        totals: Mapping[str, object] = month.get("year_to_date") or {}  # type: ignore[assignment]
        if indicator in ytd and totals.get(ytd[indicator]) is not None:
            eqs.append({f"x{k}": 1.0 for k in range(i + 1)})
    return eqs


async def test_a_units_history_does_not_give_away_a_suppressed_month(
    simulated_feed: Feed, county: tuple[str, list[str]]
) -> None:
    checked = 0
    for code in [county[0], *county[1]]:
        level = "county" if code == county[0] else "municipality"
        answer = await simulated_feed.get(
            f"/v1/units/{level}/{code}/indicators?from=2025-01&to={PERIOD}", role="directorate"
        )
        assert answer.status_code == 200, answer.text[:300]
        months = answer.json()["months"]
        for indicator in INDICATORS:
            hidden = [
                f"x{i}"
                for i, m in enumerate(months)
                if m["indicators"].get(indicator) is None
                and (m.get("indicator_status") or {}).get(indicator) == ":"
            ]
            checked += len(hidden)
            for i, m in enumerate(months):
                if f"x{i}" in hidden:
                    assert m["per_1000_inhabitants"].get(indicator) is None, (code, i, indicator)
            found = determined(hidden, series_equations(months, indicator))
            assert found == set(), (level, code, indicator, sorted(found))
    assert checked > 0
