"""The secondary suppression the feeds used before issue 11, kept as the benchmark's baseline.

The old method (``services/feeds/suppression.py`` at commit 0d2c66d) differs from today's in
one step only: each (period, indicator) system went straight to the greedy complements plus
the exact check, with no publication in priority order first. The rules, the relations, the
greedy complements and the exact check are the feeds' own (imported, not copied), so the
benchmark compares the choice of hidden cells and nothing else.
:func:`greedy_hidden` is the entry point for bench_suppression.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from services.feeds.suppression import (  # the same cells, rules and exact check as the feeds
    KRONER,
    RECIPIENTS,
    CellKey,
    Relation,
    _repair,
    primary_suppressed,
)


def _greedy_secondary(
    values: Mapping[CellKey, int | None], relations: Sequence[Relation], hidden: set[CellKey]
) -> set[CellKey]:
    """Grow ``hidden`` per (period, indicator) system by greedy complements alone."""
    out = set(hidden)
    systems: dict[tuple[str, str], list[Relation]] = defaultdict(list)
    for rel in relations:
        systems[(rel.total.period, rel.total.indicator)].append(rel)
    for system in systems.values():
        _repair(values, system, out, frozenset())
    return out


def greedy_hidden(values: Mapping[CellKey, int | None], relations: list[Relation]) -> set[CellKey]:
    """The cells the old method hides in ``values`` under ``relations`` (no exempt cells):
    primary, greedy secondary over the person counts, kroner beside hidden recipients, then
    greedy secondary over the kroner."""
    hidden = primary_suppressed(values)
    hidden = _greedy_secondary(
        values, [r for r in relations if r.total.indicator != KRONER], hidden
    )
    hidden |= {
        k
        for k in values
        if k.indicator == KRONER and CellKey(k.unit, k.period, RECIPIENTS) in hidden
    }
    return _greedy_secondary(values, [r for r in relations if r.total.indicator == KRONER], hidden)
