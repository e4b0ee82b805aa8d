"""Progress output of the CLI (services/cli/display.py): live on a terminal, a few plain
lines in a pipe or file — for the demo's replay and for `simulate`."""

from __future__ import annotations

import asyncio
import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from services.cli.display import Display
from services.demo.plan import plan_replay
from services.demo.replay import replay

ESC, CR = "\x1b", "\r"


def test_a_bar_in_a_file_is_one_plain_line_however_many_updates() -> None:
    out = io.StringIO()
    display = Display(out)
    assert not display.live
    with display.bar("2025-01", 5000, "reports") as bar:
        for done in range(1, 5001):
            bar.update(done, f"{done} accepted")
    text = out.getvalue()
    assert text.splitlines() == [text.splitlines()[0]]
    assert text.startswith("2025-01: 5000/5000 reports, 5000 accepted (")
    assert ESC not in text and CR not in text


def test_a_step_in_a_file_prints_only_its_lines() -> None:
    out = io.StringIO()
    display = Display(out)
    with display.step("working"):
        display.line("microdata: 10 persons")
    assert out.getvalue() == "microdata: 10 persons\n"


def test_on_a_terminal_the_bar_is_live() -> None:
    out = io.StringIO()
    display = Display(out, live=True)
    with display.bar("2025-01", 3, "reports") as bar:
        for done in (1, 2, 3):
            bar.update(done)
    text = out.getvalue()
    assert display.live and ESC in text and "3/3" in text


class Gateway(BaseHTTPRequestHandler):
    """Accepts every report of a POST /v1/reports."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        answer = json.dumps({"results": [{"status": "accepted"}] * body.count(b'"u"')}).encode()
        self.send_response(202)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def gateway() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_the_replay_writes_one_line_per_month_into_a_file(gateway: str) -> None:
    lines = [
        json.dumps(
            {
                "u": i,
                "unit": {"type": "municipality", "code": f"{i % 300:04d}"},
                "reported_at": f"2025-{1 + i % 3:02d}-05T08:00:00Z",
            }
        )
        for i in range(900)
    ]
    months = plan_replay(lines)
    out = io.StringIO()
    tally = asyncio.run(replay(months, gateway, lambda _unit: "token", display=Display(out)))
    assert tally.accepted == 900 and len(months) == 3
    text = out.getvalue()
    assert [line.split(":")[0] for line in text.splitlines()] == [
        "  2025-01",
        "  2025-02",
        "  2025-03",
    ]
    assert all("300/300 reports, 300 accepted" in line for line in text.splitlines())
    assert ESC not in text and CR not in text


def test_simulate_into_a_pipe_writes_a_few_plain_lines(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.cli.main",
            "simulate",
            "--year",
            "2025",
            "--seed",
            "3",
            "--scale",
            "0.01",
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert 3 <= len(lines) <= 6 and lines[-1].startswith(f"wrote {tmp_path / 'out'}:")
    assert ESC not in result.stdout and CR not in result.stdout
