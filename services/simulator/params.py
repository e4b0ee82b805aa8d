"""Parameters of the synthetic-Norway model, calibrated to SSB's published national figures.

See docs/simulation.md for the sources and what each number does. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FaultProfile = Literal["none", "standard"]

# How much more (or less) common social assistance is in each KOSTRA group than nationally,
# before normalisation: larger towns and Oslo higher, small and rich municipalities lower.
KOSTRA_GROUP_FACTOR: dict[str, float] = {
    "EKG01": 0.95,
    "EKG02": 0.85,
    "EKG03": 0.75,
    "EKG04": 0.90,
    "EKG05": 0.80,
    "EKG06": 0.70,
    "EKG07": 0.95,
    "EKG08": 0.80,
    "EKG09": 1.00,
    "EKG10": 1.10,
    "EKG11": 1.15,
    "EKG12": 1.25,
    "EKG13": 1.45,
    "EKG14": 0.75,
    "EKG15": 0.65,
    "EKG16": 0.60,
    "EKG17": 0.55,
}

# Age bands of recipients (inclusive ages) with their shares.
AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (18, 24, 0.24),
    (25, 29, 0.13),
    (30, 39, 0.26),
    (40, 49, 0.17),
    (50, 66, 0.17),
    (67, 80, 0.03),
)

# Main source of livelihood at last contact (VKLO codes) with shares; 5 = sosialhjelp.
VKLO_SHARES: tuple[tuple[str, float], ...] = (
    ("1", 0.10),
    ("2", 0.05),
    ("3", 0.20),
    ("4", 0.04),
    ("5", 0.42),
    ("6", 0.08),
    ("7", 0.03),
    ("9", 0.08),
)

# 11CF STATUS at 31.12 for a participant whose programme ended during the year.
QP_END_STATUS: tuple[tuple[str, float], ...] = (
    ("3", 0.40),
    ("2", 0.05),
    ("4", 0.30),
    ("5", 0.10),
    ("7", 0.15),
)


@dataclass(frozen=True)
class ModelParameters:
    """The knobs of the model; the defaults give 2024–2026-like national figures."""

    annual_rate: float = 0.0225
    """Share of residents receiving assistance at some time during the year."""
    municipality_spread: float = 0.25
    """Sigma of the log-normal factor that makes municipalities of one group differ."""
    district_spread: float = 0.35
    """Sigma of the log-normal factor between city districts."""
    long_term_share: float = 0.22
    """Recipients with assistance every month of the year."""
    mean_spell_months: float = 4.0
    second_spell_share: float = 0.20
    monthly_amount_median: float = 8_200.0
    """Median bidrag per person-month in kroner (log-normal, sigma 0.55)."""
    amount_sigma: float = 0.55
    oslo_amount_factor: float = 1.2
    loan_share: float = 0.12
    """Share of person-months that include a loan (lån, § 19)."""
    loan_median: float = 3_000.0
    children_share: float = 0.27
    qp_rate: float = 0.0018
    """Qualification-programme participants during the year per resident."""
    qp_mean_months: float = 9.0
    qp_also_assistance_share: float = 0.35
    qp_monthly_stonad: float = 19_000.0
    kostra_group_factor: dict[str, float] = field(default_factory=lambda: KOSTRA_GROUP_FACTOR)


@dataclass(frozen=True)
class DeliveryParameters:
    """How units deliver their monthly reports."""

    late_share: float = 0.12
    very_late_share: float = 0.03
    revise_share: float = 0.10
    second_revision_share: float = 0.3
    sloppy_unit_share: float = 0.05
    """Units that now and then never report a month."""
    sloppy_miss_share: float = 0.15
    office_reporter_share: float = 0.10
    """NAV offices that report their own figures (the sum of their areas)."""


@dataclass(frozen=True)
class FaultParameters:
    """How many bad lines of each kind the ``standard`` profile injects (per 1000 reports,
    at least ``minimum`` of each)."""

    per_thousand: float = 2.0
    minimum: int = 2
    form_per_thousand: float = 0.5
    accounts_outlier_share: float = 0.06
