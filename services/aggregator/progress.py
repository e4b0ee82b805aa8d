"""How far this worker got in each partition, and the consumer lag that follows (pure).

Lag is ``high watermark − next offset to process``. The next offset to process is the best
lower bound the worker knows: the offset after the last persisted record, the group's
committed offset, or — for a partition it has not touched yet — the offset of the first
record it is working on, else the log start. It never depends on PostgreSQL being up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class Progress:
    """Next offset to process per partition, as this worker knows it."""

    def __init__(self) -> None:
        self._next: dict[int, int] = {}

    def begin(self, offsets: Iterable[tuple[int, int]]) -> None:
        """A batch of ``(partition, offset)`` is being handled; it is not persisted yet."""
        first: dict[int, int] = {}
        for partition, offset in offsets:
            first[partition] = min(first.get(partition, offset), offset)
        for partition, offset in first.items():
            self._next.setdefault(partition, offset)

    def done(self, offsets: Iterable[tuple[int, int]]) -> None:
        """A batch of ``(partition, offset)`` is persisted (and acked or committed)."""
        for partition, offset in offsets:
            self._next[partition] = max(self._next.get(partition, 0), offset + 1)

    def retain(self, partitions: Iterable[int]) -> None:
        """Forget partitions no longer assigned to this worker."""
        keep = set(partitions)
        for partition in [p for p in self._next if p not in keep]:
            del self._next[partition]

    def next_offset(self, partition: int, committed: int | None, log_start: int) -> int:
        """The next offset to process: the furthest of what was handled and committed."""
        known = [o for o in (self._next.get(partition), committed) if o is not None and o >= 0]
        return max(known) if known else log_start


def consumer_lag(highwaters: Mapping[int, int], positions: Mapping[int, int]) -> dict[int, int]:
    """Records behind the high watermark, per partition that has both figures (never < 0)."""
    return {p: max(hw - positions[p], 0) for p, hw in highwaters.items() if p in positions}
