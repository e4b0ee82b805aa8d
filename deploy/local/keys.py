"""The RS256 key pair that signs the local stack's JWTs (`$SOSIALPULS_HOME/keys/`)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PRIVATE_KEY = "private.pem"
PUBLIC_KEY = "public.pem"


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def ensure_signing_key(home: Path) -> Path:
    """Create `home/keys/private.pem` and `public.pem` (mode 0600) once; return the keys dir.

    An existing key is kept, so tokens stay valid across `down`/`up`.
    """
    keys = Path(home) / "keys"
    keys.mkdir(parents=True, exist_ok=True)
    keys.chmod(0o700)
    private_path, public_path = keys / PRIVATE_KEY, keys / PUBLIC_KEY
    if not private_path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        tmp = keys / f".{PRIVATE_KEY}.{os.getpid()}"
        _write_private(
            tmp,
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        tmp.replace(private_path)
        public_path.unlink(missing_ok=True)
    if not public_path.exists():
        private = serialization.load_pem_private_key(private_path.read_bytes(), password=None)
        if not isinstance(private, rsa.RSAPrivateKey):
            raise ValueError(f"{private_path} is not an RSA private key")
        pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        _write_private(public_path, pem)
    return keys
