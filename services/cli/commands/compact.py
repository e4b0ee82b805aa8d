"""`sosialpuls compact`: reconcile a year with Skjema 11F/11CF and the accounts; seal it."""

from __future__ import annotations

import argparse
import os
import sys
from functools import cache
from pathlib import Path
from typing import Any

import asyncpg

from services.cli.display import Display
from services.compactor.adapters.form_files import AccountsError
from services.compactor.adapters.postgres_facts import StreamReadError
from services.compactor.adapters.seal_store import SealError, SealOutcome, SealRefused
from services.compactor.handlers import CompactOptions, compact
from services.compactor.pipeline import CompactionInputs
from services.storage.migrate import MigrationError

EXIT_REFUSED = 3


@cache
def _display() -> Display:
    return Display()


def _say(message: str) -> None:
    """The compactor's progress callback: one line per step (under a spinner on a terminal)."""
    _display().line(f"compact: {message}")


def _from_stack(name: str) -> str | None:
    """A value of the local stack's `stack.json` ($SOSIALPULS_HOME), if there is one."""
    from deploy.local.home import StackHome

    value = StackHome.resolve().read_stack().get(name)
    return str(value) if value else None


def _database_url(given: str | None) -> str | None:
    """--database-url, else $DATABASE_URL, else the local stack's."""
    if given is not None:
        return given or None
    return os.environ.get("DATABASE_URL") or _from_stack("database_url")


def run(args: argparse.Namespace) -> int:
    options = CompactOptions(
        inputs=CompactionInputs(
            year=args.year,
            skjema11=Path(args.skjema11),
            skjema11c=Path(args.skjema11c),
            accounts=Path(args.accounts) if args.accounts else None,
        ),
        out_dir=Path(args.out),
        database_url=_database_url(args.database_url),
        seal=args.seal,
        reseal=args.reseal,
        kafka_brokers=os.environ.get("KAFKA_BROKERS") or _from_stack("kafka_brokers"),
    )
    try:
        with _display().step(f"compact: reconciling {args.year}"):
            result, outcome = compact(options, _say)
    except SealRefused as exc:
        print(f"compact: refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except (
        asyncpg.PostgresError,
        AccountsError,
        StreamReadError,
        SealError,
        MigrationError,
        OSError,
        ValueError,
    ) as exc:
        print(f"compact: error: {exc}", file=sys.stderr)
        return 1
    totals = result.summary.status_totals()
    _say("rows by status: " + ", ".join(f"{k} {v}" for k, v in sorted(totals.items())))
    _say(f"accounts flagged: {result.summary.accounts_flagged}")
    if outcome is SealOutcome.UNCHANGED:
        _say(f"{args.year} was already sealed from the same input: nothing changed")
    elif outcome is not None:
        _say(f"{args.year} {outcome.value} (input digest {result.input_digest[:12]}…)")
    _say(f"report: {Path(args.out) / 'report.html'}")
    return 0


def register(subparsers: Any) -> None:
    """Add `compact` to the CLI."""
    parser = subparsers.add_parser(
        "compact",
        help="reconcile a year of the stream with KOSTRA 11F/11CF and the accounts; seal it",
    )
    parser.add_argument("--year", type=int, required=True, help="reporting year (2024-2026)")
    parser.add_argument("--skjema11", required=True, help="11F file or folder of files")
    parser.add_argument("--skjema11c", required=True, help="11CF file or folder of files")
    parser.add_argument(
        "--accounts", help="function 281 accounts, CSV kommunenummer;aar;funksjon;art;belop"
    )
    parser.add_argument("--out", required=True, help="directory for the reports")
    parser.add_argument("--seal", action="store_true", help="seal the year after reconciling")
    parser.add_argument(
        "--reseal", action="store_true", help="replace a seal made from other input (audited)"
    )
    parser.add_argument(
        "--database-url", help="PostgreSQL (default: $DATABASE_URL or the local stack)"
    )
    parser.set_defaults(func=run)
