"""The canonical content digest of a report (stored with every fact; revisions compare it).

The text hashed is exactly ``json.dumps(content, sort_keys=True, separators=(",", ":"))``
of ``{"unit": {"type", "code"}, "period", "revision", "indicators"}`` — the form the
digests already in PostgreSQL were made with — written out directly because every report
passes here: the keys in sorted order, and every string is ASCII digits, ``-`` or a unit
type, so nothing needs escaping.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from contracts.reports import Indicators, Unit


def _json_int(value: int | None) -> str:
    return "null" if value is None else str(value)


def content_digest(unit: Unit, period: str, revision: int, indicators: Indicators) -> str:
    """SHA-256 hex of the canonical JSON of unit, period, revision and indicators."""
    i = indicators
    canonical = (
        f'{{"indicators":{{"kroner_paid":{_json_int(i.kroner_paid)},'
        f'"qp_participants":{_json_int(i.qp_participants)},'
        f'"recipients":{_json_int(i.recipients)},'
        f'"recipients_main_livelihood":{_json_int(i.recipients_main_livelihood)},'
        f'"recipients_under_30":{_json_int(i.recipients_under_30)},'
        f'"recipients_with_children":{_json_int(i.recipients_with_children)}}},'
        f'"period":"{period}","revision":{revision},'
        f'"unit":{{"code":"{unit.code}","type":"{unit.type}"}}}}'
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()
