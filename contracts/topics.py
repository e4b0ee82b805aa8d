"""The topic names of the event contract and the one variable that prefixes them.

Every service and the launcher take their topic names from here; a shared environment sets
``SOSIALPULS_TOPIC_PREFIX`` once (tests use a private prefix per test) and every service
reads it the same way (``services.settings``).
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX_VARIABLE = "SOSIALPULS_TOPIC_PREFIX"
"""The environment variable whose value goes in front of every topic name."""

REPORTS = "sosialpuls.indicator-reports.v1"
DLQ = REPORTS + ".dlq"
SCORECARDS = "sosialpuls.scorecard-updates.v1"
ANNUAL = "sosialpuls.annual-reconciled.v1"


@dataclass(frozen=True)
class TopicSet:
    """The four topic names of one stack (or of one test, when prefixed)."""

    reports: str
    dlq: str
    scorecards: str
    annual: str

    @classmethod
    def with_prefix(cls, prefix: str = "") -> TopicSet:
        """The standard names with ``prefix`` in front (empty prefix: the real names)."""
        return cls(
            reports=prefix + REPORTS,
            dlq=prefix + DLQ,
            scorecards=prefix + SCORECARDS,
            annual=prefix + ANNUAL,
        )

    @property
    def prefix(self) -> str:
        """The prefix these names were built with."""
        return self.reports.removesuffix(REPORTS)

    def names(self) -> list[str]:
        return [self.reports, self.dlq, self.scorecards, self.annual]
