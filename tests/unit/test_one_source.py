"""Each name lives in one place (``contracts/``): no service, launcher or benchmark spells
the indicator list or a topic name again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted(
    path
    for folder in ("services", "deploy", "bench", "contracts")
    for path in (ROOT / folder).rglob("*.py")
)
SPELLINGS = {
    "the indicator list": (
        re.compile(r'^\s*"recipients_main_livelihood",\s*$|recipients_main_livelihood, ', re.M),
        {"contracts/rules.py"},
    ),
    "a topic name": (
        re.compile(r'"sosialpuls\.(indicator-reports|scorecard-updates|annual-reconciled)'),
        {"contracts/topics.py"},
    ),
    "the level list": (
        re.compile(r'^\s*"kostra_group",\s*$', re.M),
        {"contracts/registry/model.py"},
    ),
}


@pytest.mark.parametrize("what", sorted(SPELLINGS))
def test_spelled_only_in_contracts(what: str) -> None:
    pattern, home = SPELLINGS[what]
    found = {
        str(path.relative_to(ROOT))
        for path in SOURCES
        if pattern.search(path.read_text(encoding="utf-8"))
    }
    assert found == home, f"{what} is spelled again in {sorted(found - home)}"
