"""Aggregator settings from the environment: the shared ``KAFKA_BROKERS``,
``DATABASE_URL``, ``SOSIALPULS_HOME``, ``SOSIALPULS_TOPIC_PREFIX`` and its own
``SOSIALPULS_AGGREGATOR_*``.

The names before this scheme (``AGGREGATOR_<FIELD>``) are still read, with a warning, for
one release; a ``SOSIALPULS_AGGREGATOR_`` name wins over its old one.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Literal

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from services.settings import BrokerSettings, DatabaseSettings, HomeSettings, service_config

log = logging.getLogger(__name__)
DEPRECATED_PREFIX = "AGGREGATOR_"


class _DeprecatedNames(PydanticBaseSettingsSource):
    """``AGGREGATOR_<FIELD>``: the aggregator's variables before ``SOSIALPULS_AGGREGATOR_``."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        environ = {name.upper(): value for name, value in os.environ.items()}
        found = {
            field: environ[DEPRECATED_PREFIX + field.upper()]
            for field in self.settings_cls.model_fields
            if DEPRECATED_PREFIX + field.upper() in environ
        }
        if found:
            log.warning(
                "deprecated variables %s: use %s instead",
                ", ".join(DEPRECATED_PREFIX + f.upper() for f in found),
                ", ".join(deprecated_replacement(f) for f in found),
            )
        return found


def deprecated_replacement(field: str) -> str:
    """The variable that replaces ``AGGREGATOR_<FIELD>``."""
    alias = AggregatorSettings.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else f"SOSIALPULS_AGGREGATOR_{field.upper()}"


class AggregatorSettings(BrokerSettings, DatabaseSettings, HomeSettings):
    """One worker's configuration; built at start-up."""

    model_config = service_config("aggregator")

    runtime: Literal["faust", "aiokafka"] = "aiokafka"  # the default by the numbers: README
    group_id: str = "sosialpuls-aggregator"
    web_host: str = "127.0.0.1"
    web_port: int = 6066
    batch_size: int = 5000
    batch_within_seconds: float = 0.2
    data_dir: Path | None = None  # faust's data directory; default under SOSIALPULS_HOME
    broker_session_timeout: float = 6.0
    broker_heartbeat_interval: float = 1.0
    lag_interval_seconds: float = 1.5  # how often sosialpuls_consumer_lag is refreshed

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        deprecated = _DeprecatedNames(settings_cls)
        return init_settings, env_settings, deprecated, dotenv_settings, file_secret_settings
