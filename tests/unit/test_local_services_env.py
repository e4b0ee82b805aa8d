"""The launcher tells the feeds where the gateway it started listens (for /rapportering)."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy.local.home import StackHome
from deploy.local.processes import ProcessRecord, save_record
from deploy.local.services import service_env
from services.feeds.config import FeedsSettings


def test_services_started_after_the_gateway_learn_its_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = StackHome(tmp_path)
    before = service_env(home, "127.0.0.1:9092", "postgresql://x/y", 8001)
    assert "SOSIALPULS_FEEDS_GATEWAY_URL" not in before

    gateway = ProcessRecord("gateway", 1, 0, "http://127.0.0.1:8123", "gateway.log", ["uvicorn"])
    save_record(home, gateway)
    env = service_env(home, "127.0.0.1:9092", "postgresql://x/y", 8001)
    assert env["SOSIALPULS_FEEDS_GATEWAY_URL"] == "http://127.0.0.1:8123"
    monkeypatch.setenv("SOSIALPULS_FEEDS_GATEWAY_URL", env["SOSIALPULS_FEEDS_GATEWAY_URL"])
    assert FeedsSettings().gateway_url == "http://127.0.0.1:8123"
