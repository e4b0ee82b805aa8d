"""The compactor on a simulated year: stream facts in PostgreSQL, forms and accounts on
disk, the real CLI in a subprocess; sealing into PostgreSQL and the annual topic."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaConsumer

from contracts.kostra import decode_record, iter_records, load_layout
from contracts.rules import INDICATORS
from contracts.topics import ANNUAL, TopicSet
from services.simulator.run import SimulationConfig, simulate

YEAR = 2025
EXACT = ("recipients", "recipients_under_30", "kroner_paid", "qp_participants")
WRONG = [("municipality", "recipients", 3), ("district", "kroner_paid", -1000)]
"""Reports made wrong on purpose: (unit type, indicator, change) in March."""


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sim")
    simulate(SimulationConfig(year=YEAR, seed=11, scale=0.03, faults="standard"), out)
    return out


def truth_of(sim: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((sim / "truth.json").read_text())
    return data


def person_numbers(sim: Path) -> set[str]:
    """Every fødselsnummer and DUF number in the simulated forms."""
    numbers: set[str] = set()
    for form, fields in (
        ("11F", ("PERSON_FODSELSNR", "PERSON_DUF")),
        ("11CF", ("PERSON_FODSELSNR",)),
    ):
        layout = load_layout(form, YEAR)
        for _, line in iter_records(sim / f"{form}.dat", layout):
            record = decode_record(layout, line)
            numbers.update(record[name] for name in fields if record.get(name))
    return numbers


def wrong_cells(truth: dict[str, Any]) -> dict[tuple[str, str, str], int]:
    """(unit key, period, indicator) → the wrong value the stream will hold."""
    cells: dict[tuple[str, str, str], int] = {}
    period = f"{YEAR}-03"
    for unit_type, indicator, change in WRONG:
        for key, months in sorted(truth["units"].items()):
            values = months.get(period)
            if key.startswith(f"{unit_type}:") and values and values["recipients"] > 5:
                if unit_type == "district" and not key.startswith("district:0301"):
                    continue
                cells[(key, period, indicator)] = values[indicator] + change
                break
    assert len(cells) == len(WRONG)
    return cells


async def insert_facts(
    url: str, truth: dict[str, Any], wrong: dict[tuple[str, str, str], int]
) -> int:
    rows = []
    now = datetime.now(UTC)
    for key, months in truth["units"].items():
        unit_type, code = key.split(":")
        for period, values in months.items():
            values = {name: wrong.get((key, period, name), values[name]) for name in INDICATORS}
            rows.append(
                (unit_type, code, date.fromisoformat(f"{period}-01"), 1, uuid.uuid4(),
                 "digest", "test", now, now, *(values[name] for name in INDICATORS))
            )  # fmt: skip
    con = await asyncpg.connect(url)
    try:
        await con.executemany(
            "INSERT INTO unit_month_facts (unit_type, unit_code, period, revision, event_id, "
            "content_digest, source, reported_at, received_at, "
            + ", ".join(INDICATORS)
            + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            rows,
        )
    finally:
        await con.close()
    return len(rows)


def compact(
    sim: Path,
    out: Path,
    url: str,
    brokers: str,
    topics: TopicSet,
    *extra: str,
    accounts: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "KAFKA_BROKERS": brokers,
        "SOSIALPULS_TOPIC_PREFIX": topics.annual[: -len(ANNUAL)],
    }
    args = [
        sys.executable, "-m", "services.cli.main", "compact", "--year", str(YEAR),
        "--skjema11", str(sim / "11F.dat"), "--skjema11c", str(sim / "11CF.dat"),
        "--accounts", str(accounts or sim / "accounts.csv"), "--out", str(out), *extra,
    ]  # fmt: skip
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, check=False)


async def run_compact(*args: Any, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(compact, *args, **kwargs)


async def test_reconciliation_finds_what_the_simulator_injected(
    simulated: Path, pg_database_url: str, kafka_brokers: str, topics: TopicSet, tmp_path: Path
) -> None:
    truth = truth_of(simulated)
    wrong = wrong_cells(truth)
    await insert_facts(pg_database_url, truth, wrong)
    result = await run_compact(simulated, tmp_path, pg_database_url, kafka_brokers, topics)
    assert result.returncode == 0, result.stderr
    assert "records read" in result.stdout and "reconciled" in result.stdout
    report = json.loads((tmp_path / "reconciliation.json").read_text())
    status = {
        (f"{r['unit_type']}:{r['unit_code']}", r["period"], r["indicator"]): r["status"]
        for r in report["rows"]
    }
    faults = [
        json.loads(line) for line in (simulated / "form_faults.jsonl").read_text().splitlines()
    ]
    extra_records = {f["kommunenummer"] for f in faults if f["kind"] == "missing_months"}
    # the wrong reports are deviations
    for cell in wrong:
        assert status[cell] == "deviation", cell
    # months never reported are missing in the stream (where the forms have recipients)
    never = truth["never_reported"]
    derived = truth["form_derived"]
    checked_missing = 0
    for key, periods in never.items():
        unit_type, code = key.split(":")
        if unit_type != "municipality":
            continue
        for period in periods:
            if derived["municipality"].get(code, {}).get(period, {}).get("recipients"):
                assert status[(key, period, "recipients")] == "missing_in_stream"
                checked_missing += 1
    assert checked_missing
    # every exact indicator of every right report matches
    checked_match = 0
    for key, months in truth["units"].items():
        unit_type, code = key.split(":")
        if unit_type == "nav_office" or (unit_type == "district" and not code.startswith("0301")):
            continue
        if code[:4] in extra_records:
            continue
        for period in months:
            for indicator in EXACT:
                cell = (key, period, indicator)
                if cell in wrong:
                    continue
                assert status.get(cell, "match") == "match", (cell, status.get(cell))
                checked_match += cell in status
    assert checked_match > 1000
    # the records with amounts but no month show up as kroner deviations
    for code in extra_records:
        assert any(
            s == "deviation" and k[0] == f"municipality:{code}" and k[2] == "kroner_paid"
            for k, s in status.items()
        ), code
    # accounts more than ±20 % off are flagged, the others not
    accounts = {row["kommunenummer"]: row for row in report["accounts"]}
    outliers = truth["accounts"]["outliers"]
    assert outliers
    for code, row in accounts.items():
        flagged = "forms_vs_accounts_over_threshold" in row["status"]
        if code in outliers:
            assert flagged, code
        elif code not in extra_records and truth["accounts"]["form_kroner"].get(code, 0) > 50_000:
            assert not flagged, (code, row)
    # the control report names the injected form faults by line (SSB exempts Oslo from
    # 11CF duplicate controls, so an Oslo 11CF duplicate is no finding)
    controls = (tmp_path / "controls.csv").read_text().splitlines()
    for fault in faults:
        if (fault["form"], fault["kommunenummer"]) == ("11CF", "0301"):
            continue
        assert any(line.startswith(f"{fault['form']}.dat;{fault['line']};") for line in controls), (
            fault
        )
    # no person number anywhere in the outputs
    numbers = person_numbers(simulated)
    assert numbers
    texts = [p.read_text() for p in tmp_path.iterdir()] + [result.stdout, result.stderr]
    assert not any(number in text for text in texts for number in numbers)


async def consume_all(brokers: str, topic: str) -> list[tuple[str, bytes | None]]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=brokers, auto_offset_reset="earliest", enable_auto_commit=False,
        group_id=f"test-{uuid.uuid4().hex[:8]}",
    )  # fmt: skip
    await consumer.start()
    records: list[tuple[str, bytes | None]] = []
    try:
        idle = 0
        while idle < 3:
            batch = await consumer.getmany(timeout_ms=1000)
            got = [m for messages in batch.values() for m in messages]
            idle = 0 if got else idle + 1
            records += [(m.key.decode(), m.value) for m in got]
    finally:
        await consumer.stop()
    return records


async def test_sealing_is_idempotent_and_reseal_needs_the_flag(
    simulated: Path, pg_database_url: str, kafka_brokers: str, topics: TopicSet, tmp_path: Path
) -> None:
    truth = truth_of(simulated)
    await insert_facts(pg_database_url, truth, {})
    first = await run_compact(
        simulated, tmp_path / "a", pg_database_url, kafka_brokers, topics, "--seal"
    )
    assert first.returncode == 0, first.stderr
    con = await asyncpg.connect(pg_database_url)
    try:
        sealed = await con.fetchrow("SELECT * FROM sealed_years WHERE year = $1", YEAR)
        assert sealed is not None
        units = await con.fetch(
            "SELECT unit_type, unit_code, record::text AS record FROM annual_reconciled"
        )
        assert len(units) > 300
        published = await consume_all(kafka_brokers, topics.annual)
        keys = {f"{u['unit_type']}:{u['unit_code']}:{YEAR}" for u in units}
        assert {key for key, _ in published} == keys and len(published) == len(keys)
        oslo = json.loads(dict(published)[f"municipality:0301:{YEAR}"] or b"{}")
        assert oslo["status"] == "reconciled" and len(oslo["months"]) == 12

        again = await run_compact(
            simulated, tmp_path / "b", pg_database_url, kafka_brokers, topics, "--seal"
        )
        assert again.returncode == 0 and "nothing changed" in again.stdout
        assert await con.fetchrow("SELECT * FROM sealed_years WHERE year = $1", YEAR) == sealed
        assert len(await consume_all(kafka_brokers, topics.annual)) == len(published)
        assert await con.fetchval("SELECT count(*) FROM seal_audit") == 1

        changed = tmp_path / "accounts.csv"
        changed.write_text((simulated / "accounts.csv").read_text().replace(";470;", ";470;1"))
        refused = await run_compact(
            simulated,
            tmp_path / "c",
            pg_database_url,
            kafka_brokers,
            topics,
            "--seal",
            accounts=changed,
        )
        assert refused.returncode == 3 and "--reseal" in refused.stderr
        assert await con.fetchval("SELECT input_digest FROM sealed_years") == sealed["input_digest"]
        resealed = await run_compact(
            simulated,
            tmp_path / "d",
            pg_database_url,
            kafka_brokers,
            topics,
            "--reseal",
            accounts=changed,
        )
        assert resealed.returncode == 0, resealed.stderr
        actions = [
            r["action"] for r in await con.fetch("SELECT action FROM seal_audit ORDER BY id")
        ]
        assert actions == ["seal", "refused", "reseal"]
        assert await con.fetchval("SELECT input_digest FROM sealed_years") != sealed["input_digest"]
        stored = " ".join(
            r["record"]
            for r in await con.fetch("SELECT record::text AS record FROM annual_reconciled")
        )
        audit = str(await con.fetch("SELECT * FROM seal_audit"))
    finally:
        await con.close()
    numbers = person_numbers(simulated)
    assert not any(n in stored or n in audit for n in numbers)
