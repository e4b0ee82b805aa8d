"""Pure access decisions: who may submit for a unit, and who reads it how.

Submitting: a reporting unit submits only for itself; a municipality also for its own
districts. Reading: the unit itself (and a municipality for its districts) sees its figures
unsuppressed, the directorate and every other unit see them suppressed, SSB sees
everything. Each decision needs the matching scope (``reports:write`` / ``reports:read``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from services.auth.tokens import SCOPE_READ, SCOPE_WRITE, Principal


class UnitLike(Protocol):
    """Anything with a unit type and code (``contracts.reports.Unit``, ``UnitRef``)."""

    @property
    def type(self) -> str: ...

    @property
    def code(self) -> str: ...


class DistrictLookup(Protocol):
    """The one registry question access control asks (``contracts.registry.Registry``)."""

    def municipality_of_district(self, district_code: str) -> str: ...


@dataclass(frozen=True, slots=True)
class ReadAccess:
    """May the principal read the unit, and must what it sees be suppressed?"""

    allowed: bool
    suppressed: bool


DENIED = ReadAccess(allowed=False, suppressed=True)


def is_own_unit(
    principal: Principal, unit_type: str, code: str, districts: DistrictLookup | None
) -> bool:
    """True when the unit is the principal's own (or one of its municipality's districts)."""
    own = principal.unit
    if own is None:
        return False
    if own.type == unit_type and own.code == code:
        return True
    if own.type == "municipality" and unit_type == "district" and districts is not None:
        try:
            return districts.municipality_of_district(code) == own.code
        except Exception:  # an unknown district belongs to nobody
            return False
    return False


def decide_submit(
    principal: Principal, unit: UnitLike, *, districts: DistrictLookup | None = None
) -> bool:
    """May ``principal`` submit a report for ``unit``? Roles never submit.

    Without ``districts`` a municipality may submit only for its own code.
    """
    if not principal.has_scope(SCOPE_WRITE):
        return False
    return is_own_unit(principal, unit.type, unit.code, districts)


def decide_read(
    principal: Principal,
    unit_type: str,
    code: str,
    *,
    districts: DistrictLookup | None = None,
) -> ReadAccess:
    """How ``principal`` may read the figures of one unit (or rollup) ``unit_type``/``code``."""
    if not principal.has_scope(SCOPE_READ):
        return DENIED
    if principal.role == "ssb":
        return ReadAccess(allowed=True, suppressed=False)
    if is_own_unit(principal, unit_type, code, districts):
        return ReadAccess(allowed=True, suppressed=False)
    return ReadAccess(allowed=True, suppressed=True)
