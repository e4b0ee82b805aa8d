"""Rollups by assignment: random interleavings of reports, duplicates and revisions
against a brute-force recomputation from the winning reports."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st
from support.aggregator_oracle import Outcome, RollupBook, sum_values

from contracts.registry import Registry
from contracts.reports import IndicatorReportV1, parse_report
from services.aggregator.domain import Values, values_of

TODAY = date(2025, 6, 15)
PERIOD_UNITS = {
    "2023-03": [
        ("municipality", "3001"),
        ("municipality", "3012"),
        ("nav_office", "0101"),
        ("district", "030101"),
        ("district", "030102"),
        ("municipality", "0301"),
    ],
    "2024-03": [
        ("municipality", "3101"),
        ("municipality", "3124"),
        ("nav_office", "0101"),
        ("district", "030101"),
        ("municipality", "0301"),
        ("municipality", "0301"),
    ],
}


@cache
def registry() -> Registry:
    return Registry.load()


def make_report(
    unit: tuple[str, str], period: str, revision: int, recipients: int, kroner: int
) -> IndicatorReportV1:
    body = {
        "event_id": str(uuid.uuid4()),
        "schema_version": 1,
        "unit": {"type": unit[0], "code": unit[1]},
        "period": period,
        "revision": revision,
        "source": "test",
        "reported_at": "2025-04-03T08:15:00Z",
        "indicators": {
            "recipients": recipients,
            "recipients_with_children": recipients // 3,
            "recipients_main_livelihood": recipients // 2,
            "recipients_under_30": None if recipients % 5 == 0 else recipients // 4,
            "kroner_paid": kroner if recipients else 0,
            "qp_participants": recipients % 7,
        },
    }
    return parse_report(json.dumps(body), today=TODAY)


report_specs = st.tuples(
    st.sampled_from(sorted(PERIOD_UNITS)),
    st.integers(0, 5),
    st.integers(1, 3),
    st.integers(0, 40),
    st.integers(0, 10**6),
)


@st.composite
def deliveries(draw: st.DrawFn) -> list[IndicatorReportV1]:
    """Reports, some redelivered (same event), shuffled."""
    specs = draw(st.lists(report_specs, min_size=1, max_size=25))
    reports = [make_report(PERIOD_UNITS[p][u], p, rev, r, k) for p, u, rev, r, k in specs]
    copies = draw(st.lists(st.sampled_from(range(len(reports))), max_size=10))
    stream = reports + [reports[i] for i in copies]
    return draw(st.permutations(stream))


def winners(stream: Sequence[IndicatorReportV1]) -> dict[tuple[str, str, str], Values]:
    """Brute force: the highest revision per unit-period, the first one seen on a tie."""
    best: dict[tuple[str, str, str], IndicatorReportV1] = {}
    for r in stream:
        key = (r.unit.type, r.unit.code, r.period)
        if key not in best or r.revision > best[key].revision:
            best[key] = r
    return {k: values_of(r) for k, r in best.items()}


def brute_rollups(
    facts: dict[tuple[str, str, str], Values],
) -> dict[tuple[str, str, str], Values]:
    """Every rollup recomputed from scratch with the registry's plain lookups."""
    reg = registry()
    out: dict[tuple[str, str, str], Values] = {}
    periods = {p for _, _, p in facts}
    for period in periods:
        here = {(t, c): v for (t, c, p), v in facts.items() if p == period}

        def municipality_value(m: str, here: dict[tuple[str, str], Values] = here) -> Values | None:
            if ("municipality", m) in here:
                return here[("municipality", m)]
            parts = [
                v
                for (t, c), v in here.items()
                if t == "district" and reg.municipality_of_district(c) == m
            ]
            return sum_values(parts) if parts else None

        for (t, c), v in here.items():
            if t == "district":
                out[("district", c, period)] = v
        municipal = {
            m: mv
            for m in reg.expected_units(period, "municipality")
            if (mv := municipality_value(m)) is not None
        }
        groups: dict[tuple[str, str], list[Values]] = {}
        for m, mv in municipal.items():
            out[("municipality", m, period)] = mv
            keys = [("county", reg.county_of(m, period)), ("nation", "0")]
            if group := reg.kostra_group_of(m, period):
                keys.append(("kostra_group", group))
            for key in keys:
                groups.setdefault(key, []).append(mv)
        for (level, code), parts in groups.items():
            out[(level, code, period)] = sum_values(parts)
        for office in reg.expected_units(period, "nav_office"):
            if ("nav_office", office) in here:
                out[("nav_office", office, period)] = here[("nav_office", office)]
                continue
            area_values = []
            for t, c in reg.areas_of_office(office, period):
                value = municipality_value(c) if t == "municipality" else here.get((t, c))
                if t == "district" and ("municipality", reg.municipality_of_district(c)) in here:
                    value = None
                area_values.append(value)
            if area_values and all(v is not None for v in area_values):
                out[("nav_office", office, period)] = sum_values(
                    [v for v in area_values if v is not None]
                )
    return out


@settings(max_examples=150, deadline=None)
@given(deliveries())
def test_rollups_equal_brute_force_whatever_the_order(stream: list[IndicatorReportV1]) -> None:
    book = RollupBook(registry())
    for report in stream:
        book.receive(report)
    expected_facts = winners(stream)
    assert book.facts == expected_facts
    assert {k: f.values for k, f in book.rollups().items()} == brute_rollups(expected_facts)


@settings(max_examples=50, deadline=None)
@given(deliveries())
def test_replaying_everything_again_changes_nothing(stream: list[IndicatorReportV1]) -> None:
    book = RollupBook(registry())
    for report in stream:
        book.receive(report)
    before = (dict(book.facts), book.rollups())
    outcomes = {book.receive(report) for report in stream}
    assert Outcome.ACCEPTED not in outcomes
    assert (dict(book.facts), book.rollups()) == before


def test_a_revision_replaces_the_contribution_instead_of_adding() -> None:
    book = RollupBook(registry())
    book.receive(make_report(("municipality", "3001"), "2023-03", 1, 10, 1000))
    book.receive(make_report(("municipality", "3012"), "2023-03", 1, 5, 500))
    book.receive(make_report(("municipality", "3001"), "2023-03", 2, 20, 2000))
    office = book.rollup("nav_office", "0101", "2023-03")
    assert office is not None
    assert office.values[0] == 25
    assert (office.members_reported, office.members_expected) == (2, 2)


def test_an_office_waits_for_all_its_areas_unless_it_reports_itself() -> None:
    book = RollupBook(registry())
    book.receive(make_report(("municipality", "3001"), "2023-03", 1, 10, 1000))
    assert book.rollup("nav_office", "0101", "2023-03") is None
    book.receive(make_report(("nav_office", "0101"), "2023-03", 1, 12, 1200))
    office = book.rollup("nav_office", "0101", "2023-03")
    assert office is not None and office.values[0] == 12


def test_districts_stop_counting_once_the_municipality_reports_as_a_whole() -> None:
    book = RollupBook(registry())
    book.receive(make_report(("district", "030101"), "2023-03", 1, 10, 1000))
    county = book.rollup("county", "03", "2023-03")
    assert county is not None and county.values[0] == 10
    book.receive(make_report(("municipality", "0301"), "2023-03", 1, 100, 10000))
    county = book.rollup("county", "03", "2023-03")
    assert county is not None and county.values[0] == 100
    district = book.rollup("district", "030101", "2023-03")
    assert district is not None and district.values[0] == 10
