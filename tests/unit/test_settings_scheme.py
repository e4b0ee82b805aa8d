"""Every settings variable of every service is under the one scheme and documented.

The scheme (``services.settings``): shared variables keep one name for every service
(``SOSIALPULS_HOME``, ``SOSIALPULS_TOPIC_PREFIX``, ``KAFKA_BROKERS``, ``DATABASE_URL``, the
key variables); a service's own are ``SOSIALPULS_<SERVICE>_<FIELD>``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from contracts.topics import PREFIX_VARIABLE
from services.aggregator.config import AggregatorSettings
from services.auth.config import AuthSettings
from services.compactor.config import CompactorSettings, SealSettings
from services.feeds.config import FeedsSettings
from services.gateway.config import GatewaySettings
from services.settings import (
    DATABASE_URL,
    HOME,
    KAFKA_BROKERS,
    SERVICES,
    BrokerSettings,
    DatabaseSettings,
    HomeSettings,
)

README = Path(__file__).resolve().parents[2] / "README.md"
SETTINGS: tuple[type[BaseSettings], ...] = (
    GatewaySettings,
    AggregatorSettings,
    FeedsSettings,
    CompactorSettings,
    SealSettings,
    AuthSettings,
)
SHARED_PARTS: tuple[type[BaseSettings], ...] = (
    HomeSettings,
    BrokerSettings,
    DatabaseSettings,
    AuthSettings,
)


def variables(cls: type[BaseSettings]) -> dict[str, list[str]]:
    """Field name → the environment variables pydantic-settings reads it from."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    out: dict[str, list[str]] = {}
    for name, field in cls.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, str):
            out[name] = [alias]
        elif isinstance(alias, AliasChoices):
            out[name] = [str(choice) for choice in alias.choices]
        else:
            out[name] = [(prefix + name).upper()]
    return out


SHARED = {var for part in SHARED_PARTS for names in variables(part).values() for var in names}


def test_the_shared_variables_are_the_documented_ones() -> None:
    assert {HOME, KAFKA_BROKERS, DATABASE_URL, PREFIX_VARIABLE} <= SHARED
    assert all(var.startswith("SOSIALPULS_") for var in SHARED - {KAFKA_BROKERS, DATABASE_URL})


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda c: c.__name__)
def test_every_field_is_shared_or_under_its_service(cls: type[BaseSettings]) -> None:
    prefix = str(cls.model_config.get("env_prefix", ""))
    assert prefix == "" or prefix in {f"SOSIALPULS_{s.upper()}_" for s in SERVICES}
    for name, names in variables(cls).items():
        for var in names:
            assert var in SHARED or (prefix and var == f"{prefix}{name.upper()}"), (
                f"{cls.__name__}.{name} reads {var}: neither shared nor {prefix}<FIELD>"
            )


@pytest.mark.parametrize("cls", SETTINGS, ids=lambda c: c.__name__)
def test_every_variable_is_in_the_readme_table(cls: type[BaseSettings]) -> None:
    table = README.read_text(encoding="utf-8").split("## Configuration", 1)[1].split("\n## ")[0]
    for names in variables(cls).values():
        for var in names:
            assert f"`{var}`" in table, f"{var} is missing from README's Configuration table"


def test_every_service_reads_the_topic_prefix_from_one_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(PREFIX_VARIABLE, "shared-1.")
    assert GatewaySettings().reports_topic == "shared-1.sosialpuls.indicator-reports.v1"
    assert AggregatorSettings().reports_topic == "shared-1.sosialpuls.indicator-reports.v1"
    assert AggregatorSettings().scorecard_topic == "shared-1.sosialpuls.scorecard-updates.v1"
    assert SealSettings().annual_topic == "shared-1.sosialpuls.annual-reconciled.v1"


def test_the_aggregators_old_names_are_read_until_the_new_ones_are_set(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("AGGREGATOR_BATCH_SIZE", "50")
    monkeypatch.setenv("AGGREGATOR_WEB_PORT", "7001")
    monkeypatch.setenv("SOSIALPULS_AGGREGATOR_WEB_PORT", "7002")
    with caplog.at_level(logging.WARNING, logger="services.aggregator.config"):
        settings = AggregatorSettings()
    assert (settings.batch_size, settings.web_port) == (50, 7002)
    assert "SOSIALPULS_AGGREGATOR_BATCH_SIZE" in caplog.text  # the warning names the new one
