"""Gateway settings, from the environment (built at start-up, never at import)."""

from __future__ import annotations

from pydantic import Field

from services.auth.config import AuthSettings
from services.settings import BrokerSettings, service_config

MIB = 1024 * 1024


class GatewaySettings(BrokerSettings, AuthSettings):
    """Where the broker and keys are, and the gateway's limits.

    Shared: ``KAFKA_BROKERS``, ``SOSIALPULS_HOME``, ``SOSIALPULS_TOPIC_PREFIX`` and the key
    variables (``services.auth.config``); its own under ``SOSIALPULS_GATEWAY_`` (e.g.
    ``SOSIALPULS_GATEWAY_MAX_BODY_BYTES``).
    """

    model_config = service_config("gateway")

    max_body_bytes: int = Field(2 * MIB, gt=0)
    max_items: int = Field(1000, gt=0, le=1000)
    rate_limit_per_second: float = Field(20.0, ge=0)
    rate_limit_burst: float = Field(100.0, gt=0)
    produce_timeout_seconds: float = Field(15.0, gt=0)
    ready_timeout_seconds: float = Field(3.0, gt=0)
