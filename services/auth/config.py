"""Auth settings every service shares, from the environment.

``AuthSettings().verifier()`` and ``AuthSettings().audit_log()`` are what a service needs:
the public key is ``SOSIALPULS_JWT_PUBLIC_KEY`` (PEM or JWKS), else ``public.pem`` in
``SOSIALPULS_KEYS_DIR``, else in ``$SOSIALPULS_HOME/keys``; the audit file is
``$SOSIALPULS_HOME/logs/audit.log``. The gateway's and the feeds' settings extend this class.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from services.auth.audit import AuditLog, audit_path
from services.auth.tokens import DEFAULT_AUDIENCE, DEFAULT_ISSUER, TokenVerifier
from services.settings import HomeSettings


class AuthSettings(HomeSettings):
    """Where the verification key is and which issuer and audience tokens must name."""

    keys_dir: Path | None = Field(None, validation_alias="SOSIALPULS_KEYS_DIR")
    jwt_public_key: Path | None = Field(None, validation_alias="SOSIALPULS_JWT_PUBLIC_KEY")
    jwt_issuer: str = Field(DEFAULT_ISSUER, validation_alias="SOSIALPULS_JWT_ISSUER")
    jwt_audience: str = Field(DEFAULT_AUDIENCE, validation_alias="SOSIALPULS_JWT_AUDIENCE")

    @property
    def public_key_path(self) -> Path:
        """``SOSIALPULS_JWT_PUBLIC_KEY``, else ``public.pem`` in the keys dir of the home."""
        return self.jwt_public_key or (self.keys_dir or self.home / "keys") / "public.pem"

    @property
    def audit_log_path(self) -> Path:
        return audit_path(self.home)

    def verifier(self) -> TokenVerifier:
        """A verifier for the configured key (reads the key file now)."""
        return TokenVerifier.from_file(
            self.public_key_path, issuer=self.jwt_issuer, audience=self.jwt_audience
        )

    def audit_log(self) -> AuditLog:
        """The audit log of this stack home."""
        return AuditLog(self.audit_log_path)
