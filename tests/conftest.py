"""Test configuration: the shared fixtures come from the ``support.fixtures`` plugin
(tests/support); unit tests start nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["support.fixtures"]

_TESTS = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by directory: tests/integration → integration, tests/e2e → e2e."""
    for item in items:
        path = Path(str(item.fspath))
        if _TESTS / "integration" in path.parents:
            item.add_marker(pytest.mark.integration)
        elif _TESTS / "e2e" in path.parents:
            item.add_marker(pytest.mark.e2e)
