"""SSB's record rules both forms share (003, 004, 004A, 005, 008–013)."""

from __future__ import annotations

from services.compactor.rules.base import Rule

COMMON_RULES: tuple[Rule, ...] = ()
