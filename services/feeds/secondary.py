"""Secondary suppression by Gaussian elimination in priority order (pure).

The idea is SSB's GaussSuppression, written for this table: a hidden cell stays protected
as long as the table can still move it — some change of the hidden cells that keeps every
published relation true changes it. Those changes form the null space of the relations
restricted to the hidden cells. Start with every cell hidden (null space = the whole null
space of the relations, one basis vector per leaf), then try to publish the cells one by
one in priority order — the most valuable first: the nation, counties and KOSTRA groups,
then everything else by its value. Publishing a cell fixes it: one elimination step removes
the basis vector that moves it. A cell is published unless that would leave a protected
cell (primary, or hidden in any case) with no basis vector that moves it; the cells left
hidden are the secondary suppression.

Every cell left hidden is then unrecoverable: a cell that could be worked out from the
published ones would have been published for free (publishing it removes nothing). The
callers still run the exact check over the whole system afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from math import gcd
from typing import TypeVar

K = TypeVar("K", bound=Hashable)
Vector = dict[int, int]


def null_space(rows: Sequence[Mapping[int, int]], width: int) -> list[Vector]:
    """A sparse integer basis of ``{z : row · z = 0 for every row}`` over ``width`` columns.

    Columns are eliminated in index order, so callers put the totals first and the leaves
    last: the basis then has one short vector per free (leaf) column."""
    work = [dict(r) for r in rows]
    pivots = reduced_row_echelon(work, width)
    pivot_of = {col: work[r] for r, col in pivots}
    free = [c for c in range(width) if c not in pivot_of]
    holding: dict[int, list[int]] = defaultdict(list)
    for col, row in pivot_of.items():
        for j in row:
            if j != col:
                holding[j].append(col)
    basis: list[Vector] = []
    for f in free:
        scale = 1
        for col in holding[f]:
            lead = pivot_of[col][col]
            scale = scale * abs(lead) // gcd(scale, abs(lead))
        vec = {f: scale}
        for col in holding[f]:
            row = pivot_of[col]
            vec[col] = -row[f] * scale // row[col]
        basis.append(vec)
    return basis


def leaf_basis(relations: Sequence[tuple[int, Sequence[int]]], width: int) -> list[Vector] | None:
    """The null space of ``total = Σ parts`` relations when each cell is the total of at
    most one relation and no total is (indirectly) a part of itself — a hierarchy, however
    many totals cross it: one vector per leaf (a cell that is no total), moving the leaf by
    1 and every total above it by how often it counts the leaf. None otherwise."""
    defined: dict[int, Sequence[int]] = {}
    above: dict[int, list[int]] = defaultdict(list)
    for total, parts in relations:
        if total in defined:
            return None
        defined[total] = parts
        for p in parts:
            above[p].append(total)
    depth: dict[int, int] = {}

    def height(cell: int, path: frozenset[int]) -> int | None:
        if cell in depth:
            return depth[cell]
        if cell in path:
            return None
        best = 0
        for part in defined.get(cell, ()):
            h = height(part, path | {cell})
            if h is None:
                return None
            best = max(best, h + 1)
        depth[cell] = best
        return best

    if any(height(c, frozenset()) is None for c in defined):
        return None
    basis: list[Vector] = []
    for leaf in range(width):
        if leaf in defined:
            continue
        vec: Vector = {leaf: 1}
        frontier, reached = [leaf], {leaf}
        while frontier:
            cell = frontier.pop()
            for total in above.get(cell, ()):
                if total not in reached:
                    reached.add(total)
                    frontier.append(total)
        for total in sorted(reached - {leaf}, key=lambda c: depth[c]):
            coefficient = sum(vec.get(p, 0) for p in defined[total])
            if coefficient:
                vec[total] = coefficient
        basis.append(vec)
    return basis


def _general_basis(
    relations: Sequence[tuple[int, Sequence[int]]], cells: Sequence[K]
) -> list[Vector]:
    rows: list[Vector] = []
    for total, parts in relations:
        row: Vector = {total: 1}
        for p in parts:
            row[p] = row.get(p, 0) - 1
        rows.append({j: v for j, v in row.items() if v})
    return null_space(rows, len(cells))


def publishable(
    cells: Sequence[K],
    relations: Sequence[tuple[K, Sequence[K]]],
    protected: Collection[K],
    order: Callable[[K], tuple[float, ...]],
    known: Collection[K] = (),
    fixed: Collection[K] = (),
) -> tuple[set[K], set[K]]:
    """``(hidden, given)``: the cells to hide — ``protected`` plus the secondary cells, so
    that no hidden cell is determined by the published cells through ``relations``
    (``total = Σ parts``) — and the protected cells the reader works out from the ``known``
    cells alone (its own figures), which may as well be published to it.

    ``known`` cells are published first, then ``fixed`` ones (not reported: never hidden,
    counted as known), then the rest in ascending ``order`` (the most valuable first)."""
    index = {c: i for i, c in enumerate(cells)}
    indexed = [(index[t], [index[p] for p in parts]) for t, parts in relations]
    basis = dict(enumerate(leaf_basis(indexed, len(cells)) or _general_basis(indexed, cells)))
    holding: dict[int, set[int]] = defaultdict(set)
    for b, vec in basis.items():
        for j in vec:
            holding[j].add(b)
    guard = {index[c] for c in protected if c in index}
    own = {index[c] for c in known if c in index} - guard
    for j in sorted(own):
        _publish(j, basis, holding, guard, True)
    given = {g for g in guard if not holding.get(g)}
    guard -= given
    hidden = set(guard)
    first = {index[c] for c in fixed if c in index} - guard - own - given
    rest = sorted(
        (i for i in range(len(cells)) if i not in guard | own | given | first),
        key=lambda i: order(cells[i]),
    )
    for j in [*sorted(first), *rest]:
        if not _publish(j, basis, holding, guard, j in first):
            hidden.add(j)
    return {cells[i] for i in hidden}, {cells[i] for i in given}


def _publish(
    j: int,
    basis: dict[int, Vector],
    holding: dict[int, set[int]],
    guard: set[int],
    forced: bool,
) -> bool:
    """Fix column ``j`` (one elimination step) unless that leaves a guarded column that no
    basis vector moves; True when published."""
    moving = holding.get(j)
    if not moving:
        return True  # already determined: publishing it reveals nothing more
    pivot_id = min(moving, key=lambda b: (len(basis[b]), b))
    pivot = basis[pivot_id]
    updated = {b: eliminate(basis[b], pivot, j) for b in moving if b != pivot_id}
    if not forced:
        touched = {k for k in pivot if k in guard}
        for b in updated:
            touched.update(k for k in basis[b] if k in guard)
        for k in touched:
            still = any(k in vec for vec in updated.values()) or any(
                b != pivot_id and b not in updated for b in holding[k]
            )
            if not still:
                return False
    for k in pivot:
        holding[k].discard(pivot_id)
    del basis[pivot_id]
    for b, new in updated.items():
        for k in basis[b]:
            if k not in new:
                holding[k].discard(b)
        for k in new:
            holding[k].add(b)
        basis[b] = new
    return True


def reduced_row_echelon(rows: list[dict[int, int]], width: int) -> list[tuple[int, int]]:
    """Reduce sparse integer ``rows`` (column → coefficient) in place to a scaled reduced
    row echelon form (fraction-free: each row is kept as integers divided by their gcd, so
    the supports are exactly those of the rational RREF); return the (row, pivot column)
    pairs. ``width`` is the number of columns."""
    pivots: list[tuple[int, int]] = []
    holding: dict[int, set[int]] = defaultdict(set)
    for i, row in enumerate(rows):
        for j in row:
            holding[j].add(i)
    free = set(range(len(rows)))
    for col in range(width):
        candidates = holding[col] & free
        if not candidates:
            continue
        r = min(candidates, key=lambda i: (len(rows[i]), i))
        free.discard(r)
        pivot = rows[r]
        for i in list(holding[col]):
            if i == r:
                continue
            new = eliminate(rows[i], pivot, col)
            for j in rows[i].keys() | pivot.keys():
                if j in new:
                    holding[j].add(i)
                else:
                    holding[j].discard(i)
            rows[i] = new
        pivots.append((r, col))
    return pivots


def eliminate(vec: Mapping[int, int], pivot: Mapping[int, int], col: int) -> Vector:
    """``pivot[col] * vec - vec[col] * pivot`` (column ``col`` eliminated, exact over the
    integers), zeros dropped and divided by the gcd of what is left."""
    lead, factor = pivot[col], vec[col]
    new = {k: v * lead for k, v in vec.items()}
    for k, v in pivot.items():
        new[k] = new.get(k, 0) - factor * v
    new = {k: v for k, v in new.items() if v}
    divisor = gcd(*new.values()) if new else 1
    return {k: v // divisor for k, v in new.items()} if divisor > 1 else new
