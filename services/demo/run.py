"""The demo, step by step: stack up, simulate, replay, wait, compact and seal, summary."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from deploy.local import stack
from deploy.local.home import StackHome
from deploy.local.keys import ensure_signing_key
from services.auth.tokens import TokenIssuer, load_private_key
from services.cli.display import Display
from services.demo.plan import plan_replay
from services.demo.replay import ReplayTally, replay
from services.demo.summary import database_state, is_sealed, render_summary


@dataclass(frozen=True, slots=True)
class DemoOptions:
    year: int
    seed: int
    scale: float
    faults: str
    pause: float
    home: str | None


DISPLAY = Display()


def say(text: str) -> None:
    DISPLAY.line(f"\n>> {text}")


def run_cli(args: list[str], env: dict[str, str]) -> None:
    """Run a `sosialpuls` subcommand as its own process, as an operator would (its output
    goes where ours goes, so it too shows live progress only on a terminal)."""
    command = [sys.executable, "-m", "services.cli.main", *args]
    DISPLAY.line("   $ sosialpuls " + " ".join(args))
    sys.stdout.flush()
    subprocess.run(command, env=env, check=True)


async def wait_until_quiet(database_url: str, quiet_seconds: float, timeout: float) -> float:
    """Wait until the aggregator has written nothing new for `quiet_seconds`."""
    started = time.monotonic()
    last = await database_state(database_url)
    last_change = time.monotonic()
    while time.monotonic() - started < timeout:
        await asyncio.sleep(1.0)
        state = await database_state(database_url)
        if state != last:
            last, last_change = state, time.monotonic()
        elif time.monotonic() - last_change >= quiet_seconds:
            break
    return time.monotonic() - started


def run_demo(options: DemoOptions) -> int:
    home = StackHome.resolve(options.home)
    say(f"starting the local stack in {home.root}")
    with DISPLAY.step("starting broker, PostgreSQL, gateway, aggregator and feeds"):
        result = asyncio.run(
            stack.up(home, broker_kind="tansu", broker_port=None, with_services=True)
        )
    if result.failed:
        print(f"could not start: {', '.join(result.failed)}; logs in {home.logs}", file=sys.stderr)
        return 1
    info = result.stack
    env = stack.client_env(home, info)
    out = home.root / "demo" / str(options.year)
    reconciliation = out / "reconciliation"
    issuer = TokenIssuer(load_private_key(ensure_signing_key(home.root) / "private.pem"))
    if asyncio.run(is_sealed(env["DATABASE_URL"], options.year)):
        say(
            f"{options.year} is already sealed in {home.root} by an earlier demo: showing it. "
            f"For a fresh run: sosialpuls down && rm -rf {home.root}, or choose --year 2024"
        )
        summary = asyncio.run(
            render_summary(env["DATABASE_URL"], options.year, ReplayTally(), reconciliation)
        )
        DISPLAY.line(summary)
        print_urls(info, issuer, reconciliation)
        return 0
    say(f"simulating {options.year} for all of Norway (seed {options.seed}) into {out}")
    run_cli(
        [
            "simulate",
            "--year",
            str(options.year),
            "--seed",
            str(options.seed),
            "--out",
            str(out),
            "--scale",
            str(options.scale),
            "--faults",
            options.faults,
        ],
        env,
    )
    say(f"replaying the monthly reports through the gateway at {info['gateway_url']}")

    @cache
    def token_for(unit_key: str) -> str:
        return issuer.issue(unit=unit_key)

    months = plan_replay((out / "reports.jsonl").read_text().splitlines())
    tally = asyncio.run(
        replay(
            months,
            str(info["gateway_url"]),
            token_for,
            pause_between_months=options.pause,
            display=DISPLAY,
        )
    )
    say("waiting for the aggregator to catch up")
    with DISPLAY.step("the aggregator is still writing"):
        waited = asyncio.run(wait_until_quiet(env["DATABASE_URL"], quiet_seconds=5, timeout=300))
    DISPLAY.line(f"   caught up after {waited:.0f} s")
    say("reconciling the year with Skjema 11F/11CF and the accounts, and sealing it")
    run_cli(
        [
            "compact",
            "--year",
            str(options.year),
            "--skjema11",
            str(out / "11F.dat"),
            "--skjema11c",
            str(out / "11CF.dat"),
            "--accounts",
            str(out / "accounts.csv"),
            "--out",
            str(reconciliation),
            "--seal",
        ],
        env,
    )
    summary = asyncio.run(render_summary(env["DATABASE_URL"], options.year, tally, reconciliation))
    DISPLAY.line(summary)
    print_urls(info, issuer, reconciliation)
    return 0


def print_urls(info: dict[str, object], issuer: TokenIssuer, reconciliation: Path) -> None:
    """Where to look: the dashboard (logged in as the directorate), API docs, the report."""
    feeds = info.get("feeds_url", "")
    DISPLAY.line("\nOpen:")
    directorate = issuer.issue(role="directorate")
    DISPLAY.line(f"  dashboard            {feeds}/#token={directorate}")
    DISPLAY.line(f"  feed API docs        {feeds}/docs")
    DISPLAY.line(f"  gateway API docs     {info['gateway_url']}/docs")
    DISPLAY.line(f"  reconciliation       {reconciliation / 'report.html'}")
    DISPLAY.line(f"  metrics              {info.get('aggregator_url', '')}/metrics")
    DISPLAY.line("Stop everything with: sosialpuls down")
