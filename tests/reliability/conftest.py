"""Reliability tests reuse the aggregator's integration helpers
(``integration.aggregator_support``), ``support.faults`` and the session stack of
``support.fixtures``; all are ``integration``, the long variants also ``soak``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_HERE = Path(__file__).parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "soak: long reliability variant (make soak)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark everything here ``integration``; skip ``soak`` tests unless asked for
    (``-m soak`` or ``SOSIALPULS_SOAK=1``)."""
    wanted = "soak" in (config.getoption("-m") or "") or os.environ.get("SOSIALPULS_SOAK") == "1"
    skip = pytest.mark.skip(reason="long variant: run with -m soak or SOSIALPULS_SOAK=1")
    for item in items:
        if _HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)
            if "soak" in item.keywords and not wanted:
                item.add_marker(skip)
