"""Helpers of the browser tests: a headless Chromium (Debian package `chromium`) driven over
the DevTools protocol, the services as real uvicorn subprocesses, and a signing key."""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from services.auth.tokens import TokenIssuer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
REPO = Path(__file__).resolve().parents[2]
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,2400",
]
WAIT_SECONDS = 60.0

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian package chromium missing")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signing_key(home: Path) -> TokenIssuer:
    """A fresh key pair; the public half where the services look (``home/keys``)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (home / "keys").mkdir(parents=True, exist_ok=True)
    (home / "keys" / "public.pem").write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return TokenIssuer(key)


@asynccontextmanager
async def process(
    name: str, args: list[str], env: Mapping[str, str], logs: Path, url: str | None = None
) -> AsyncIterator[subprocess.Popen[bytes]]:
    """``python args`` in the background (output in ``logs/name.log``); with ``url``, wait
    until its ``/internal/isAlive`` answers. Terminated afterwards."""
    log_path = logs / f"{name}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, *args], env=dict(env), cwd=REPO, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        if url is not None:
            async with httpx.AsyncClient() as client:
                for _ in range(300):
                    try:
                        if (await client.get(f"{url}/internal/isAlive")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if proc.poll() is not None:
                        pytest.fail(f"{name} died:\n{log_path.read_text()[-3000:]}")
                    await asyncio.sleep(0.2)
                else:
                    pytest.fail(f"{name} did not answer:\n{log_path.read_text()[-3000:]}")
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


def uvicorn(app: str, port: int) -> list[str]:
    return ["-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port)]


class Page:
    """A minimal Chrome DevTools Protocol client for one page; collects console errors,
    uncaught exceptions and failed loads in ``errors``."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.errors: list[str] = []
        self.replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            msg = json.loads(raw)
            if "id" in msg and msg["id"] in self.replies:
                self.replies.pop(msg["id"]).set_result(msg)
            elif msg.get("method") == "Runtime.exceptionThrown":
                self.errors.append(json.dumps(msg["params"]["exceptionDetails"])[:500])
            elif msg.get("method") == "Runtime.consoleAPICalled":
                if msg["params"]["type"] in ("error", "assert"):
                    self.errors.append(json.dumps(msg["params"]["args"])[:500])
            elif (
                msg.get("method") == "Log.entryAdded" and msg["params"]["entry"]["level"] == "error"
            ):
                self.errors.append(msg["params"]["entry"]["text"][:500])

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        ident = next(self.ids)
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.replies[ident] = reply
        await self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        result = await asyncio.wait_for(reply, WAIT_SECONDS)
        if "error" in result:
            raise AssertionError(f"{method}: {result['error']}")
        return dict(result.get("result", {}))

    async def evaluate(self, expression: str) -> Any:
        result = await self.send(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        return result["result"].get("value")

    async def wait_for(self, expression: str, expected: Any, seconds: float = WAIT_SECONDS) -> Any:
        value = None
        for _ in range(int(seconds / 0.25)):
            value = await self.evaluate(expression)
            if value == expected:
                return value
            await asyncio.sleep(0.25)
        return value

    async def set_files(self, selector: str, paths: list[Path]) -> None:
        """Choose ``paths`` in the file input ``selector`` (as a user picking files)."""
        root = (await self.send("DOM.getDocument"))["root"]["nodeId"]
        node = (await self.send("DOM.querySelector", nodeId=root, selector=selector))["nodeId"]
        await self.send("DOM.setFileInputFiles", files=[str(p) for p in paths], nodeId=node)

    async def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        shot = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path = ARTIFACTS / name
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


@asynccontextmanager
async def chromium_page(workdir: Path) -> AsyncIterator[Page]:
    """A headless Chromium with one blank page, its profile under ``workdir``."""
    assert CHROMIUM is not None
    profile = Path(tempfile.mkdtemp(prefix="chromium-", dir=workdir))
    proc = subprocess.Popen(
        [
            CHROMIUM,
            *FLAGS,
            "--remote-debugging-port=0",
            f"--user-data-dir={profile}",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        active = profile / "DevToolsActivePort"
        for _ in range(300):
            if active.exists() and len(active.read_text().splitlines()) >= 2:
                break
            await asyncio.sleep(0.1)
        port = active.read_text().splitlines()[0]
        async with httpx.AsyncClient() as client:
            targets = (await client.get(f"http://127.0.0.1:{port}/json/list")).json()
        target = next(t for t in targets if t["type"] == "page")
        async with websockets.connect(target["webSocketDebuggerUrl"], max_size=None) as ws:
            page = Page(ws)
            await page.send("Runtime.enable")
            await page.send("Log.enable")
            await page.send("Page.enable")
            yield page
            page.reader.cancel()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
