"""The aggregator's thin adapters: DLQ headers, scorecard records, Prometheus names."""

from __future__ import annotations

import json
from datetime import date

from prometheus_client import CollectorRegistry, generate_latest

from services.aggregator.adapters.kafka import dlq_headers, scorecard_key, scorecard_value
from services.aggregator.adapters.metrics import PrometheusMetrics
from services.aggregator.adapters.write_model import RollupRow
from services.aggregator.handlers import DeadLetter


def test_dlq_headers_name_reason_and_origin() -> None:
    letter = DeadLetter(("reports", 2, 41), b"k", b"{}", "unknown_unit", "no such unit", "e-1")
    assert dict(dlq_headers(letter)) == {
        "reason": b"unknown_unit",
        "message": b"no such unit",
        "origin_topic": b"reports",
        "origin_partition": b"2",
        "origin_offset": b"41",
        "event_id": b"e-1",
    }
    anonymous = DeadLetter(("reports", 0, 1), None, None, "personal_data", "fnr", None)
    assert "event_id" not in dict(dlq_headers(anonymous))


def test_scorecard_record_is_keyed_by_level_code_period() -> None:
    row = RollupRow("county", "03", date(2025, 3, 1), (10, 1, 2, 3, 1000, None), 2, 3)
    assert scorecard_key(row) == b"county:03:2025-03"
    value = scorecard_value(row)
    assert value is not None
    body = json.loads(value)
    assert body["indicators"]["kroner_paid"] == 1000
    assert body["indicators"]["qp_participants"] is None
    assert (body["period"], body["members_reported"], body["members_expected"]) == ("2025-03", 2, 3)
    assert scorecard_value(RollupRow("county", "03", date(2025, 3, 1), None)) is None


def test_metrics_use_conventional_names_on_the_registry_passed_in() -> None:
    registry = CollectorRegistry()
    metrics = PrometheusMetrics(registry)
    metrics.processed(3)
    metrics.rejected("unknown_unit")
    metrics.deduplicated(1)
    metrics.persisted(0.3)
    metrics.postgres_write(0.01)
    metrics.lag(0, 5)
    text = generate_latest(registry).decode()
    assert "sosialpuls_events_processed_total 3.0" in text
    assert 'sosialpuls_events_rejected_total{reason="unknown_unit"} 1.0' in text
    assert "sosialpuls_events_deduplicated_total 1.0" in text
    assert "sosialpuls_end_to_end_latency_seconds_count 1.0" in text
    assert "sosialpuls_postgres_write_seconds_count 1.0" in text
    assert 'sosialpuls_consumer_lag{partition="0"} 5.0' in text
