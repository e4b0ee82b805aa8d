"""Refused reports as dead letters (pure): what the gateway puts on the DLQ topic.

A report the gateway refuses item by item (a 422 item, a CSV row, a single body that is
not JSON) was delivered by its sender, so it is dead-lettered like the aggregator's rejects:
the value is the report as received, the headers say why (``reason``, ``message``) and where
it came from (``origin`` ``gateway``, ``origin_topic`` the reports topic it was meant for,
``origin_partition``/``origin_offset`` ``-1`` since it never reached that topic,
``received_at``, and ``event_id`` when the item names a valid one). A report holding a
fødselsnummer is dead-lettered with an empty value, no key and no ``event_id``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from contracts.dead_letters import NOT_ON_TOPIC, DeadLetter
from contracts.personal_data import contains_fodselsnummer, find_personal_data
from contracts.reports import PRECEDENCE, FieldError, Reason

ORIGIN = "gateway"

__all__ = ["ORIGIN", "DeadLetter", "dead_letter", "primary_error"]


def primary_error(errors: Sequence[FieldError]) -> FieldError:
    """The problem that names a refusal: the first in the contract's ``PRECEDENCE``
    (personal data before everything else), else the first listed."""
    if any(e.reason == Reason.PERSONAL_DATA for e in errors):
        return next(e for e in errors if e.reason == Reason.PERSONAL_DATA)
    rank = {reason: index for index, reason in enumerate(PRECEDENCE)}
    return min(errors, key=lambda e: rank.get(e.reason, len(rank)))


def payload_of(original: object) -> bytes:
    """The value bytes of a refused item: bytes as received; a decoded JSON value as
    compact JSON (an item of a list body, a CSV row as the report the gateway built)."""
    if isinstance(original, bytes):
        return original
    return json.dumps(original, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def event_id_of(original: object) -> str | None:
    """The item's ``event_id`` when it is a well-formed UUID (whatever else is wrong)."""
    if isinstance(original, bytes):
        try:
            original = json.loads(original.decode("utf-8"))
        except ValueError:
            return None
    if not isinstance(original, dict) or not isinstance(original.get("event_id"), str):
        return None
    try:
        return str(UUID(original["event_id"]))
    except ValueError:
        return None


def holds_personal_data(original: object) -> bool:
    """True when the item, decoded or not, holds something that reads as a fødselsnummer."""
    if isinstance(original, bytes):
        return contains_fodselsnummer(original.decode("utf-8", errors="replace"))
    return bool(find_personal_data(original))


def dead_letter(
    original: object,
    errors: Sequence[FieldError],
    *,
    unit_key: str | None,
    origin_topic: str,
    received_at: datetime,
) -> DeadLetter:
    """The dead letter of one refused item (``errors`` non-empty; messages already safe).

    The value is left empty, and key and ``event_id`` out, when the reason is
    ``personal_data`` — or when the item holds a fødselsnummer the checks did not name
    (a body that is not JSON is not searched by the contract).
    """
    error = primary_error(errors)
    reason, message = str(error.reason), error.message
    sensitive = reason == Reason.PERSONAL_DATA or holds_personal_data(original)
    return DeadLetter(
        origin=(origin_topic, NOT_ON_TOPIC, NOT_ON_TOPIC),
        key=None if sensitive or unit_key is None else unit_key.encode("utf-8"),
        payload=None if sensitive else payload_of(original),
        reason=reason,
        message=message,
        event_id=None if sensitive else event_id_of(original),
        origin_service=ORIGIN,
        received_at=received_at,
    )
