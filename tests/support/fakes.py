"""Hand-written fakes of the adapter interfaces, and a test signing key."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import rsa

from contracts.dead_letters import DeadLetter
from services.auth.tokens import TokenIssuer, TokenVerifier, key_id
from services.gateway.adapters.kafka import BrokerUnavailable, Delivery

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ISSUER = TokenIssuer(KEY)
VERIFIER = TokenVerifier({key_id(KEY.public_key()): KEY.public_key()})


def bearer(unit: str | None = "municipality:0301", **claims: object) -> dict[str, str]:
    """The Authorization header of a token from the test key (``unit`` or ``role=...``)."""
    token = ISSUER.issue(unit=unit, **claims)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}


@dataclass
class FakeSink:
    """The gateway's ``ReportSink``: stores what would be produced; can be told the broker
    (or only the DLQ) is down."""

    topic: str = "fake.indicator-reports.v1"
    dlq_topic: str = "fake.indicator-reports.v1.dlq"
    records: list[tuple[str, bytes]] = field(default_factory=list)
    letters: list[DeadLetter] = field(default_factory=list)
    down: bool = False
    dlq_down: bool = False

    async def publish(self, records: Sequence[tuple[str, bytes]]) -> list[Delivery | Exception]:
        if self.down:
            raise BrokerUnavailable("cannot reach the broker")
        start = len(self.records)
        self.records.extend(records)
        return [Delivery(self.topic, 0, start + i) for i in range(len(records))]

    async def dead_letter(self, letters: Sequence[DeadLetter]) -> list[Delivery | Exception]:
        if self.down or self.dlq_down:
            return [BrokerUnavailable("cannot reach the broker") for _ in letters]
        start = len(self.letters)
        self.letters.extend(letters)
        return [Delivery(self.dlq_topic, 0, start + i) for i in range(len(letters))]

    async def ready(self) -> bool:
        return not self.down

    async def close(self) -> None:
        pass


class FakeClock:
    """A monotonic clock the test moves by hand (``clock.now += 1``)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now
