"""Background processes the launcher owns: start in their own process group, track, stop.

Each component gets `run/<name>.pid` (the PID alone, so shell tools can read it) and
`run/<name>.json` (PID, kernel start time, address, log, command). The start time guards
against PID reuse: a PID only counts as ours while its start time still matches.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from deploy.local.home import StackHome


@dataclass(frozen=True)
class ProcessRecord:
    """What the launcher remembers about one background process it started."""

    name: str
    pid: int
    start_ticks: int
    address: str
    log: str
    command: list[str]
    stop_signal: int = int(signal.SIGTERM)


def process_start_ticks(pid: int) -> int | None:
    """The kernel start time of `pid` in clock ticks, or None when no such process exists."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        _reap(pid)
        return None
    return int(fields[19])


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def is_alive(record: ProcessRecord) -> bool:
    """True while the recorded process runs and is the very process we started."""
    return process_start_ticks(record.pid) == record.start_ticks


def spawn(
    home: StackHome,
    name: str,
    command: Sequence[str],
    *,
    env: Mapping[str, str],
    address: str,
    cwd: Path | None = None,
    user: str | None = None,
    stop_signal: int = int(signal.SIGTERM),
) -> ProcessRecord:
    """Start `command` in the background in a new session; log to `logs/<name>.log`."""
    log_path = home.logs / f"{name}.log"
    with log_path.open("ab") as log:
        popen = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
            cwd=cwd,
            start_new_session=True,
            user=user,
            group=user,
            extra_groups=[] if user else None,
        )
    # The launcher may exit long before the child; it is adopted by init then.
    popen.returncode = 0
    ticks = process_start_ticks(popen.pid)
    record = ProcessRecord(
        name=name,
        pid=popen.pid,
        start_ticks=ticks if ticks is not None else -1,
        address=address,
        log=str(log_path),
        command=list(command),
        stop_signal=stop_signal,
    )
    save_record(home, record)
    return record


def save_record(home: StackHome, record: ProcessRecord) -> None:
    """Write the PID file and its metadata."""
    home.run.mkdir(parents=True, exist_ok=True)
    (home.run / f"{record.name}.pid").write_text(f"{record.pid}\n")
    (home.run / f"{record.name}.json").write_text(json.dumps(asdict(record), indent=2))


def load_record(home: StackHome, name: str) -> ProcessRecord | None:
    """The record for `name`, or None when the launcher has not started it."""
    path = home.run / f"{name}.json"
    try:
        data = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return ProcessRecord(**data)


def forget(home: StackHome, name: str) -> None:
    """Remove the PID file and metadata of `name`."""
    for suffix in (".pid", ".json"):
        (home.run / f"{name}{suffix}").unlink(missing_ok=True)


def _group_alive(pgid: int) -> bool:
    """True while a live (not zombie) process is in group `pgid`.

    ``killpg(pgid, 0)`` alone also counts zombies: a broker restarted by a test process
    stays a zombie of that process after it exited, and ``down`` (another process, which
    cannot reap it) would wait out its whole timeout for it.
    """
    if not _group_exists(pgid):
        return False
    return any(pgrp == pgid and state != "Z" for state, pgrp in _process_groups())


def _process_groups() -> list[tuple[str, int]]:
    """(state, process group) of every process in /proc."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found.append((fields[0], int(fields[2])))
    return found


def _signal_group(record: ProcessRecord, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(record.pid, sig)


def stop(home: StackHome, record: ProcessRecord, *, timeout: float = 15.0) -> bool:
    """Stop the process group of `record` (its signal, then SIGKILL after `timeout` for
    whatever of the group is left); True if it was running.

    The group is only signalled while the leader is still the process we started, so a
    reused PID is never touched; stragglers of an exited leader keep their group id and are
    killed with it.
    """
    was_alive = is_alive(record)
    if was_alive:
        _signal_group(record, record.stop_signal)
        deadline = time.monotonic() + timeout
        # Wait for the whole group, not only the leader: a wrapper (noida-db's) may exit at
        # once while the real server is still saving its data.
        while (is_alive(record) or _group_alive(record.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        if is_alive(record):
            _signal_group(record, int(signal.SIGKILL))
            while is_alive(record):
                time.sleep(0.05)
    if was_alive and _group_alive(record.pid):
        _signal_group(record, int(signal.SIGKILL))
        deadline = time.monotonic() + 5.0
        while _group_alive(record.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    if was_alive:  # give the parents a moment to reap, so the group is gone on return
        deadline = time.monotonic() + REAP_GRACE_SECONDS
        while _group_exists(record.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
    forget(home, record.name)
    return was_alive


REAP_GRACE_SECONDS = 2.0
"""How long ``stop`` waits for exited members to be reaped (by init, or by the process
that started them) once none is running; a parent that never reaps costs only this."""


def _group_exists(pgid: int) -> bool:
    """True while group `pgid` has any member, zombies included."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
