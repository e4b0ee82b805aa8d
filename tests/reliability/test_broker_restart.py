"""The broker restarted under the gateway, with its data kept (noida-db persists it).

A private stack runs noida-db; the gateway (in process) posts small batches continuously
while the broker is stopped by its launcher record and started again on the same port.
Every request that got 202 must have all its reports on the topic afterwards, at the
partition and offset of its receipts; during the outage a request is answered 503 with a
reason (never 202 without the data), and sending it again after the restart gets 202.

The sender holds back while the broker is *shutting down* (from SIGTERM until its
process group has exited): noida-db 0.2.3 acknowledges records that reach it in that
moment and does not keep them, a gap of the broker that no client can close (measured by
``python -m bench.probe_noida_shutdown``; see docs/reliability.md). Apache Kafka's
controlled shutdown does not acknowledge what it will not keep.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from integration.aggregator_support import produce
from integration.test_gateway_kafka import read_records
from support import reports
from support.gateway import serve_gateway
from support.reports import SMALL
from test_postgres_faults import sosialpuls

from deploy.local import LocalStack, StackHome
from deploy.local.broker import start_broker, wait_for_broker
from deploy.local.processes import ProcessRecord, forget, is_alive, load_record, stop
from services.auth.tokens import TokenIssuer, load_private_key
from services.gateway.config import GatewaySettings

UNIT = "municipality:0301"
BATCH = 5


def batch_of(first_revision: int) -> list[dict[str, Any]]:
    """``BATCH`` valid reports for Oslo, each with its own event id and revision."""
    source = "fagsystem:broker-restart"
    return [
        reports.report(revision=first_revision + i, source=source, indicators=SMALL)
        for i in range(BATCH)
    ]


@dataclass
class Ledger:
    """What the sender saw: receipts of accepted reports, and refused requests."""

    receipts: dict[str, tuple[int, int]] = field(default_factory=dict)  # event → (part, off)
    refused: list[list[dict[str, Any]]] = field(default_factory=list)  # to send again
    statuses: list[int] = field(default_factory=list)
    reasons: set[str] = field(default_factory=set)

    def record(self, batch: list[dict[str, Any]], response: httpx.Response) -> None:
        """Keep the receipts; queue every report that was not acknowledged for resending.

        202 means at least one report was acknowledged; the others of the batch are
        answered ``failed`` with a reason, and a 503 means none was.
        """
        self.statuses.append(response.status_code)
        assert response.status_code in (202, 503), response.text
        body = response.json()
        again = []
        for report, result in zip(batch, body["results"], strict=True):
            if result["status"] == "accepted":
                receipt = result["receipt"]
                assert receipt["event_id"] == report["event_id"]
                self.receipts[receipt["event_id"]] = (receipt["partition"], receipt["offset"])
            else:
                assert result["status"] == "failed", result
                assert result["errors"] and result["errors"][0]["reason"], result
                self.reasons.add(result["errors"][0]["reason"])
                again.append(report)
        assert (response.status_code == 202) == (len(again) < len(batch)), body
        if again:
            self.refused.append(again)


@pytest.fixture
def noida_home(stack_home_factory: Callable[[], Path]) -> Path:
    home = stack_home_factory()
    sosialpuls(home, "up", "--no-services", "--broker", "noida")
    return home


@pytest.fixture
async def gateway(noida_home: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = GatewaySettings(
        kafka_brokers=LocalStack.from_home(StackHome(noida_home)).kafka_brokers,
        home=noida_home,
        rate_limit_per_second=1000,
        rate_limit_burst=1000,
        produce_timeout_seconds=2,
    )
    async with serve_gateway(settings, timeout=60) as http:
        yield http


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


async def stop_gracefully(home: StackHome, record: ProcessRecord) -> None:
    """SIGTERM the broker's process group and wait until every member has exited.

    The launcher's ``stop`` is not used here: it SIGKILLs the group as soon as the leader
    (the ``noida-db`` Python wrapper) is gone, which can cut the broker's save short (bug B1,
    ``test_noida_keeps_its_data_across_a_stop[launcher]``).
    """
    assert is_alive(record)
    os.killpg(record.pid, signal.SIGTERM)
    for _ in range(600):
        if not group_alive(record.pid):
            forget(home, record.name)
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the broker did not stop within 60 s of SIGTERM")


async def restart_broker(home: StackHome, sending: asyncio.Lock) -> None:
    """Stop only the broker (SIGTERM by its record), then start it on the same port.

    ``sending`` is held by the sender around each request; holding it here keeps requests
    out of the broker's shutdown (see the module docstring), not out of its downtime.
    """
    record = load_record(home, "broker")
    assert record is not None and "noida" in " ".join(record.command)
    async with sending:
        await stop_gracefully(home, record)
    await asyncio.sleep(3)  # requests keep coming while it is down
    port = int(record.address.rsplit(":", 1)[1])
    again = await asyncio.to_thread(start_broker, home, "noida", port)
    await wait_for_broker(again.address)


async def test_no_acknowledged_report_is_lost_across_a_broker_restart(
    noida_home: Path, gateway: httpx.AsyncClient
) -> None:
    home = StackHome(noida_home)
    token = TokenIssuer(load_private_key(home.keys / "private.pem")).issue(unit=UNIT)
    headers = {"Authorization": f"Bearer {token}"}
    ledger = Ledger()
    revision = 1
    restarted = asyncio.Event()
    sending = asyncio.Lock()

    async def send_one() -> None:
        nonlocal revision
        batch = batch_of(revision)
        revision += BATCH
        async with sending:
            response = await gateway.post("/v1/reports", json=batch, headers=headers)
        ledger.record(batch, response)

    for _ in range(10):
        await send_one()
    assert set(ledger.statuses) == {202}

    async def keep_sending() -> None:
        while not restarted.is_set():
            await send_one()
            await asyncio.sleep(0.05)

    sender = asyncio.create_task(keep_sending())
    await restart_broker(home, sending)
    await asyncio.sleep(1)
    restarted.set()
    await sender

    assert ledger.refused, f"no report failed during the outage: {ledger.statuses}"
    assert ledger.reasons == {"broker_unavailable"}
    for _ in range(10):
        await send_one()
    for batch in ledger.refused:  # the client sends again what was refused
        for _ in range(30):
            response = await gateway.post("/v1/reports", json=batch, headers=headers)
            if response.status_code == 202 and response.json()["failed"] == 0:
                ledger.record(batch, response)
                break
            await asyncio.sleep(1)
        else:
            raise AssertionError(f"never accepted after the restart: {response.text}")

    records = await read_records(
        LocalStack.from_home(home).kafka_brokers,
        "sosialpuls.indicator-reports.v1",
        expected=len(ledger.receipts),
    )
    on_topic: dict[str, set[tuple[int, int]]] = {}
    for r in records:
        on_topic.setdefault(json.loads(r.value)["event_id"], set()).add((r.partition, r.offset))
    print(f"{len(ledger.receipts)} acknowledged, {len(ledger.refused)} batches resent")
    lost = {e: at for e, at in ledger.receipts.items() if at not in on_topic.get(e, set())}
    assert not lost, f"{len(lost)} acknowledged reports not on the topic after the restart"


@pytest.mark.parametrize(
    "stopper",
    [
        "graceful",
        "launcher",
    ],
)
async def test_noida_keeps_its_data_across_a_stop(noida_home: Path, stopper: str) -> None:
    """3,000 acknowledged records (7 MB), the broker stopped and started again on the same
    data dir: every record is still there. ``graceful`` waits for the whole process group
    after SIGTERM; ``launcher`` is ``deploy.local.processes.stop``, as ``sosialpuls down``
    uses it."""
    home = StackHome(noida_home)
    brokers = LocalStack.from_home(home).kafka_brokers
    lines = [json.dumps(batch_of(1)[0] | {"source": "x" * 2000}) for _ in range(3000)]
    ends = await produce(brokers, "sosialpuls.indicator-reports.v1", lines)
    assert sum(ends.values()) == len(lines)
    record = load_record(home, "broker")
    assert record is not None
    if stopper == "graceful":
        await stop_gracefully(home, record)
    else:
        assert await asyncio.to_thread(stop, home, record)
    port = int(record.address.rsplit(":", 1)[1])
    again = await asyncio.to_thread(start_broker, home, "noida", port)
    await wait_for_broker(again.address)
    kept = await read_records(brokers, "sosialpuls.indicator-reports.v1", expected=len(lines))
    assert len(kept) == len(lines)
