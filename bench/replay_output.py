"""How much the demo's replay writes into a log: lines, carriage returns, bytes.

Plans a simulated year (``sosialpuls simulate --year 2025 --seed 2025 --scale 0.05
--faults standard --out DIR`` first; the number of requests hardly depends on the scale) and
replays it against a stub gateway that accepts everything, with the replay's output
going to a file — as in ``make demo > log``. With ``--old FILE`` the replay module in FILE
(e.g. ``git show 0d2c66d:services/demo/replay.py > /tmp/old_replay.py``) is measured too.

Run: ``.venv/bin/python bench/replay_output.py DIR [--old FILE]``. Not part of
``make bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import io
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.cli.display import Display
from services.demo.plan import plan_replay
from services.demo.replay import replay


class Gateway(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        count = body.count(b'"event_id"') or 1
        answer = json.dumps({"results": [{"status": "accepted"}] * count}).encode()
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


def measure(label: str, text: str) -> None:
    print(
        f"{label}: {text.count(chr(10))} lines, {text.count(chr(13))} carriage returns, "
        f"{len(text.encode()):,} bytes"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("simulated", type=Path)
    parser.add_argument("--old", type=Path)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    months = plan_replay((args.simulated / "reports.jsonl").read_text().splitlines())
    print(f"{sum(len(m.requests) for m in months):,} requests in {len(months)} months")
    if args.old:
        spec = importlib.util.spec_from_file_location("old_replay", args.old)
        assert spec is not None and spec.loader is not None
        old = importlib.util.module_from_spec(spec)
        sys.modules["old_replay"] = old  # dataclasses look their module up
        spec.loader.exec_module(old)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            asyncio.run(old.replay(months, url, lambda _unit: "token"))
        measure("old", out.getvalue() + err.getvalue())
    out = io.StringIO()
    asyncio.run(replay(months, url, lambda _unit: "token", display=Display(out)))
    measure("new", out.getvalue())
    server.shutdown()


if __name__ == "__main__":
    main()
