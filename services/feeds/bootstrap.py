"""Wires the feeds: settings, the PostgreSQL pool, the registry's names, the verification
key, the audit log and the metrics. ``create_app`` (``app.py``) mounts the routes on what
this builds; a test passes its own registry or verifier."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge

from contracts.registry import Registry
from services.auth.audit import AuditLog
from services.auth.tokens import TokenVerifier
from services.feeds.config import FeedsSettings
from services.feeds.handlers import Feeds
from services.feeds.names import Names
from services.feeds.queries import Database


@dataclass(frozen=True)
class FeedsService:
    """The feeds' parts, as the HTTP layer uses them."""

    settings: FeedsSettings
    database: Database
    feeds: Feeds
    verifier: TokenVerifier
    audit: AuditLog
    metrics: CollectorRegistry
    requests: Counter
    coverage: Gauge


def bootstrap(
    settings: FeedsSettings | None = None,
    *,
    registry: Registry | None = None,
    verifier: TokenVerifier | None = None,
) -> FeedsService:
    """The feeds; keys, registry and the audit log are loaded now, the PostgreSQL pool is
    opened on first use (so the service is alive before the database)."""
    settings = settings or FeedsSettings()
    metrics = CollectorRegistry()
    database = Database(settings.database_url)
    return FeedsService(
        settings=settings,
        database=database,
        feeds=Feeds(
            Names(registry or Registry.load()),
            debounce=settings.snapshot_debounce_seconds,
            pool=database.pool,
        ),
        verifier=verifier or settings.verifier(),
        audit=settings.audit_log(),
        metrics=metrics,
        requests=Counter(
            "sosialpuls_feed_requests",
            "Feed requests by endpoint and decision",
            ["endpoint", "decision"],
            registry=metrics,
        ),
        coverage=Gauge(
            "sosialpuls_coverage_ratio",
            "Units reported / units expected in the latest period, per level",
            ["level"],
            registry=metrics,
        ),
    )
