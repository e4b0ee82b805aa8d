"""The directorate's CSV export while the national year streams in, and after.

Starts a stack in its own temporary ``SOSIALPULS_HOME``, simulates 2025 (seed 2025, scale 1,
standard faults) and replays it through the gateway the way ``sosialpuls demo`` does, while
another thread asks the feeds for
``GET /v1/export/csv?level=municipality&from=2025-01&to=2025-12`` with a directorate token,
0.5 s after each answer. Then waits until the aggregator is quiet and asks again. Reports
p50/p95/max wall seconds during and after the replay, the machine's load, and brings the
stack down. Writes bench/results/export_latency.json (or ``--out``).

    .venv/bin/python bench/bench_export_latency.py [--pause 1.0] [--after 20] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deploy.local import stack
from deploy.local.home import StackHome
from deploy.local.keys import ensure_signing_key
from services.auth.tokens import TokenIssuer, load_private_key
from services.demo.plan import plan_replay
from services.demo.replay import replay
from services.demo.run import wait_until_quiet

RESULT = Path(__file__).resolve().parent / "results" / "export_latency.json"
SIMULATE = [sys.executable, "-m", "services.cli.main", "simulate", "--year", "2025", "--seed"]
SIMULATE += ["2025", "--scale", "1", "--faults", "standard"]
EXPORT = "/v1/export/csv?level=municipality&from=2025-01&to=2025-12"


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def summary(samples: list[float]) -> dict[str, Any]:
    if not samples:
        return {"requests": 0}
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "requests": len(ordered),
        "p50_s": round(statistics.median(ordered), 3),
        "p95_s": round(p95, 3),
        "max_s": round(ordered[-1], 3),
    }


class Poller(threading.Thread):
    """Asks for the export, 0.5 s after each answer, until stopped; wall seconds each."""

    def __init__(self, feeds_url: str, token: str) -> None:
        super().__init__(daemon=True)
        self.client = httpx.Client(
            base_url=feeds_url, timeout=120.0, headers={"Authorization": f"Bearer {token}"}
        )
        self.samples: list[float] = []
        self.versions: set[str] = set()
        self.errors: list[int] = []
        self.stop = threading.Event()

    def once(self) -> None:
        started = time.perf_counter()
        answer = self.client.get(EXPORT)
        elapsed = time.perf_counter() - started
        if answer.status_code == 200:
            self.samples.append(elapsed)
            self.versions.add(answer.headers.get("x-data-version", ""))
        elif answer.status_code != 404:  # 404: nothing reported yet
            self.errors.append(answer.status_code)

    def run(self) -> None:
        while not self.stop.is_set():
            self.once()
            self.stop.wait(0.5)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between months")
    parser.add_argument("--after", type=int, default=20, help="requests after the replay")
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args(argv)
    home = StackHome.resolve(tempfile.mkdtemp(prefix="sp-export-"))
    load_before = load()
    try:
        result = asyncio.run(stack.up(home, broker_kind="tansu", with_services=True))
        if result.failed:
            print(f"could not start: {result.failed}; logs in {home.logs}", file=sys.stderr)
            return 1
        info = result.stack
        env = stack.client_env(home, info)
        out = home.root / "demo" / "2025"
        subprocess.run(
            [*SIMULATE, "--out", str(out)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        issuer = TokenIssuer(load_private_key(ensure_signing_key(home.root) / "private.pem"))

        @cache
        def token_for(unit_key: str) -> str:
            return issuer.issue(unit=unit_key)

        months = plan_replay((out / "reports.jsonl").read_text().splitlines())
        poller = Poller(str(info["feeds_url"]), issuer.issue(role="directorate"))
        poller.start()
        started = time.perf_counter()
        asyncio.run(
            replay(months, str(info["gateway_url"]), token_for, pause_between_months=args.pause)
        )
        waited = asyncio.run(wait_until_quiet(env["DATABASE_URL"], quiet_seconds=5, timeout=300))
        replay_seconds = time.perf_counter() - started
        poller.stop.set()
        poller.join()
        during = list(poller.samples)
        load_during = load()
        poller.samples.clear()
        for _ in range(args.after):
            poller.once()
            time.sleep(0.5)
        report = {
            "export": EXPORT,
            "pause_between_months_s": args.pause,
            "replay_and_catch_up_s": round(replay_seconds, 1),
            "catch_up_s": round(waited, 1),
            "during_replay": summary(during),
            "after_replay": summary(poller.samples),
            "errors": poller.errors,
            "data_versions_seen": len(poller.versions - {""}),
            "load_before": load_before,
            "load_at_end_of_replay": load_during,
            "cores": os.cpu_count(),
            "headline": {
                "export p95 during replay (s)": summary(during).get("p95_s"),
                "export p95 after replay (s)": summary(poller.samples).get("p95_s"),
            },
        }
    finally:
        stack.down(home)
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
