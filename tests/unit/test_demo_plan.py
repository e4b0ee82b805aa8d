"""The demo's replay plan: every line sent once, per unit and month, order kept."""

import json

from hypothesis import given
from hypothesis import strategies as st

from services.demo.plan import FALLBACK_UNIT, plan_replay


def report_line(unit: str, code: str, period: str, revision: int, reported: str) -> str:
    return json.dumps(
        {
            "unit": {"type": unit, "code": code},
            "period": period,
            "revision": revision,
            "reported_at": f"{reported}-05T08:00:00Z",
        }
    )


def test_groups_by_delivery_month_and_unit_keeping_order() -> None:
    lines = [
        report_line("municipality", "1101", "2025-01", 1, "2025-02"),
        report_line("municipality", "1103", "2025-01", 1, "2025-02"),
        report_line("municipality", "1101", "2025-01", 2, "2025-02"),
        report_line("municipality", "1101", "2025-02", 1, "2025-03"),
    ]
    months = plan_replay(lines)
    assert [m.label for m in months] == ["2025-02", "2025-03"]
    first = months[0].requests
    assert [r.unit_key for r in first] == ["municipality:1101", "municipality:1103"]
    revisions = [item["revision"] for item in json.loads(first[0].body)]
    assert revisions == [1, 2]


def test_malformed_line_is_sent_alone_with_a_fallback_token() -> None:
    lines = [report_line("municipality", "1101", "2025-01", 1, "2025-02"), "{not json"]
    months = plan_replay(lines)
    bodies = [r.body for r in months[0].requests]
    assert b"{not json" in bodies
    malformed = next(r for r in months[0].requests if r.body == b"{not json")
    assert malformed.unit_key == FALLBACK_UNIT


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["0301", "1101", "4601"]),
            st.sampled_from(["2025-01", "2025-02", "2025-03"]),
            st.integers(1, 3),
        ),
        max_size=60,
    ),
    st.integers(1, 5),
)
def test_every_report_is_planned_exactly_once(
    items: list[tuple[str, str, int]], batch: int
) -> None:
    lines = [report_line("municipality", c, p, r, p) for c, p, r in items]
    months = plan_replay(lines, max_batch=batch)
    sent = [json.dumps(x) for m in months for req in m.requests for x in json.loads(req.body)]
    assert sorted(sent) == sorted(json.dumps(json.loads(line)) for line in lines)
    assert all(req.reports <= batch for m in months for req in m.requests)
