"""The directory that holds all local state: `$SOSIALPULS_HOME`, default `.sosialpuls/`."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_HOME = ".sosialpuls"


@dataclass(frozen=True)
class StackHome:
    """Paths inside one stack's home directory (see docs/interfaces.md, "Local state")."""

    root: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike[str] | None = None) -> StackHome:
        """`home`, else `$SOSIALPULS_HOME`, else `.sosialpuls/` in the current directory."""
        chosen = home or os.environ.get("SOSIALPULS_HOME") or DEFAULT_HOME
        return cls(Path(chosen).expanduser().resolve())

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def pg(self) -> Path:
        return self.root / "pg"

    @property
    def keys(self) -> Path:
        return self.root / "keys"

    @property
    def broker(self) -> Path:
        return self.root / "broker"

    @property
    def stack_json(self) -> Path:
        return self.root / "stack.json"

    def create(self) -> None:
        """Create the home and its subdirectories (idempotent)."""
        for path in (self.root, self.run, self.logs, self.keys, self.broker):
            path.mkdir(parents=True, exist_ok=True)

    def read_stack(self) -> dict[str, Any]:
        """The contents of `stack.json`, or an empty dict before the first `up`."""
        try:
            data: dict[str, Any] = json.loads(self.stack_json.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return {}
        return data

    def write_stack(self, data: dict[str, Any]) -> None:
        """Replace `stack.json` atomically."""
        tmp = self.stack_json.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        tmp.chmod(0o600)  # the database URL carries the cluster's password
        tmp.replace(self.stack_json)


def remembered_port(
    home: StackHome, name: str, host: str = "127.0.0.1", avoid: Collection[int] = ()
) -> int:
    """The port `name` had last time in this home if it is still free, else a free one
    (never one in `avoid`).

    Keeps addresses stable across `down`/`up` (noida-db's clients reconnect unchanged).
    """
    path = home.root / "ports.json"
    try:
        ports: dict[str, int] = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        ports = {}
    port = ports.get(name)
    if port is None or port in avoid or port_open(host, port) or not _bindable(host, port):
        port = free_port(host)
        while port in avoid:
            port = free_port(host)
        ports[name] = port
        path.write_text(json.dumps(ports, indent=2, sort_keys=True) + "\n")
    return port


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on `host` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
