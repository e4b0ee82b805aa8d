"""The gateway's use cases without HTTP: they raise domain errors, never statuses; the HTTP
layer (tests/unit/test_gateway_app.py) maps them."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.fakes import ISSUER, VERIFIER, FakeClock

from services.auth.audit import AuditLog
from services.gateway.domain import NotAuthenticated, NotPermitted, TokenBucket, TooManyRequests
from services.gateway.entrypoints.http import STATUS
from services.gateway.handlers import Gatekeeper


@pytest.fixture
def gatekeeper(tmp_path: Path) -> Gatekeeper:
    audit = AuditLog(tmp_path / "audit.log")
    return Gatekeeper(VERIFIER, TokenBucket(rate=1.0, burst=2), audit, FakeClock())


def test_a_missing_or_bad_token_is_not_authenticated(gatekeeper: Gatekeeper) -> None:
    with pytest.raises(NotAuthenticated) as missing:
        gatekeeper.authorise(None, "reports")
    assert missing.value.reason == "missing_token"
    with pytest.raises(NotAuthenticated) as bad:
        gatekeeper.authorise("not-a-jwt", "reports")
    assert bad.value.reason == "invalid_token"


def test_a_reader_role_may_not_submit(gatekeeper: Gatekeeper) -> None:
    with pytest.raises(NotPermitted) as refused:
        gatekeeper.authorise(ISSUER.issue(role="directorate"), "reports")
    assert refused.value.reason == "insufficient_scope"


def test_the_rate_limit_says_when_to_come_back(gatekeeper: Gatekeeper) -> None:
    token = ISSUER.issue(unit="municipality:0301")
    assert gatekeeper.authorise(token, "reports").identity == "municipality:0301"
    gatekeeper.authorise(token, "reports")
    with pytest.raises(TooManyRequests) as limited:
        gatekeeper.authorise(token, "reports")
    assert (limited.value.reason, limited.value.retry_after) == ("rate_limited", 1)


def test_every_refusal_kind_has_one_http_status() -> None:
    kinds = {NotAuthenticated: 401, NotPermitted: 403, TooManyRequests: 429}
    assert {kind: STATUS[kind] for kind in kinds} == kinds
