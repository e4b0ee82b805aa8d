"""What the HTTP services share at their entrypoint: the app built on first lookup."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from fastapi import FastAPI


def lazy_app(namespace: MutableMapping[str, Any], build: Callable[[], FastAPI]) -> Any:
    """A module ``__getattr__`` that builds ``app`` from the environment on its first
    lookup (what uvicorn does) and keeps it in ``namespace`` — never at import."""

    def module_getattr(name: str) -> FastAPI:
        if name == "app":
            built = build()
            namespace["app"] = built
            return built
        raise AttributeError(name)

    return module_getattr
