"""Prometheus metrics of the aggregator, on a registry passed in (never the global one)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0)
WRITE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class PrometheusMetrics:
    """The handler's ``Metrics`` plus consumer lag and readiness, as Prometheus series."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._processed = Counter(
            "sosialpuls_events_processed", "Records consumed and handled", registry=registry
        )
        self._rejected = Counter(
            "sosialpuls_events_rejected",
            "Records dead-lettered, by reason",
            ["reason"],
            registry=registry,
        )
        self._deduplicated = Counter(
            "sosialpuls_events_deduplicated",
            "Valid reports already applied (same unit-period-revision and content)",
            registry=registry,
        )
        self._superseded = Counter(
            "sosialpuls_events_superseded",
            "Valid reports with a lower revision than the current winner",
            registry=registry,
        )
        self._latency = Histogram(
            "sosialpuls_end_to_end_latency_seconds",
            "From the report's reported_at to its fact committed in PostgreSQL",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self._write = Histogram(
            "sosialpuls_postgres_write_seconds",
            "Duration of one batch transaction in PostgreSQL",
            buckets=WRITE_BUCKETS,
            registry=registry,
        )
        self._lag = Gauge(
            "sosialpuls_consumer_lag",
            "Records behind the broker's high watermark (from fetch responses), per partition",
            ["partition"],
            registry=registry,
        )
        self._lag_partitions: set[int] = set()

    def processed(self, n: int) -> None:
        self._processed.inc(n)

    def rejected(self, reason: str) -> None:
        self._rejected.labels(reason=reason).inc()

    def deduplicated(self, n: int) -> None:
        self._deduplicated.inc(n)

    def superseded(self, n: int) -> None:
        self._superseded.inc(n)

    def persisted(self, latency_seconds: float) -> None:
        self._latency.observe(max(latency_seconds, 0.0))

    def postgres_write(self, seconds: float) -> None:
        self._write.observe(seconds)

    def lag(self, partition: int, records: int) -> None:
        """Set the lag of one partition (high watermark − next offset to process)."""
        self._lag.labels(partition=str(partition)).set(max(records, 0))
        self._lag_partitions.add(partition)

    def lags(self, by_partition: Mapping[int, int], keep: Iterable[int]) -> None:
        """Set the lag of ``by_partition``; drop the series of partitions not in ``keep``."""
        for partition, records in by_partition.items():
            self.lag(partition, records)
        kept = set(keep)
        for partition in sorted(self._lag_partitions - kept):
            self._lag.remove(str(partition))
            self._lag_partitions.discard(partition)


class NullMetrics:
    """The handler's ``Metrics`` that records nothing (replays, profiles, tests)."""

    def processed(self, n: int) -> None: ...
    def rejected(self, reason: str) -> None: ...
    def deduplicated(self, n: int) -> None: ...
    def superseded(self, n: int) -> None: ...
    def persisted(self, latency_seconds: float) -> None: ...
    def postgres_write(self, seconds: float) -> None: ...
