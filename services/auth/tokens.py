"""RS256 bearer tokens: issue (local stack, `sosialpuls token`) and verify (every service).

A token carries ``iss``, ``aud``, ``sub``, ``iat``, ``exp``, a space-separated ``scope`` and
either ``unit`` (``"municipality:0301"``) or ``role`` (``"directorate"`` / ``"ssb"``). The
header's ``kid`` is the RFC 7638 thumbprint of the signing key, so a verifier knows a key by
its public half alone. Verification accepts RS256 only (never ``none`` nor HMAC with the
public key), a known ``kid``, an unexpired token, the configured issuer and audience.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal, cast, get_args

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_ISSUER = "sosialpuls-local"
DEFAULT_AUDIENCE = "sosialpuls"
ALGORITHM = "RS256"
SCOPE_WRITE = "reports:write"
SCOPE_READ = "reports:read"
UNIT_SCOPES = (SCOPE_WRITE, SCOPE_READ)
ROLE_SCOPES = (SCOPE_READ,)
LEEWAY_SECONDS = 10

Role = Literal["directorate", "ssb"]
UnitKind = Literal["municipality", "district", "nav_office"]
ROLES: tuple[str, ...] = get_args(Role)
_CODE_DIGITS = {"municipality": 4, "district": 6, "nav_office": 4}
_UNIT = re.compile(r"^(municipality|district|nav_office):([0-9]{4}|[0-9]{6})$")


class InvalidToken(Exception):
    """The bearer token is missing, malformed, forged, expired or not for this service (401)."""


class InsufficientScope(Exception):
    """The token is valid but lacks the scope the operation needs (403)."""


@dataclass(frozen=True, slots=True)
class UnitRef:
    """The reporting unit a token speaks for."""

    type: UnitKind
    code: str

    @property
    def key(self) -> str:
        return f"{self.type}:{self.code}"

    @classmethod
    def parse(cls, text: str) -> UnitRef:
        """``"municipality:0301"`` → ``UnitRef("municipality", "0301")``, else ValueError."""
        match = _UNIT.match(text)
        if not match or len(match.group(2)) != _CODE_DIGITS[match.group(1)]:
            raise ValueError(
                f"unit must be <type>:<code> with type municipality (4 digits), "
                f"district (6 digits) or nav_office (4 digits), got {text!r}"
            )
        return cls(cast(UnitKind, match.group(1)), match.group(2))


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: a reporting unit or a role, with the token's scopes."""

    subject: str
    scopes: frozenset[str]
    unit: UnitRef | None = None
    role: Role | None = None

    @property
    def identity(self) -> str:
        """A non-personal label for logs: ``"municipality:0301"`` or ``"role:ssb"``."""
        if self.unit is not None:
            return self.unit.key
        return f"role:{self.role}"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def key_id(public_key: rsa.RSAPublicKey) -> str:
    """The RFC 7638 JWK thumbprint (SHA-256, base64url) of an RSA public key."""
    numbers = public_key.public_numbers()

    def b64(value: int) -> str:
        raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")

    canonical = json.dumps(
        {"e": b64(numbers.e), "kty": "RSA", "n": b64(numbers.n)}, separators=(",", ":")
    )
    digest = hashlib.sha256(canonical.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def load_private_key(path: Path) -> rsa.RSAPrivateKey:
    """An unencrypted PEM RSA private key."""
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} does not hold an RSA private key")
    return key


def load_verification_keys(path: Path) -> dict[str, rsa.RSAPublicKey]:
    """Public keys by ``kid`` from a PEM public key or a JWKS (JSON ``{"keys": [...]}``) file.

    A PEM key's kid is its thumbprint; a JWKS entry keeps its own ``kid`` (thumbprint if absent).
    """
    data = Path(path).read_bytes()
    if data.lstrip().startswith(b"{"):
        keys: dict[str, rsa.RSAPublicKey] = {}
        for jwk in json.loads(data).get("keys", []):
            if jwk.get("kty") != "RSA":
                continue
            public = jwt.PyJWK(jwk, algorithm=ALGORITHM).key
            if not isinstance(public, rsa.RSAPublicKey):
                continue
            keys[str(jwk.get("kid") or key_id(public))] = public
        if not keys:
            raise ValueError(f"{path} holds no RSA keys")
        return keys
    public = serialization.load_pem_public_key(data)
    if not isinstance(public, rsa.RSAPublicKey):
        raise ValueError(f"{path} does not hold an RSA public key")
    return {key_id(public): public}


