"""What the HTTP services share at their entrypoints: the app built on first lookup, and
reading a body with a size limit."""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from fastapi import FastAPI, Request


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


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The request body, or None as soon as it is known to exceed ``limit`` bytes (from
    ``Content-Length`` before reading, else while streaming) — never parsed or kept whole."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
