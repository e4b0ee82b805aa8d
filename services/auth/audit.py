"""The audit trail: one PERMIT/DENY line per data access, no personal data.

A line names the decision, the action, the principal's unit or role (never the token's
subject, which in other identity providers can be a fødselsnummer), the resource and a
short reason, e.g.::

    2026-11-22T06:01:02Z PERMIT action=submit principal=municipality:0301
        resource=district:030101 count=12

Lines go to the ``sosialpuls.audit`` logger and, when a path is given, are appended to it
(``$SOSIALPULS_HOME/logs/audit.log``).
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from services.auth.tokens import Principal

Decision = Literal["PERMIT", "DENY"]
LOGGER_NAME = "sosialpuls.audit"
AUDIT_FILE = "audit.log"
_UNSAFE = re.compile(r"[^A-Za-z0-9:._/\-]")
_DIGITS_11 = re.compile(r"\d{11}")


def _clean(value: str) -> str:
    """One token for the line: no spaces or newlines, and never an 11-digit number."""
    return _DIGITS_11.sub("<redacted>", _UNSAFE.sub("_", value))[:120]


def audit_path(home: Path) -> Path:
    """The audit file of a stack home."""
    return Path(home) / "logs" / AUDIT_FILE


class AuditLog:
    """Writes audit lines; safe to share between requests of one process."""

    def __init__(self, path: Path | None = None, logger: logging.Logger | None = None) -> None:
        self.path = path
        self._logger = logger or logging.getLogger(LOGGER_NAME)
        self._lock = threading.Lock()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)

    def record(
        self,
        decision: Decision,
        *,
        action: str,
        principal: Principal | None,
        resource: str,
        reason: str | None = None,
        count: int | None = None,
    ) -> str:
        """Write one line and return it. ``principal`` None: the caller was not identified."""
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        who = principal.identity if principal is not None else "anonymous"
        parts = [
            stamp,
            decision,
            f"action={_clean(action)}",
            f"principal={_clean(who)}",
            f"resource={_clean(resource)}",
        ]
        if count is not None:
            parts.append(f"count={count}")
        if reason:
            parts.append(f"reason={_clean(reason)}")
        line = " ".join(parts)
        self._logger.info(line)
        if self.path is not None:
            with self._lock, self.path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        return line
