"""Progress and log lines of the CLI (`simulate`, `compact`, `demo`), through rich.

On a terminal: live progress bars and a spinner with the current step. In a pipe or a file:
plain lines only, one per step and one summary per bar when it is done — no carriage
returns, no escape codes, no line per update.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.status import Status


class Bar:
    """One bar: `update(done, detail)` as work completes; in a pipe, only the last state
    is printed, as one line, when the bar is done."""

    def __init__(self, progress: Progress | None, task: TaskID | None, total: int) -> None:
        self._progress, self._task = progress, task
        self.total, self.done, self.detail = total, 0, ""

    def update(self, done: int, detail: str = "") -> None:
        self.done, self.detail = done, detail
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, completed=min(done, self.total), detail=detail)


class Display:
    """Where the CLI writes: `line`, `step` (a spinner while it runs), `bar`."""

    def __init__(self, file: TextIO | None = None, *, live: bool | None = None) -> None:
        self.console = Console(
            file=file or sys.stdout,
            soft_wrap=True,
            highlight=False,
            markup=False,
            emoji=False,
            force_terminal=live,
        )

    @property
    def live(self) -> bool:
        """True on a terminal (live progress), False in a pipe or a file."""
        return self.console.is_terminal

    def line(self, text: str = "") -> None:
        """A line that stays, in both modes."""
        self.console.print(text)

    @contextmanager
    def step(self, text: str) -> Iterator[Status | None]:
        """A spinner with `text` while the block runs (on a terminal; nothing in a pipe)."""
        if not self.live:
            yield None
            return
        with self.console.status(text) as status:
            yield status

    @contextmanager
    def bar(self, label: str, total: int, unit: str = "") -> Iterator[Bar]:
        """A progress bar for `total` items; on leaving, one line `label: done/total unit,
        detail (seconds)` in a pipe (on a terminal the finished bar stays on screen)."""
        started = time.monotonic()
        if not self.live:
            bar = Bar(None, None, total)
            yield bar
            detail = f", {bar.detail}" if bar.detail else ""
            seconds = time.monotonic() - started
            self.line(f"{label}: {bar.done}/{total} {unit}{detail} ({seconds:.1f} s)")
            return
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(unit),
            TextColumn("{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=self.console,
        )
        with progress:
            task = progress.add_task(label, total=total, detail="")
            yield Bar(progress, task, total)
