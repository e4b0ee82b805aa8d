"""Forged, stale and misdirected tokens against the real gateway and broker.

Each bad token is refused with 401/403, writes exactly one DENY audit line and no PERMIT,
and produces nothing: a valid sentinel report sent afterwards is the only record on the topic.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from support.gateway import GatewayUnderTest, report

from services.auth.tokens import TokenIssuer


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, object], claims: dict[str, object]) -> str:
    return b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())


def good_claims(unit: str = "municipality:0301") -> dict[str, object]:
    now = int(time.time())
    return {
        "iss": "sosialpuls-local",
        "aud": "sosialpuls",
        "sub": unit,
        "unit": unit,
        "iat": now,
        "exp": now + 600,
        "scope": "reports:write reports:read",
    }


def expired(gw: GatewayUnderTest) -> str:
    then = datetime.now(UTC) - timedelta(hours=2)
    return gw.issuer.issue(unit="municipality:0301", now=then, ttl=timedelta(hours=1))


def wrong_issuer(gw: GatewayUnderTest) -> str:
    return TokenIssuer(gw.issuer._key, issuer="https://evil.example").issue(
        unit="municipality:0301"
    )


def wrong_audience(gw: GatewayUnderTest) -> str:
    return TokenIssuer(gw.issuer._key, audience="another-service").issue(unit="municipality:0301")


def alg_none(gw: GatewayUnderTest) -> str:
    return unsigned({"alg": "none", "typ": "JWT", "kid": gw.issuer.kid}, good_claims()) + "."


def hs256_with_public_key(gw: GatewayUnderTest) -> str:
    pem = (gw.home / "keys" / "public.pem").read_bytes()
    body = unsigned({"alg": "HS256", "typ": "JWT", "kid": gw.issuer.kid}, good_claims())
    return body + "." + b64(hmac.new(pem, body.encode(), hashlib.sha256).digest())


def unknown_kid(gw: GatewayUnderTest) -> str:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return TokenIssuer(stranger).issue(unit="municipality:0301")


def own_key_foreign_kid(gw: GatewayUnderTest) -> str:
    import jwt

    return jwt.encode(good_claims(), gw.issuer._key, algorithm="RS256", headers={"kid": "k-1"})


def rs256_signed_by_stranger_with_our_kid(gw: GatewayUnderTest) -> str:
    import jwt

    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = stranger.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return jwt.encode(good_claims(), pem, algorithm="RS256", headers={"kid": gw.issuer.kid})


def garbage(gw: GatewayUnderTest) -> str:
    return "not-a-jwt"


UNAUTHENTICATED: dict[str, Callable[[GatewayUnderTest], str]] = {
    "expired": expired,
    "wrong_issuer": wrong_issuer,
    "wrong_audience": wrong_audience,
    "alg_none": alg_none,
    "hs256_signed_with_public_key": hs256_with_public_key,
    "unknown_kid": unknown_kid,
    "own_key_unknown_kid": own_key_foreign_kid,
    "forged_signature_known_kid": rs256_signed_by_stranger_with_our_kid,
    "garbage": garbage,
}


async def assert_refused_once(
    gw: GatewayUnderTest, token: str | None, status: int, body: object
) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    before = gw.audit_lines()
    answer = await gw.client.post("/v1/reports", json=body, headers=headers)
    assert answer.status_code == status, answer.text
    assert "receipt" not in answer.text
    new = gw.audit_lines()[len(before) :]
    assert [line.split()[1] for line in new] == ["DENY"], new
    sentinel = report("0301")
    ok = await gw.client.post(
        "/v1/reports",
        json=sentinel,
        headers={"Authorization": f"Bearer {gw.issuer.issue(unit='municipality:0301')}"},
    )
    assert ok.status_code == 202, ok.text
    assert [r["event_id"] for r in await gw.produced()] == [sentinel["event_id"]]


@pytest.mark.parametrize("forge", UNAUTHENTICATED.values(), ids=UNAUTHENTICATED.keys())
async def test_a_bad_token_is_401_with_one_deny_and_no_data(
    gateway: GatewayUnderTest, forge: Callable[[GatewayUnderTest], str]
) -> None:
    await assert_refused_once(gateway, forge(gateway), 401, report("0301"))


async def test_no_token_is_401_with_one_deny_and_no_data(gateway: GatewayUnderTest) -> None:
    await assert_refused_once(gateway, None, 401, report("0301"))


async def test_a_token_without_the_write_scope_is_403_with_one_deny(
    gateway: GatewayUnderTest,
) -> None:
    token = gateway.issuer.issue(unit="municipality:0301", scopes=["reports:read"])
    await assert_refused_once(gateway, token, 403, report("0301"))


async def test_a_role_token_cannot_submit(gateway: GatewayUnderTest) -> None:
    await assert_refused_once(gateway, gateway.issuer.issue(role="ssb"), 403, report("0301"))


@pytest.mark.parametrize(
    ("unit", "target"),
    [
        ("municipality:0301", ("4601", "municipality")),
        ("district:030101", ("030102", "district")),
        ("district:030101", ("0301", "municipality")),
        ("nav_office:0101", ("3101", "municipality")),
        ("municipality:4601", ("030101", "district")),
    ],
)
async def test_a_report_for_another_unit_is_403_with_one_deny(
    gateway: GatewayUnderTest, unit: str, target: tuple[str, str]
) -> None:
    token = gateway.issuer.issue(unit=unit)
    await assert_refused_once(gateway, token, 403, report(*target))


async def test_one_foreign_report_in_a_batch_refuses_the_whole_batch(
    gateway: GatewayUnderTest,
) -> None:
    token = gateway.issuer.issue(unit="municipality:0301")
    await assert_refused_once(gateway, token, 403, [report("0301"), report("4601")])
