"""Feeds settings, from the environment (built at start-up, never at import)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.auth.tokens import DEFAULT_AUDIENCE, DEFAULT_ISSUER


class FeedsSettings(BaseSettings):
    """Where PostgreSQL and the keys are, and the feed's limits.

    Env: ``DATABASE_URL``, ``SOSIALPULS_HOME``, ``SOSIALPULS_KEYS_DIR``,
    ``SOSIALPULS_JWT_PUBLIC_KEY`` (PEM or JWKS; default ``public.pem`` in the keys dir),
    ``SOSIALPULS_JWT_ISSUER``, ``SOSIALPULS_JWT_AUDIENCE`` and ``SOSIALPULS_FEEDS_*`` for the
    limits (e.g. ``SOSIALPULS_FEEDS_MAX_MONTHS``, ``SOSIALPULS_FEEDS_STREAM_POLL_SECONDS``).
    """

    model_config = SettingsConfigDict(
        env_prefix="SOSIALPULS_FEEDS_", extra="ignore", populate_by_name=True
    )

    database_url: str = Field("postgresql://localhost/sosialpuls", validation_alias="DATABASE_URL")
    home: Path = Field(Path(".sosialpuls"), validation_alias="SOSIALPULS_HOME")
    keys_dir: Path | None = Field(None, validation_alias="SOSIALPULS_KEYS_DIR")
    jwt_public_key: Path | None = Field(None, validation_alias="SOSIALPULS_JWT_PUBLIC_KEY")
    jwt_issuer: str = Field(DEFAULT_ISSUER, validation_alias="SOSIALPULS_JWT_ISSUER")
    jwt_audience: str = Field(DEFAULT_AUDIENCE, validation_alias="SOSIALPULS_JWT_AUDIENCE")
    max_months: int = Field(36, gt=0, le=120)
    max_rows: int = Field(1000, gt=0, le=10_000)
    stream_poll_seconds: float = Field(1.0, gt=0)
    stream_max_seconds: float = Field(3600.0, gt=0)

    @property
    def public_key_path(self) -> Path:
        """``SOSIALPULS_JWT_PUBLIC_KEY``, else ``public.pem`` in the keys dir of the home."""
        return self.jwt_public_key or (self.keys_dir or self.home / "keys") / "public.pem"

    @property
    def audit_log_path(self) -> Path:
        return self.home / "logs" / "audit.log"
