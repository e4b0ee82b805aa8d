"""The dead-letter record: what the gateway and the aggregator put on the DLQ topic.

One shape for both producers. The value is the report as received (empty when it must not
be echoed: personal data), the key its unit when that may be shown, and the headers say why
(``reason``, ``message``) and where it came from, in Kafka Connect's style: ``origin`` (the
service, when it is not the reports topic's consumer), ``origin_topic``,
``origin_partition``/``origin_offset`` (``-1`` when the record never reached that topic),
``event_id`` when the item names a valid one, and ``received_at`` when known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

Origin = tuple[str, int, int]  # topic, partition, offset
NOT_ON_TOPIC = -1


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One record for the DLQ topic (``payload`` None when it must not be echoed)."""

    origin: Origin
    key: bytes | None
    payload: bytes | None
    reason: str
    message: str
    event_id: str | None = None
    origin_service: str | None = None
    received_at: datetime | None = None

    @property
    def value(self) -> bytes:
        """The record's value: the payload, or empty."""
        return b"" if self.payload is None else self.payload

    @property
    def headers(self) -> tuple[tuple[str, bytes], ...]:
        """The record's headers, in the order the DLQ documents them."""
        topic, partition, offset = self.origin
        named: list[tuple[str, str]] = [("reason", self.reason), ("message", self.message)]
        if self.origin_service is not None:
            named.append(("origin", self.origin_service))
        named += [
            ("origin_topic", topic),
            ("origin_partition", str(partition)),
            ("origin_offset", str(offset)),
        ]
        if self.event_id:
            named.append(("event_id", self.event_id))
        if self.received_at is not None:
            named.append(("received_at", self.received_at.isoformat().replace("+00:00", "Z")))
        return tuple((name, text.encode("utf-8")) for name, text in named)

    def header(self, name: str) -> str | None:
        """The header ``name`` as text (None when absent)."""
        for key, value in self.headers:
            if key == name:
                return value.decode("utf-8")
        return None
