"""Pure rules of the simulator: replaced revisions stay valid, spells stay inside the year,
report times come from the period and the seed only."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from contracts.reports import invariant_errors, parse_report
from services.simulator.delivery import DeliveryPlanner, earlier_figures, timestamp
from services.simulator.faults import report_json
from services.simulator.microdata import span, spell_in_year
from services.simulator.params import DeliveryParameters


@st.composite
def final_values(draw: st.DrawFn) -> dict[str, int]:
    recipients = draw(st.integers(0, 50_000))
    sub = st.integers(0, recipients)
    return {
        "recipients": recipients,
        "recipients_with_children": draw(sub),
        "recipients_main_livelihood": draw(sub),
        "recipients_under_30": draw(sub),
        "kroner_paid": draw(st.integers(1, 10**9)) if recipients else 0,
        "qp_participants": draw(st.integers(0, 5_000)),
    }


@given(values=final_values(), seed=st.integers(0, 2**32))
def test_earlier_revisions_are_valid_reports(values: dict[str, int], seed: int) -> None:
    earlier = earlier_figures(random.Random(seed), values)
    assert set(earlier) == set(values)
    assert all(v >= 0 for v in earlier.values())
    assert invariant_errors(dict(earlier)) == []


@given(mean=st.floats(1.0, 24.0), seed=st.integers(0, 2**32))
def test_spells_touch_the_year_and_stay_inside_it(mean: float, seed: int) -> None:
    first, length, began = spell_in_year(random.Random(seed), mean)
    assert 0 <= first <= 11 and 1 <= length <= 12 - first and began <= first
    mask = span(first, length)
    assert mask.bit_count() == length and mask < 1 << 12 and mask >> first & 1


@given(month=st.integers(1, 12), seed=st.integers(0, 2**16))
def test_a_unit_month_delivers_valid_revisions_in_order(month: int, seed: int) -> None:
    params = DeliveryParameters(revise_share=0.5, sloppy_miss_share=0.0)
    planner = DeliveryPlanner(2025, seed, params)
    final = {
        "recipients": 40,
        "recipients_with_children": 10,
        "recipients_main_livelihood": 20,
        "recipients_under_30": 15,
        "kroner_paid": 400_000,
        "qp_participants": 3,
    }
    batch = planner.unit_month("municipality", "1103", month, final, False, "fagsystem:x")
    assert 1 <= len(batch) <= 3
    reports = [parse_report(report_json(d.report or {})) for d in batch]
    assert [r.revision for r in reports] == list(range(1, len(batch) + 1))
    assert reports[-1].indicators.model_dump() == final
    assert all(r.period == f"2025-{month:02d}" for r in reports)
    times = [d.delivered_at for d in batch]
    assert times == sorted(times)
    assert all(r.reported_at.strftime("%Y-%m") > r.period for r in reports)
    assert timestamp(times[0]) == batch[0].report["reported_at"]  # type: ignore[index]
