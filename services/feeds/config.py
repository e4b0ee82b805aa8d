"""Feeds settings, from the environment (built at start-up, never at import)."""

from __future__ import annotations

from pydantic import Field

from services.auth.config import AuthSettings
from services.settings import DatabaseSettings, service_config


class FeedsSettings(DatabaseSettings, AuthSettings):
    """Where PostgreSQL and the keys are, and the feed's limits.

    Shared: ``DATABASE_URL``, ``SOSIALPULS_HOME`` and the key variables
    (``services.auth.config``); its own under ``SOSIALPULS_FEEDS_`` (e.g.
    ``SOSIALPULS_FEEDS_MAX_MONTHS``, ``SOSIALPULS_FEEDS_STREAM_POLL_SECONDS``).
    """

    model_config = service_config("feeds")

    max_months: int = Field(36, gt=0, le=120)
    max_rows: int = Field(1000, gt=0, le=10_000)
    stream_poll_seconds: float = Field(1.0, gt=0)
    snapshot_debounce_seconds: float = Field(2.0, ge=0)
    """While reports stream in, a period's figures and pattern are recomputed at most once
    per this many seconds, in the background; answers show the last complete snapshot
    (``SOSIALPULS_FEEDS_SNAPSHOT_DEBOUNCE_SECONDS``; 0: every answer is current)."""
    stream_max_seconds: float = Field(3600.0, gt=0)
    gateway_url: str | None = None
    """Where /rapportering's uploads are forwarded (``SOSIALPULS_FEEDS_GATEWAY_URL``)."""
    max_upload_bytes: int = Field(2 * 1024 * 1024, gt=0)
