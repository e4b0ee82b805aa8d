"""The gateway's Prometheus metrics, on a registry of its own (passed in, never global)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram


class GatewayMetrics:
    """Requests by endpoint and status; reports accepted, rejected and dead-lettered."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.requests = Counter(
            "sosialpuls_gateway_requests_total",
            "HTTP requests to the ingest endpoints, by endpoint and status code",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.accepted = Counter(
            "sosialpuls_gateway_reports_accepted_total",
            "Reports produced to the reports topic and acknowledged by the broker",
            registry=self.registry,
        )
        self.rejected = Counter(
            "sosialpuls_gateway_reports_rejected_total",
            "Reports or requests refused, by reason (contract reasons, auth, limits)",
            ["reason"],
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "sosialpuls_gateway_reports_dead_lettered_total",
            "Refused reports produced to the DLQ topic and acknowledged, by reason",
            ["reason"],
            registry=self.registry,
        )
        self.produce_seconds = Histogram(
            "sosialpuls_gateway_produce_duration_seconds",
            "Time from sending a request's reports to the broker's last acknowledgement",
            registry=self.registry,
        )