class TokenIssuer:
    """Signs tokens with one RSA private key (the local stack's, or a test's)."""

    def __init__(
        self,
        private_key: rsa.RSAPrivateKey,
        *,
        issuer: str = DEFAULT_ISSUER,
        audience: str = DEFAULT_AUDIENCE,
    ) -> None:
        self._key = private_key
        self.kid = key_id(private_key.public_key())
        self.issuer = issuer
        self.audience = audience

    def issue(
        self,
        *,
        unit: UnitRef | str | None = None,
        role: Role | None = None,
        scopes: Iterable[str] | None = None,
        ttl: timedelta = timedelta(hours=12),
        now: datetime | None = None,
        subject: str | None = None,
    ) -> str:
        """A signed token for exactly one of ``unit`` or ``role``.

        Default scopes: ``reports:write reports:read`` for a unit, ``reports:read`` for a role.
        """
        if (unit is None) == (role is None):
            raise ValueError("a token is for exactly one of unit or role")
        if role is not None and role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
        issued = now or datetime.now(UTC)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "iat": int(issued.timestamp()),
            "exp": int((issued + ttl).timestamp()),
        }
        if unit is not None:
            ref = UnitRef.parse(unit) if isinstance(unit, str) else unit
            claims["unit"] = ref.key
            claims["sub"] = subject or ref.key
            default_scopes: tuple[str, ...] = UNIT_SCOPES
        else:
            claims["role"] = role
            claims["sub"] = subject or f"role:{role}"
            default_scopes = ROLE_SCOPES
        claims["scope"] = " ".join(scopes if scopes is not None else default_scopes)
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.kid})


class TokenVerifier:
    """Checks bearer tokens against known public keys, issuer and audience."""

    def __init__(
        self,
        keys: Mapping[str, rsa.RSAPublicKey],
        *,
        issuer: str = DEFAULT_ISSUER,
        audience: str = DEFAULT_AUDIENCE,
    ) -> None:
        if not keys:
            raise ValueError("a verifier needs at least one public key")
        self._keys = dict(keys)
        self.issuer = issuer
        self.audience = audience

    @classmethod
    def from_file(
        cls, path: Path, *, issuer: str = DEFAULT_ISSUER, audience: str = DEFAULT_AUDIENCE
    ) -> TokenVerifier:
        """A verifier for the PEM public key or JWKS at ``path``."""
        return cls(load_verification_keys(path), issuer=issuer, audience=audience)

    def verify(self, token: str, required_scope: str | None = None) -> Principal:
        """The caller behind ``token``.

        Raises ``InvalidToken`` (→ 401) for anything wrong with the token itself and
        ``InsufficientScope`` (→ 403) when ``required_scope`` is missing from a valid token.
        """
        principal = self._decode(token)
        if required_scope is not None and not principal.has_scope(required_scope):
            raise InsufficientScope(f"the token lacks the scope {required_scope!r}")
        return principal

    def _decode(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("the bearer token is not a well-formed JWT") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidToken(f"only {ALGORITHM} tokens are accepted")
        kid = header.get("kid")
        key = self._keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("the token's signing key (kid) is not known")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("the token has expired") from exc
        except jwt.InvalidAudienceError as exc:
            raise InvalidToken("the token is not for this audience") from exc
        except jwt.InvalidIssuerError as exc:
            raise InvalidToken("the token is from an unknown issuer") from exc
        except jwt.PyJWTError as exc:
            raise InvalidToken(f"the token is invalid: {exc}") from exc
        return _principal(claims)


def _principal(claims: Mapping[str, Any]) -> Principal:
    scope = claims.get("scope", "")
    if not isinstance(scope, str):
        raise InvalidToken("the scope claim must be a space-separated string")
    unit, role = claims.get("unit"), claims.get("role")
    if (unit is None) == (role is None):
        raise InvalidToken("the token must name exactly one of unit or role")
    scopes = frozenset(scope.split())
    subject = str(claims["sub"])
    if unit is not None:
        try:
            return Principal(subject, scopes, unit=UnitRef.parse(str(unit)))
        except ValueError as exc:
            raise InvalidToken("the token's unit claim is malformed") from exc
    if role not in ROLES:
        raise InvalidToken("the token's role is not known")
    return Principal(subject, scopes, role=cast(Role, role))
