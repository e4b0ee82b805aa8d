"""The gateway's use cases: who may submit (``Gatekeeper``) and the submission flow once
its items are validated (``Ingest``). Refusals are the domain's ``Refused`` kinds; the HTTP
layer maps them to statuses."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from contracts.dead_letters import DeadLetter
from contracts.reports import FieldError, Reason
from services.auth.audit import AuditLog
from services.auth.tokens import (
    SCOPE_WRITE,
    InsufficientScope,
    InvalidToken,
    Principal,
    TokenVerifier,
)
from services.gateway.adapters.kafka import BrokerUnavailable, Delivery, ReportSink
from services.gateway.adapters.metrics import GatewayMetrics
from services.gateway.dead_letters import dead_letter
from services.gateway.domain import (
    CheckedItem,
    NotAuthenticated,
    NotPermitted,
    TokenBucket,
    TooManyRequests,
    UnitRegistry,
    forbidden_units,
    units_submitted,
)
from services.gateway.schemas import ItemResult, Problem, Receipt, SubmissionResult

UNRECORDED = "the refusal could not be recorded on the dead-letter topic (broker unavailable)"


@dataclass
class Gatekeeper:
    """Who may submit: verifies the bearer token (write scope) and spends a rate-limit
    token of its principal; every refusal is audited as DENY and raised as a domain error."""

    verifier: TokenVerifier
    limiter: TokenBucket
    audit: AuditLog
    clock: Callable[[], float]

    def authorise(self, token: str | None, endpoint: str) -> Principal:
        """The principal of ``token``, else ``NotAuthenticated``, ``NotPermitted`` or
        ``TooManyRequests``."""
        if token is None:
            self._deny(endpoint, "missing_token")
            raise NotAuthenticated("missing_token", "a bearer token is required")
        try:
            principal = self.verifier.verify(token, SCOPE_WRITE)
        except InvalidToken as exc:
            self._deny(endpoint, "invalid_token")
            raise NotAuthenticated("invalid_token", str(exc)) from exc
        except InsufficientScope as exc:
            self._deny(endpoint, "insufficient_scope")
            raise NotPermitted("insufficient_scope", str(exc)) from exc
        wait = self.limiter.take(principal.identity, self.clock())
        if wait > 0:
            retry = max(1, int(wait + 0.999))
            raise TooManyRequests(
                "rate_limited",
                f"too many requests for {principal.identity}; retry in {retry} s",
                retry,
            )
        return principal

    def _deny(self, endpoint: str, reason: str) -> None:
        self.audit.record(
            "DENY", action=endpoint, principal=None, resource="reports", reason=reason
        )


class Outcome(StrEnum):
    """How a submission went as a whole (the HTTP layer answers 202, 422 or 503)."""

    ACCEPTED = "accepted"  # at least one report produced
    REJECTED = "rejected"  # none valid
    UNAVAILABLE = "unavailable"  # the broker failed the valid ones, or a dead letter


@dataclass
class Ingest:
    """Authorises, produces, dead-letters and answers one submission."""

    sink: ReportSink
    registry: UnitRegistry
    audit: AuditLog
    metrics: GatewayMetrics

    async def submit(
        self,
        principal: Principal,
        items: Sequence[CheckedItem],
        action: str,
        *,
        originals: Sequence[object],
        received_at: datetime,
    ) -> tuple[Outcome, SubmissionResult]:
        """Produce the valid items and dead-letter the invalid ones (``originals[i]`` is
        item i as received); answer once the broker acknowledged both: ``ACCEPTED`` if any
        report was accepted, else ``REJECTED`` — ``UNAVAILABLE`` if the broker failed them
        all, or failed to take a dead letter. Raises ``NotPermitted`` when a valid item is
        for a unit the caller may not submit for — then nothing is produced and nothing
        dead-lettered."""
        refused = forbidden_units(items, principal, self.registry)
        if refused:
            for unit in refused:
                self.audit.record(
                    "DENY", action=action, principal=principal, resource=unit, reason="not_own_unit"
                )
            self.metrics.rejected.labels("forbidden_unit").inc(len(items))
            raise NotPermitted(
                "forbidden_unit",
                f"a token for {principal.identity} may not submit reports for "
                f"{', '.join(refused)}; nothing was produced",
            )
        valid = [item for item in items if item.report is not None]
        invalid = [item for item in items if item.report is None]
        letters = [
            dead_letter(
                originals[item.index],
                item.errors,
                unit_key=item.unit_key,
                origin_topic=self.sink.topic,
                received_at=received_at,
            )
            for item in invalid
        ]
        deliveries, lettered = await asyncio.gather(
            self._produce(valid), self._dead_letter(letters)
        )
        unrecorded = {item.index for item, ok in zip(invalid, lettered, strict=True) if not ok}
        for unit, count in units_submitted(valid).items():
            self.audit.record(
                "PERMIT", action=action, principal=principal, resource=unit, count=count
            )
        results = [
            self._result(item, deliveries.get(item.index), item.index in unrecorded)
            for item in items
        ]
        accepted = sum(r.status == "accepted" for r in results)
        failed = sum(r.status == "failed" for r in results)
        rejected = len(results) - accepted - failed
        self.metrics.accepted.inc(accepted)
        for item in items:
            for error in item.errors[:1]:
                self.metrics.rejected.labels(str(error.reason)).inc()
        if failed:
            self.metrics.rejected.labels("broker_unavailable").inc(failed)
        outcome = Outcome.ACCEPTED if accepted else Outcome.REJECTED
        if failed and not accepted:
            outcome = Outcome.UNAVAILABLE
        detail = None
        if unrecorded:
            outcome = Outcome.UNAVAILABLE
            detail = (
                f"{len(unrecorded)} refused report(s) could not be recorded on the dead-letter "
                "topic: the broker is unavailable; send the request again"
            )
        return outcome, SubmissionResult(
            accepted=accepted, rejected=rejected, failed=failed, detail=detail, results=results
        )

    async def refuse_body(
        self, raw: bytes, reason: Reason, message: str, *, received_at: datetime
    ) -> bool:
        """Dead-letter a body that is itself one bad report; False if the broker failed."""
        letter = dead_letter(
            raw,
            [FieldError(None, reason, message)],
            unit_key=None,
            origin_topic=self.sink.topic,
            received_at=received_at,
        )
        return (await self._dead_letter([letter]))[0]

    async def _dead_letter(self, letters: Sequence[DeadLetter]) -> list[bool]:
        """Produce ``letters`` to the DLQ; per letter, whether the broker acknowledged it."""
        if not letters:
            return []
        try:
            outcomes = await self.sink.dead_letter(letters)
        except BrokerUnavailable as exc:
            outcomes = [exc] * len(letters)
        for letter, outcome in zip(letters, outcomes, strict=True):
            if isinstance(outcome, Delivery):
                self.metrics.dead_lettered.labels(letter.header("reason") or "").inc()
        return [isinstance(outcome, Delivery) for outcome in outcomes]

    async def _produce(self, valid: Sequence[CheckedItem]) -> dict[int, Delivery | Exception]:
        if not valid:
            return {}
        records = []
        for item in valid:
            assert item.report is not None
            records.append((item.report.unit.key, item.report.model_dump_json().encode()))
        started = time.perf_counter()
        try:
            outcomes = await self.sink.publish(records)
        except BrokerUnavailable as exc:
            outcomes = [exc] * len(records)
        self.metrics.produce_seconds.observe(time.perf_counter() - started)
        return {item.index: outcome for item, outcome in zip(valid, outcomes, strict=True)}

    @staticmethod
    def _result(
        item: CheckedItem, outcome: Delivery | Exception | None, unrecorded: bool = False
    ) -> ItemResult:
        base = {
            "index": item.index,
            "line": item.line,
            "unit": item.unit_key,
            "period": item.period,
        }
        if item.report is None:
            errors = [Problem.of(e) for e in item.errors]
            if unrecorded:
                errors.append(Problem(field=None, reason="broker_unavailable", message=UNRECORDED))
            return ItemResult(status="rejected", errors=errors, **base)
        if isinstance(outcome, Delivery):
            receipt = Receipt(
                event_id=item.report.event_id,
                topic=outcome.topic,
                partition=outcome.partition,
                offset=outcome.offset,
            )
            return ItemResult(status="accepted", receipt=receipt, **base)
        message = str(outcome) if outcome else "not produced"
        problem = Problem(field=None, reason="broker_unavailable", message=message)
        return ItemResult(status="failed", errors=[problem], **base)
