"""Gateway settings, from the environment (built at start-up, never at import)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.auth.tokens import DEFAULT_AUDIENCE, DEFAULT_ISSUER

REPORTS_TOPIC = "sosialpuls.indicator-reports.v1"
DLQ_TOPIC = REPORTS_TOPIC + ".dlq"
MIB = 1024 * 1024


class GatewaySettings(BaseSettings):
    """Where the broker and keys are, and the gateway's limits.

    Env: ``KAFKA_BROKERS``, ``SOSIALPULS_HOME``, ``SOSIALPULS_TOPIC_PREFIX``,
    ``SOSIALPULS_JWT_PUBLIC_KEY`` (PEM or JWKS path; default ``public.pem`` in
    ``SOSIALPULS_KEYS_DIR``, else in ``$SOSIALPULS_HOME/keys``),
    ``SOSIALPULS_JWT_ISSUER``, ``SOSIALPULS_JWT_AUDIENCE``, and ``SOSIALPULS_GATEWAY_*`` for
    the limits (e.g. ``SOSIALPULS_GATEWAY_MAX_BODY_BYTES``).
    """

    model_config = SettingsConfigDict(
        env_prefix="SOSIALPULS_GATEWAY_", extra="ignore", populate_by_name=True
    )

    kafka_brokers: str = Field("127.0.0.1:9092", validation_alias="KAFKA_BROKERS")
    home: Path = Field(Path(".sosialpuls"), validation_alias="SOSIALPULS_HOME")
    topic_prefix: str = Field("", validation_alias="SOSIALPULS_TOPIC_PREFIX")
    keys_dir: Path | None = Field(None, validation_alias="SOSIALPULS_KEYS_DIR")
    jwt_public_key: Path | None = Field(None, validation_alias="SOSIALPULS_JWT_PUBLIC_KEY")
    jwt_issuer: str = Field(DEFAULT_ISSUER, validation_alias="SOSIALPULS_JWT_ISSUER")
    jwt_audience: str = Field(DEFAULT_AUDIENCE, validation_alias="SOSIALPULS_JWT_AUDIENCE")
    max_body_bytes: int = Field(2 * MIB, gt=0)
    max_items: int = Field(1000, gt=0, le=1000)
    rate_limit_per_second: float = Field(20.0, ge=0)
    rate_limit_burst: float = Field(100.0, gt=0)
    produce_timeout_seconds: float = Field(15.0, gt=0)
    ready_timeout_seconds: float = Field(3.0, gt=0)

    @property
    def reports_topic(self) -> str:
        return self.topic_prefix + REPORTS_TOPIC

    @property
    def dlq_topic(self) -> str:
        """Where refused reports go: the reports topic's ``.dlq`` (same prefix)."""
        return self.topic_prefix + DLQ_TOPIC

    @property
    def public_key_path(self) -> Path:
        """``SOSIALPULS_JWT_PUBLIC_KEY``, else ``public.pem`` in the keys dir of the home."""
        return self.jwt_public_key or (self.keys_dir or self.home / "keys") / "public.pem"

    @property
    def audit_log_path(self) -> Path:
        return self.home / "logs" / "audit.log"
