"""Reference for bench_suppression.py: secondary suppression as a MILP on HiGHS (highspy).

Per period and indicator: a binary per cell (1 = hidden), primaries fixed to 1, cells the
reader knows or that are not reported fixed to 0; minimise the hidden value (+1 per cell,
× 1000 for the nation, counties and KOSTRA groups). Constraints: no relation holds exactly
one hidden cell; then, repeatedly, the exact check finds the hidden cells the solution lets
a reader work out, and each adds the cut "some other cell of the combination of relations
that determines it is hidden too" (valid for every protecting pattern), until none is left.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

import highspy
import numpy as np

from services.feeds.secondary import reduced_row_echelon
from services.feeds.suppression import (
    KRONER,
    RECIPIENTS,
    TOP_LEVELS,
    CellKey,
    Relation,
    primary_suppressed,
)


def milp_hidden(values: Mapping[CellKey, int | None], relations: list[Relation]) -> set[CellKey]:
    hidden = primary_suppressed(values)
    person = [r for r in relations if r.total.indicator != KRONER]
    hidden = _systems(values, person, hidden)
    hidden |= {
        k
        for k in values
        if k.indicator == KRONER and CellKey(k.unit, k.period, RECIPIENTS) in hidden
    }
    return _systems(values, [r for r in relations if r.total.indicator == KRONER], hidden)


def _systems(
    values: Mapping[CellKey, int | None], relations: list[Relation], hidden: set[CellKey]
) -> set[CellKey]:
    systems: dict[tuple[str, str], list[Relation]] = defaultdict(list)
    for rel in relations:
        systems[(rel.total.period, rel.total.indicator)].append(rel)
    out = set(hidden)
    for rels in systems.values():
        out |= _solve(values, rels, out)
    return out


def _solve(
    values: Mapping[CellKey, int | None], relations: Sequence[Relation], hidden: set[CellKey]
) -> set[CellKey]:
    cells = sorted({c for r in relations for c in r.cells})
    if not any(c in hidden for c in cells):
        return set()
    col = {c: i for i, c in enumerate(cells)}
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", 0.0)
    inf = highspy.kHighsInf
    for c in cells:
        cost = (values.get(c) or 0) + 1
        if c.unit.split(":", 1)[0] in TOP_LEVELS:
            cost *= 1000
        lower = 1.0 if c in hidden else 0.0
        upper = 0.0 if values.get(c) is None and c not in hidden else 1.0
        h.addVar(lower, upper)
        h.changeColCost(col[c], float(cost))
        h.changeColIntegrality(col[c], highspy.HighsVarType.kInteger)
    for rel in relations:
        members = [col[c] for c in rel.cells]
        for i in members:  # y_i <= sum of the others
            others = [j for j in members if j != i]
            idx = np.array([i, *others], dtype=np.int32)
            val = np.array([1.0] + [-1.0] * len(others))
            h.addRow(-inf, 0.0, len(idx), idx, val)
    while True:
        h.run()
        solution = h.getSolution().col_value
        chosen = {c for c in cells if solution[col[c]] > 0.5}
        cuts = _certificates(relations, chosen)
        if not cuts:
            return chosen
        for cell, support in cuts:
            others = [col[j] for j in support if j != cell]
            idx = np.array([col[cell], *others], dtype=np.int32)
            val = np.array([1.0] + [-1.0] * len(others))
            h.addRow(-inf, 0.0, len(idx), idx, val)


def _certificates(
    relations: Sequence[Relation], hidden: set[CellKey]
) -> list[tuple[CellKey, set[CellKey]]]:
    """For each hidden cell the relations determine: the cells of a combination of
    relations that determines it (eliminating over the hidden cells only)."""
    unknown = sorted({c for r in relations for c in r.cells if c in hidden})
    known = sorted({c for r in relations for c in r.cells if c not in hidden})
    order = [*unknown, *known]
    col = {c: i for i, c in enumerate(order)}
    rows: list[dict[int, int]] = []
    for rel in relations:
        row = {col[rel.total]: 1}
        for p in rel.parts:
            row[col[p]] = row.get(col[p], 0) - 1
        rows.append({j: v for j, v in row.items() if v})
    pivots = reduced_row_echelon(rows, len(unknown))
    out = []
    for r, c in pivots:
        if sum(1 for j in rows[r] if j < len(unknown)) == 1:
            out.append((order[c], {order[j] for j in rows[r]}))
    return out
