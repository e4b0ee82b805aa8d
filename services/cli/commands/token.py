"""`sosialpuls token`: print a bearer token signed with the local stack's key."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from services.auth.config import AuthSettings
from services.auth.tokens import (
    ROLES,
    Role,
    TokenIssuer,
    UnitRef,
    load_private_key,
)

PRIVATE_KEY = "private.pem"


def _home() -> Path:
    from deploy.local.home import StackHome

    return StackHome.resolve().root


def _keys_dir(home: Path) -> Path:
    """The stack's key directory, creating the key pair on first use."""
    from deploy.local.keys import ensure_signing_key

    return ensure_signing_key(home)


def _unit(text: str) -> UnitRef:
    try:
        return UnitRef.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _ttl(text: str) -> timedelta:
    """Seconds, or a number with s/m/h/d."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    factor = units.get(text[-1:])
    number = text[:-1] if factor else text
    try:
        seconds = int(number) * (factor or 1)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"ttl must look like 3600, 90m, 12h or 7d: {text}"
        ) from exc
    if seconds <= 0:
        raise argparse.ArgumentTypeError("ttl must be positive")
    return timedelta(seconds=seconds)


def run(args: argparse.Namespace) -> int:
    """Issue the token and print it on stdout."""
    home = Path(args.home) if args.home else _home()
    auth = AuthSettings()  # the issuer and audience the services expect
    issuer = TokenIssuer(
        load_private_key(_keys_dir(home) / PRIVATE_KEY),
        issuer=auth.jwt_issuer,
        audience=auth.jwt_audience,
    )
    role: Role | None = args.role
    scopes = args.scope.split() if args.scope else None
    try:
        token = issuer.issue(unit=args.unit, role=role, scopes=scopes, ttl=args.ttl)
    except ValueError as exc:
        print(f"sosialpuls token: {exc}", file=sys.stderr)
        return 2
    print(token)
    return 0


def register(subparsers: Any) -> None:
    """Add `token` to the CLI."""
    parser = subparsers.add_parser(
        "token",
        help="print a bearer token for the local stack",
        description=(
            "Print an RS256 bearer token signed with $SOSIALPULS_HOME/keys/private.pem "
            "(created on first use). Use it as 'Authorization: Bearer <token>'."
        ),
    )
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--unit",
        type=_unit,
        metavar="TYPE:CODE",
        help="a reporting unit, e.g. municipality:0301, district:030101, nav_office:0315",
    )
    who.add_argument("--role", choices=ROLES, help="a reader role")
    parser.add_argument(
        "--ttl", type=_ttl, default=timedelta(hours=12), help="lifetime (3600, 90m, 12h, 7d)"
    )
    parser.add_argument(
        "--scope",
        help="space-separated scopes (default: 'reports:write reports:read' for a unit, "
        "'reports:read' for a role)",
    )
    parser.add_argument("--home", help="stack home (default: $SOSIALPULS_HOME or .sosialpuls)")
    parser.set_defaults(func=run)
