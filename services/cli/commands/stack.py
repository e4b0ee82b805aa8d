"""`sosialpuls up`, `down`, `status`: the local stack in `$SOSIALPULS_HOME`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from deploy.local import stack
from deploy.local.broker import BROKER_KINDS
from deploy.local.home import StackHome

_URL_KEYS = ("gateway_url", "feeds_url", "aggregator_url")


def register(subparsers: Any) -> None:
    """Add the `up`, `down` and `status` commands."""
    up = subparsers.add_parser("up", help="start the local stack in the background")
    up.add_argument("--broker", choices=BROKER_KINDS, default="tansu", help="broker to start")
    up.add_argument("--broker-port", type=int, default=None, help="broker port (default: free)")
    up.add_argument(
        "--no-services", action="store_true", help="only broker and PostgreSQL (for tests)"
    )
    up.add_argument("--home", default=None, help="state directory (default: $SOSIALPULS_HOME)")
    up.set_defaults(func=run_up)

    down = subparsers.add_parser("down", help="stop the local stack this home started")
    down.add_argument("--home", default=None, help="state directory (default: $SOSIALPULS_HOME)")
    down.set_defaults(func=run_down)

    status = subparsers.add_parser("status", help="show each component and whether it is alive")
    status.add_argument("--home", default=None, help="state directory (default: $SOSIALPULS_HOME)")
    status.set_defaults(func=run_status)


def run_up(args: argparse.Namespace) -> int:
    home = StackHome.resolve(args.home)
    try:
        result = asyncio.run(
            stack.up(
                home,
                broker_kind=args.broker,
                broker_port=args.broker_port,
                with_services=not args.no_services,
            )
        )
    except (stack.StackError, OSError, RuntimeError) as exc:
        print(f"sosialpuls up failed: {exc}", file=sys.stderr)
        print(f"logs: {home.logs}", file=sys.stderr)
        return 1
    if not result.started and not result.failed:
        print(f"already running (home {home.root})")
    else:
        print(f"started: {', '.join(result.started) or 'nothing'} (home {home.root})")
    for note in result.notes:
        print(f"note: {note}")
    if result.migrations:
        print(f"migrations applied: {', '.join(result.migrations)}")
    info = result.stack
    print(f"{'kafka:':<12}{info['kafka_brokers']}")
    print(f"{'database:':<12}{info['database_url']}")
    for key in _URL_KEYS:
        if key in info:
            print(f"{key.removesuffix('_url') + ':':<12}{info[key]}")
    if result.failed:
        print(f"failed to start: {', '.join(result.failed)}; see {home.logs}", file=sys.stderr)
        return 1
    return 0


def run_down(args: argparse.Namespace) -> int:
    home = StackHome.resolve(args.home)
    stopped = stack.down(home)
    if stopped:
        print(f"stopped: {', '.join(stopped)} (home {home.root})")
    else:
        print(f"nothing running (home {home.root})")
    return 0


def run_status(args: argparse.Namespace) -> int:
    home = StackHome.resolve(args.home)
    lines = stack.status(home)
    if not lines:
        print(f"no stack in {home.root}")
        return 1
    for line in lines:
        state = "alive" if line.alive else "DEAD"
        pid = f"pid {line.pid}" if line.pid is not None else "external"
        print(f"{line.name:<11} {state:<6} {pid:<11} {line.address}")
    return 0 if all(line.alive for line in lines) else 1
