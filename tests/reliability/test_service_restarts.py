"""The gateway and the feeds SIGKILLed in the middle of a simulated year, on a full stack.

A private home runs ``sosialpuls up`` with every service. A simulated year (scale 0.02) is
sent through the gateway as the demo plans it; half-way, the gateway and feeds processes
(PIDs from the home's ``run/`` dir) are killed with SIGKILL while requests are in flight.
``sosialpuls up`` starts again what died, the client sends again every request that was not
answered or not acknowledged, and then the stored facts and rollups equal ``truth.json``
and the restarted feeds answer the nation's figures (ssb token) equal to the truth.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx
import pytest
from integration.aggregator_support import (
    GROUP_BY_CHECK,
    SimulatedYear,
    simulated_year,
    stored_facts,
    stored_rollups,
    truth_facts,
    truth_rollups,
)
from integration.test_feeds_truth import true_value
from test_postgres_faults import sosialpuls

from contracts.reports import INDICATORS
from deploy.local import LocalStack, StackHome
from deploy.local.processes import is_alive, load_record
from services.auth.tokens import TokenIssuer, load_private_key
from services.demo.plan import Request, plan_replay

KILLED = ("gateway", "feeds")


class Sender:
    """Posts requests as a client would: anything not answered, or answered without an
    acknowledgement for each valid report (503, 429, an item ``failed``), is kept to send
    again."""

    def __init__(self, home: StackHome, issuer: TokenIssuer) -> None:
        self.home = home
        self.issuer = issuer
        self.tokens: dict[str, str] = {}
        self.answered = 0
        self.again: list[Request] = []
        self.unanswered = 0

    def url(self) -> str:
        return str(self.home.read_stack()["gateway_url"])

    def token(self, unit_key: str) -> str:
        if unit_key not in self.tokens:
            self.tokens[unit_key] = self.issuer.issue(unit=unit_key)
        return self.tokens[unit_key]

    async def send(self, client: httpx.AsyncClient, request: Request) -> None:
        headers = {
            "Authorization": f"Bearer {self.token(request.unit_key)}",
            "Content-Type": "application/json",
        }
        try:
            response = await client.post(
                f"{self.url()}/v1/reports", content=request.body, headers=headers
            )
        except httpx.TransportError:
            self.unanswered += 1
            self.again.append(request)
            return
        self.answered += 1
        status = response.status_code
        assert status in (202, 422, 429, 503), response.text
        items = response.json().get("results", [])
        if status in (429, 503) or any(item["status"] == "failed" for item in items):
            self.again.append(request)

    async def send_all(self, requests: list[Request], concurrency: int = 8) -> None:
        limit = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(timeout=60) as client:

            async def one(request: Request) -> None:
                async with limit:
                    await self.send(client, request)

            await asyncio.gather(*(one(r) for r in requests))


def kill_nine(home: StackHome, name: str) -> None:
    """SIGKILL the process group the launcher recorded for ``name``."""
    record = load_record(home, name)
    assert record is not None and is_alive(record), f"{name} is not running"
    os.killpg(record.pid, signal.SIGKILL)
    while is_alive(record):
        time.sleep(0.05)


async def wait_for_truth(pool: asyncpg.Pool, sim: SimulatedYear, timeout: float = 120) -> None:
    facts = truth_facts(sim.truth)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await stored_facts(pool) != facts:
        if loop.time() > deadline:
            stored = await stored_facts(pool)
            missing = len(facts.keys() - stored.keys())
            raise AssertionError(f"facts differ from the truth ({missing} missing)")
        await asyncio.sleep(1)


@pytest.fixture
def sim(tmp_path: Path) -> SimulatedYear:
    return simulated_year(tmp_path / "sim", year=2025, scale=0.02)


async def test_gateway_and_feeds_killed_mid_run_equals_truth(
    sim: SimulatedYear, stack_home_factory: Callable[[], Path]
) -> None:
    root = stack_home_factory()
    sosialpuls(root, "up")
    home = StackHome(root)
    stack = home.read_stack()
    assert {"gateway_url", "feeds_url", "aggregator_url"} <= stack.keys(), stack
    issuer = TokenIssuer(load_private_key(home.keys / "private.pem"))
    sender = Sender(home, issuer)
    requests = [r for month in plan_replay(sim.lines) for r in month.requests]

    sending = asyncio.create_task(sender.send_all(requests))
    while sender.answered < len(requests) // 2:
        assert not sending.done(), "finished before the kill"
        await asyncio.sleep(0.05)
    for name in KILLED:
        kill_nine(home, name)
    await sending
    assert sender.unanswered > 0, "the kill did not hit any request"
    print(f"{len(requests)} requests, {sender.unanswered} unanswered after the kill")

    await asyncio.to_thread(sosialpuls, root, "up")
    for name in KILLED:
        record = load_record(home, name)
        assert record is not None and is_alive(record), f"{name} was not restarted"
    for _ in range(20):
        if not sender.again:
            break
        todo, sender.again = sender.again, []
        await sender.send_all(todo)
        if sender.again:
            await asyncio.sleep(1)
    assert not sender.again, f"{len(sender.again)} requests never acknowledged"

    pool = await asyncpg.create_pool(
        LocalStack.from_home(home).database_url, min_size=1, max_size=2
    )
    try:
        await wait_for_truth(pool, sim)
        assert await stored_rollups(pool) == truth_rollups(sim.truth)
        assert await pool.fetch(GROUP_BY_CHECK) == []
    finally:
        await pool.close()

    ssb = {"Authorization": f"Bearer {issuer.issue(role='ssb')}"}
    async with httpx.AsyncClient(base_url=str(home.read_stack()["feeds_url"]), timeout=30) as http:
        response = await http.get(
            "/v1/units/nation/0/indicators?from=2025-01&to=2025-12", headers=ssb
        )
    assert response.status_code == 200, response.text
    months = response.json()["months"]
    assert [m["period"] for m in months] == [f"2025-{m:02d}" for m in range(1, 13)]
    for month in months:
        for ind in INDICATORS:
            expected = true_value(sim.truth, "nation:0", month["period"], ind)
            assert month["indicators"][ind] == expected, (month["period"], ind)
