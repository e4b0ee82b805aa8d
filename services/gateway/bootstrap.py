"""Wires the gateway: settings, adapters and the use cases that take them.

``bootstrap`` is the one place that builds the gateway's parts; anything passed in (a fake
sink, a test verifier, a registry) replaces what the settings would build.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict, Unpack

from contracts.registry import Registry
from services.auth.audit import AuditLog
from services.auth.tokens import TokenVerifier
from services.gateway.adapters.kafka import KafkaReportSink, ReportSink
from services.gateway.adapters.metrics import GatewayMetrics
from services.gateway.config import GatewaySettings
from services.gateway.domain import TokenBucket, UnitRegistry
from services.gateway.handlers import Gatekeeper, Ingest


@dataclass(frozen=True)
class Gateway:
    """The gateway's parts, as the HTTP layer uses them."""

    settings: GatewaySettings
    registry: UnitRegistry
    sink: ReportSink
    metrics: GatewayMetrics
    gatekeeper: Gatekeeper
    ingest: Ingest


class Parts(TypedDict, total=False):
    """What a caller (a test, a replay) may pass instead of what the settings would build."""

    verifier: TokenVerifier
    sink: ReportSink
    registry: UnitRegistry
    audit: AuditLog
    clock: Callable[[], float]


def bootstrap(settings: GatewaySettings | None = None, **parts: Unpack[Parts]) -> Gateway:
    """The gateway; what is not passed in is built from ``settings`` (default: env). Keys
    and the registry are loaded now; the broker is connected on first use."""
    settings = settings or GatewaySettings()
    verifier = parts.get("verifier") or settings.verifier()
    sink = parts.get("sink") or KafkaReportSink(
        settings.kafka_brokers,
        settings.reports_topic,
        dlq_topic=settings.dlq_topic,
        produce_timeout=settings.produce_timeout_seconds,
        ready_timeout=settings.ready_timeout_seconds,
    )
    registry = parts.get("registry") or Registry.load()
    audit = parts.get("audit") or settings.audit_log()
    clock = parts.get("clock", time.monotonic)
    metrics = GatewayMetrics()
    limiter = TokenBucket(settings.rate_limit_per_second, settings.rate_limit_burst)
    return Gateway(
        settings=settings,
        registry=registry,
        sink=sink,
        metrics=metrics,
        gatekeeper=Gatekeeper(verifier, limiter, audit, clock),
        ingest=Ingest(sink, registry, audit, metrics),
    )
