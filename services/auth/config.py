"""Auth settings every service shares, from the environment.

``AuthSettings().verifier()`` and ``AuthSettings().audit_log()`` are what a service needs:
the public key is ``SOSIALPULS_JWT_PUBLIC_KEY`` (PEM or JWKS), else ``public.pem`` in
``SOSIALPULS_KEYS_DIR``, else in ``$SOSIALPULS_HOME/keys``; the audit file is
``$SOSIALPULS_HOME/logs/audit.log``.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.auth.audit import AuditLog, audit_path
from services.auth.tokens import DEFAULT_AUDIENCE, DEFAULT_ISSUER, TokenVerifier


class AuthSettings(BaseSettings):
    """Where the verification key is and which issuer and audience tokens must name."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    home: Path = Field(Path(".sosialpuls"), validation_alias="SOSIALPULS_HOME")
    keys_dir: Path | None = Field(None, validation_alias="SOSIALPULS_KEYS_DIR")
    jwt_public_key: Path | None = Field(None, validation_alias="SOSIALPULS_JWT_PUBLIC_KEY")
    jwt_issuer: str = Field(DEFAULT_ISSUER, validation_alias="SOSIALPULS_JWT_ISSUER")
    jwt_audience: str = Field(DEFAULT_AUDIENCE, validation_alias="SOSIALPULS_JWT_AUDIENCE")

    @property
    def public_key_path(self) -> Path:
        return self.jwt_public_key or (self.keys_dir or self.home / "keys") / "public.pem"

    def verifier(self) -> TokenVerifier:
        """A verifier for the configured key (reads the key file now)."""
        return TokenVerifier.from_file(
            self.public_key_path, issuer=self.jwt_issuer, audience=self.jwt_audience
        )

    def audit_log(self) -> AuditLog:
        """The audit log of this stack home."""
        return AuditLog(audit_path(self.home))
