"""Gateway settings come from the environment the launcher and compose file set."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.gateway.config import GatewaySettings


def test_defaults_follow_the_stack_home(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SOSIALPULS_KEYS_DIR", "SOSIALPULS_JWT_PUBLIC_KEY", "SOSIALPULS_TOPIC_PREFIX"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOSIALPULS_HOME", "/stack")
    monkeypatch.setenv("KAFKA_BROKERS", "127.0.0.1:1234")
    settings = GatewaySettings()
    assert settings.kafka_brokers == "127.0.0.1:1234"
    assert settings.public_key_path == Path("/stack/keys/public.pem")
    assert settings.audit_log_path == Path("/stack/logs/audit.log")
    assert settings.reports_topic == "sosialpuls.indicator-reports.v1"
    assert settings.max_body_bytes == 2 * 1024 * 1024
    assert settings.max_items == 1000


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOSIALPULS_TOPIC_PREFIX", "test-1.")
    monkeypatch.setenv("SOSIALPULS_KEYS_DIR", "/keys")
    monkeypatch.setenv("SOSIALPULS_GATEWAY_MAX_BODY_BYTES", "1000")
    monkeypatch.setenv("SOSIALPULS_GATEWAY_RATE_LIMIT_BURST", "7")
    settings = GatewaySettings()
    assert settings.reports_topic == "test-1.sosialpuls.indicator-reports.v1"
    assert settings.public_key_path == Path("/keys/public.pem")
    assert (settings.max_body_bytes, settings.rate_limit_burst) == (1000, 7)
    monkeypatch.setenv("SOSIALPULS_JWT_PUBLIC_KEY", "/run/secrets/jwt_public_key")
    assert GatewaySettings().public_key_path == Path("/run/secrets/jwt_public_key")


def test_home_is_not_taken_from_the_users_home_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOSIALPULS_HOME", raising=False)
    monkeypatch.delenv("SOSIALPULS_KEYS_DIR", raising=False)
    monkeypatch.setenv("HOME", "/root-of-someone")
    assert GatewaySettings().home == Path(".sosialpuls")
