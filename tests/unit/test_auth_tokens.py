"""Token issue/verify: the attacks and mistakes the verifier must refuse."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from services.auth.tokens import (
    InsufficientScope,
    InvalidToken,
    TokenIssuer,
    TokenVerifier,
    UnitRef,
    key_id,
    load_verification_keys,
)


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture()
def issuer(private_key: rsa.RSAPrivateKey) -> TokenIssuer:
    return TokenIssuer(private_key)


@pytest.fixture()
def verifier(private_key: rsa.RSAPrivateKey) -> TokenVerifier:
    public = private_key.public_key()
    return TokenVerifier({key_id(public): public})


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _claims(**extra: object) -> dict[str, object]:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, object] = {
        "iss": "sosialpuls-local",
        "aud": "sosialpuls",
        "sub": "municipality:0301",
        "iat": now,
        "exp": now + 600,
        "scope": "reports:write reports:read",
        "unit": "municipality:0301",
    }
    claims.update(extra)
    return claims


def test_unit_token_round_trip(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    principal = verifier.verify(issuer.issue(unit="municipality:0301"), "reports:write")
    assert principal.unit == UnitRef("municipality", "0301")
    assert principal.role is None
    assert principal.scopes == {"reports:write", "reports:read"}
    assert principal.identity == "municipality:0301"


def test_role_token_round_trip(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    principal = verifier.verify(issuer.issue(role="ssb"), "reports:read")
    assert principal.role == "ssb"
    assert principal.unit is None
    assert principal.identity == "role:ssb"


def test_header_names_the_key(issuer: TokenIssuer, private_key: rsa.RSAPrivateKey) -> None:
    header = jwt.get_unverified_header(issuer.issue(role="directorate"))
    assert header["alg"] == "RS256"
    assert header["kid"] == key_id(private_key.public_key())


def test_expired_token_is_refused(issuer: TokenIssuer, verifier: TokenVerifier) -> None:
    token = issuer.issue(
        unit="municipality:0301",
        ttl=timedelta(minutes=5),
        now=datetime.now(UTC) - timedelta(hours=2),
    )
    with pytest.raises(InvalidToken, match="expired"):
        verifier.verify(token)


def test_wrong_issuer_is_refused(private_key: rsa.RSAPrivateKey, verifier: TokenVerifier) -> None:
    token = TokenIssuer(private_key, issuer="someone-else").issue(unit="municipality:0301")
    with pytest.raises(InvalidToken, match="issuer"):
        verifier.verify(token)


def test_wrong_audience_is_refused(private_key: rsa.RSAPrivateKey, verifier: TokenVerifier) -> None:
    token = TokenIssuer(private_key, audience="another-api").issue(unit="municipality:0301")
    with pytest.raises(InvalidToken, match="audience"):
        verifier.verify(token)


def test_missing_scope_is_forbidden_not_unauthenticated(
    issuer: TokenIssuer, verifier: TokenVerifier
) -> None:
    token = issuer.issue(unit="municipality:0301", scopes=["reports:read"])
    assert verifier.verify(token, "reports:read").unit is not None
    with pytest.raises(InsufficientScope):
        verifier.verify(token, "reports:write")


def test_alg_none_is_refused(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey) -> None:
    header = {"alg": "none", "typ": "JWT", "kid": key_id(private_key.public_key())}
    token = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_claims()).encode())}."
    with pytest.raises(InvalidToken, match="RS256"):
        verifier.verify(token)


def test_hs256_signed_with_the_public_key_is_refused(
    verifier: TokenVerifier, private_key: rsa.RSAPrivateKey
) -> None:
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": key_id(private_key.public_key())}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(_claims()).encode())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(InvalidToken, match="RS256"):
        verifier.verify(f"{signing_input}.{_b64(signature)}")


def test_rs256_header_with_forged_signature_is_refused(
    verifier: TokenVerifier, private_key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey
) -> None:
    kid = key_id(private_key.public_key())
    forged = jwt.encode(_claims(), other_key, algorithm="RS256", headers={"kid": kid})
    with pytest.raises(InvalidToken):
        verifier.verify(forged)


def test_unknown_kid_is_refused(verifier: TokenVerifier, other_key: rsa.RSAPrivateKey) -> None:
    token = TokenIssuer(other_key).issue(unit="municipality:0301")
    with pytest.raises(InvalidToken, match="kid"):
        verifier.verify(token)


def test_missing_kid_is_refused(verifier: TokenVerifier, private_key: rsa.RSAPrivateKey) -> None:
    token = jwt.encode(_claims(), private_key, algorithm="RS256")
    with pytest.raises(InvalidToken, match="kid"):
        verifier.verify(token)


def test_garbage_is_refused(verifier: TokenVerifier) -> None:
    with pytest.raises(InvalidToken):
        verifier.verify("not-a-jwt")


@pytest.mark.parametrize(
    "claims",
    [
        _claims(role="ssb"),  # both unit and role
        {k: v for k, v in _claims().items() if k != "unit"},  # neither
        _claims(unit="municipality:301"),
        _claims(unit=None, role="admin"),
        {k: v for k, v in _claims().items() if k != "exp"},
    ],
)
def test_bad_claims_are_refused(
    claims: dict[str, object], verifier: TokenVerifier, private_key: rsa.RSAPrivateKey
) -> None:
    claims = {k: v for k, v in claims.items() if v is not None}
    kid = key_id(private_key.public_key())
    token = jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": kid})
    with pytest.raises(InvalidToken):
        verifier.verify(token)


def test_issue_needs_exactly_one_of_unit_or_role(issuer: TokenIssuer) -> None:
    with pytest.raises(ValueError):
        issuer.issue()
    with pytest.raises(ValueError):
        issuer.issue(unit="municipality:0301", role="ssb")
    with pytest.raises(ValueError):
        issuer.issue(unit="kommune:0301")


@pytest.mark.parametrize("text", ["municipality:0301", "district:030101", "nav_office:0315"])
def test_unit_ref_parses_each_type(text: str) -> None:
    assert UnitRef.parse(text).key == text


@pytest.mark.parametrize("text", ["district:0301", "municipality:030101", "0301", "x:0301"])
def test_unit_ref_refuses_wrong_shapes(text: str) -> None:
    with pytest.raises(ValueError):
        UnitRef.parse(text)


def test_keys_load_from_pem_and_jwks(
    tmp_path: Path, private_key: rsa.RSAPrivateKey, issuer: TokenIssuer
) -> None:
    public = private_key.public_key()
    pem = tmp_path / "public.pem"
    pem.write_bytes(
        public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(public))
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**jwk, "kid": issuer.kid, "use": "sig"}]}))
    token = issuer.issue(unit="nav_office:0315")
    for path in (pem, jwks):
        assert set(load_verification_keys(path)) == {issuer.kid}
        assert TokenVerifier.from_file(path).verify(token).identity == "nav_office:0315"
