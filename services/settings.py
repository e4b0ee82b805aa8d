"""The one configuration scheme of every service.

Shared variables are read the same way by every service that needs them:
``SOSIALPULS_HOME``, ``SOSIALPULS_TOPIC_PREFIX`` (``contracts.topics.PREFIX_VARIABLE``),
``KAFKA_BROKERS``, ``DATABASE_URL`` and the token key variables of ``services.auth.config``.
A service's own settings are ``SOSIALPULS_<SERVICE>_<FIELD>`` (``service_config``). Each
service's settings class combines the shared parts it needs with its own fields; the table
of every variable is in ``docs/operations.md`` ("Configuration").
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.topics import PREFIX_VARIABLE, TopicSet

HOME = "SOSIALPULS_HOME"
KAFKA_BROKERS = "KAFKA_BROKERS"
DATABASE_URL = "DATABASE_URL"
SERVICES = ("gateway", "aggregator", "feeds", "compact")
"""The services with settings of their own (``compact``: the compactor, as its command)."""


def service_config(service: str) -> SettingsConfigDict:
    """The settings configuration of one service: its own fields under
    ``SOSIALPULS_<SERVICE>_``; shared ones keep the names their fields declare."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    return SettingsConfigDict(
        env_prefix=f"SOSIALPULS_{service.upper()}_", extra="ignore", populate_by_name=True
    )


class HomeSettings(BaseSettings):
    """Where the stack's local state lives (keys, logs, data)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    home: Path = Field(Path(".sosialpuls"), validation_alias=HOME)


class BrokerSettings(BaseSettings):
    """The broker and the topic prefix every service applies to the contract's names."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    kafka_brokers: str = Field("127.0.0.1:9092", validation_alias=KAFKA_BROKERS)
    topic_prefix: str = Field("", validation_alias=PREFIX_VARIABLE)

    @property
    def topics(self) -> TopicSet:
        """The contract's topic names with this stack's prefix."""
        return TopicSet.with_prefix(self.topic_prefix)

    @property
    def reports_topic(self) -> str:
        return self.topics.reports

    @property
    def dlq_topic(self) -> str:
        """Where refused reports go: the reports topic's ``.dlq`` (same prefix)."""
        return self.topics.dlq

    @property
    def scorecard_topic(self) -> str:
        return self.topics.scorecards


class DatabaseSettings(BaseSettings):
    """The PostgreSQL database of the stack."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    database_url: str = Field("postgresql://localhost/sosialpuls", validation_alias=DATABASE_URL)
