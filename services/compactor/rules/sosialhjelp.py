"""SSB's record rules only Skjema 11F has (006, 007, 014–043)."""

from __future__ import annotations

from services.compactor.rules.base import Rule

SOSIALHJELP_RULES: tuple[Rule, ...] = ()
