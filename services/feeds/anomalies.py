"""Units whose figures look wrong in a month (pure).

* ``jump`` — the month is far from the unit's own recent history: the robust z-score
  ``|x − median| / (1.4826 · MAD)`` over up to 12 earlier months exceeds ``Z_LIMIT`` and
  the jump is material (at least ``MIN_JUMP`` persons and 30 % of the median).
* ``group_outlier`` — recipients per 1000 inhabitants far outside the unit's KOSTRA group
  (robust z-score across the group's members in that month).
* ``missing`` — no report this month although the unit reported each of the 3 months before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import median

Z_LIMIT = 5.0
MIN_JUMP = 10
MIN_HISTORY = 6
MAD_SCALE = 1.4826


@dataclass(frozen=True, slots=True)
class Anomaly:
    """One finding: a unit, the indicator concerned, what kind, and a robust score."""

    unit: str
    indicator: str
    kind: str
    score: float
    detail: str


def robust_z(value: float, sample: Sequence[float]) -> float:
    """Robust z-score of ``value`` against ``sample`` (0 when the sample has no spread)."""
    if not sample:
        return 0.0
    mid = median(sample)
    mad = median(abs(v - mid) for v in sample) * MAD_SCALE
    if mad == 0:
        mad = max(1.0, abs(mid) * 0.05)
    return (value - mid) / mad


def jumps(
    current: Mapping[str, int | None],
    history: Mapping[str, Sequence[int]],
    indicator: str = "recipients",
) -> list[Anomaly]:
    """Units whose ``current`` value jumps against their own ``history`` (oldest first)."""
    out: list[Anomaly] = []
    for unit, value in current.items():
        past = list(history.get(unit, ()))[-12:]
        if value is None or len(past) < MIN_HISTORY:
            continue
        mid = median(past)
        z = robust_z(value, past)
        if abs(z) > Z_LIMIT and abs(value - mid) >= max(MIN_JUMP, 0.3 * mid):
            detail = f"{value} mot median {mid:g} siste {len(past)} måneder"
            out.append(Anomaly(unit, indicator, "jump", round(z, 2), detail))
    return out


def group_outliers(
    rates: Mapping[str, float],
    group_of: Mapping[str, str],
    indicator: str = "recipients",
) -> list[Anomaly]:
    """Units whose rate per 1000 inhabitants is far outside their group's."""
    groups: dict[str, list[float]] = {}
    for unit, rate in rates.items():
        if unit in group_of:
            groups.setdefault(group_of[unit], []).append(rate)
    out: list[Anomaly] = []
    for unit, rate in rates.items():
        sample = groups.get(group_of.get(unit, ""), [])
        if len(sample) < 5:
            continue
        z = robust_z(rate, sample)
        if abs(z) > Z_LIMIT:
            detail = f"{rate:.1f} per 1000 mot median {median(sample):.1f} i {group_of[unit]}"
            out.append(Anomaly(unit, indicator, "group_outlier", round(z, 2), detail))
    return out


def missing(reported_now: set[str], reported_before: Sequence[set[str]]) -> list[Anomaly]:
    """Units that reported in every one of ``reported_before`` but not now."""
    if not reported_before:
        return []
    regular = set.intersection(*reported_before)
    return [
        Anomaly(unit, "recipients", "missing", 0.0, "ikke rapportert, men rapporterte før")
        for unit in sorted(regular - reported_now)
    ]
