"""Who is asking and what they may see; one audit line per data access."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from contracts.periods import parse_period
from services.auth.audit import AuditLog
from services.auth.roles import ReadAccess, decide_read
from services.auth.tokens import SCOPE_READ, InsufficientScope, InvalidToken, Principal
from services.feeds.queries import Conn, latest_period

bearer = HTTPBearer(auto_error=False, description="RS256 JWT (`sosialpuls token ...`)")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


class Refused(Exception):
    """An answer other than 200: 400, 401, 403, 404 with a code and a message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated principal and the request's audit context."""

    principal: Principal
    endpoint: str
    audit: AuditLog
    request: Request

    def access(self, unit_type: str, code: str) -> ReadAccess:
        feeds = self.request.app.state.feeds
        return decide_read(self.principal, unit_type, code, districts=feeds.names.registry)

    def unsuppressed(self, unit: str) -> bool:
        """True when the caller sees ``"<level>:<code>"`` unsuppressed."""
        level, _, code = unit.partition(":")
        return not self.access(level, code).suppressed

    def permit(self, resource: str, count: int | None = None) -> None:
        self.record("PERMIT", resource, count=count)

    def deny(self, resource: str, reason: str) -> None:
        self.record("DENY", resource, reason=reason)

    def record(
        self,
        decision: Literal["PERMIT", "DENY"],
        resource: str,
        *,
        count: int | None = None,
        reason: str | None = None,
    ) -> None:
        self.audit.record(
            decision,
            action=f"read:{self.endpoint}",
            principal=self.principal,
            resource=resource,
            count=count,
            reason=reason,
        )
        self.request.app.state.requests.labels(self.endpoint, decision).inc()


def caller(request: Request, credentials: Credentials) -> Caller:
    """The authenticated caller with the read scope, else 401/403 (audited as DENY)."""
    route = request.scope.get("route")
    endpoint = getattr(route, "name", "unknown")
    audit: AuditLog = request.app.state.audit
    token = credentials.credentials if credentials is not None else None

    def refuse(status: int, reason: str, principal: Principal | None, exc: Exception) -> Refused:
        audit.record(
            "DENY",
            action=f"read:{endpoint}",
            principal=principal,
            resource=request.url.path,
            reason=reason,
        )
        request.app.state.requests.labels(endpoint, "DENY").inc()
        return Refused(status, reason, str(exc))

    try:
        if not token:
            raise InvalidToken("no bearer token")
        principal = request.app.state.verifier.verify(token, SCOPE_READ)
    except InvalidToken as exc:
        raise refuse(401, "invalid_token", None, exc) from exc
    except InsufficientScope as exc:
        raise refuse(
            403, "insufficient_scope", request.app.state.verifier.verify(token), exc
        ) from exc
    return Caller(principal, endpoint, audit, request)


Authorised = Annotated[Caller, Depends(caller)]


def period_param(value: str, name: str) -> str:
    """A ``YYYY-MM`` query parameter, else 400."""
    try:
        parse_period(value)
    except ValueError as exc:
        raise Refused(400, "bad_period", f"{name} must be YYYY-MM, got {value!r}") from exc
    return value


async def month(
    con: Conn, period: str | None, who: Caller | None = None, resource: str | None = None
) -> str:
    """``period``, else the latest with figures; 404 when there is none yet (audited as an
    empty PERMIT of ``resource`` when given)."""
    period = period or await latest_period(con)
    if period is None:
        if who is not None and resource is not None:
            who.permit(resource, count=0)
        raise Refused(404, "no_data", "no figures have been reported yet")
    return period


@asynccontextmanager
async def connection(request: Request) -> AsyncIterator[Conn]:
    """A pooled connection in a read-only transaction."""
    pool = await request.app.state.database.pool()
    async with pool.acquire() as con, con.transaction(readonly=True):
        yield con
