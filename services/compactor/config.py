"""Compactor settings: tolerances per indicator, the accounts threshold, where to seal.

Built at start-up (``CompactorSettings()``), never at import. Tolerances are relative
(0.10 = 10 %); every one can be overridden from the environment, e.g.
``SOSIALPULS_COMPACT_TOLERANCE_RECIPIENTS_WITH_CHILDREN=0.15``.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.rules import INDICATORS as INDICATORS
from contracts.topics import ANNUAL

EXACT_INDICATORS: frozenset[str] = frozenset(
    {"recipients", "recipients_under_30", "kroner_paid", "qp_participants"}
)
"""Derivable exactly from the forms; the other two come from last-contact values."""
ESTIMATED_INDICATORS: frozenset[str] = frozenset(INDICATORS) - EXACT_INDICATORS

ACCOUNTS_FUNCTION = "281"
ACCOUNTS_UNIT_KRONER = 1000


class CompactorSettings(BaseSettings):
    """Tolerances and thresholds of the reconciliation (env prefix ``SOSIALPULS_COMPACT_``)."""

    model_config = SettingsConfigDict(env_prefix="SOSIALPULS_COMPACT_", extra="ignore")

    tolerance_recipients: float = Field(default=0.0, ge=0)
    tolerance_recipients_under_30: float = Field(default=0.0, ge=0)
    tolerance_kroner_paid: float = Field(default=0.0, ge=0)
    tolerance_qp_participants: float = Field(default=0.0, ge=0)
    tolerance_recipients_with_children: float = Field(default=0.10, ge=0)
    tolerance_recipients_main_livelihood: float = Field(default=0.10, ge=0)
    accounts_threshold: float = Field(default=0.20, ge=0)
    """SSB flags function 281 vs bidrag + lån when more than ±20 % apart."""

    def tolerances(self) -> dict[str, float]:
        """The relative tolerance of each indicator."""
        return {name: float(getattr(self, f"tolerance_{name}")) for name in INDICATORS}


class SealSettings(BaseSettings):
    """Where sealed figures go: the broker and the topic prefix (tests use a private one)."""

    model_config = SettingsConfigDict(extra="ignore")

    kafka_brokers: str = "127.0.0.1:9092"
    sosialpuls_topic_prefix: str = ""

    @property
    def annual_topic(self) -> str:
        """The compacted topic of sealed unit-years."""
        return self.sosialpuls_topic_prefix + ANNUAL
