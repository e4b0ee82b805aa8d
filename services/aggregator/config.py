"""Aggregator settings from the environment (``KAFKA_BROKERS``, ``DATABASE_URL``,
``AGGREGATOR_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class AggregatorSettings(BaseSettings):
    """One worker's configuration; built at start-up."""

    model_config = SettingsConfigDict(env_prefix="AGGREGATOR_", extra="ignore")

    kafka_brokers: str = Field(
        "127.0.0.1:9092", validation_alias=AliasChoices("KAFKA_BROKERS", "AGGREGATOR_KAFKA_BROKERS")
    )
    database_url: str = Field(
        "postgresql://localhost/sosialpuls",
        validation_alias=AliasChoices("DATABASE_URL", "AGGREGATOR_DATABASE_URL"),
    )
    runtime: Literal["faust", "aiokafka"] = "faust"  # aiokafka: plain consumer loop, faster
    topic_prefix: str = ""  # tests use a private, prefixed set of topics
    group_id: str = "sosialpuls-aggregator"
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    batch_size: int = 5000
    batch_within_seconds: float = 0.2
    data_dir: Path | None = None  # faust's data directory; default under SOSIALPULS_HOME
    home: Path = Field(
        Path(".sosialpuls"), validation_alias=AliasChoices("SOSIALPULS_HOME", "AGGREGATOR_HOME")
    )
    broker_session_timeout: float = 6.0
    broker_heartbeat_interval: float = 1.0
    lag_interval_seconds: float = 1.5  # how often sosialpuls_consumer_lag is refreshed

    @property
    def reports_topic(self) -> str:
        return self.topic_prefix + "sosialpuls.indicator-reports.v1"

    @property
    def dlq_topic(self) -> str:
        return self.topic_prefix + "sosialpuls.indicator-reports.v1.dlq"

    @property
    def scorecard_topic(self) -> str:
        return self.topic_prefix + "sosialpuls.scorecard-updates.v1"
