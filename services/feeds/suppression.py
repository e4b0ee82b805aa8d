"""Statistical disclosure control for every output that leaves a reporting unit (pure).

Rules (DESIGN.md "Sharing rules"):

* primary — a person count of 1, 2 or 3 is suppressed; ``kroner_paid`` is suppressed where
  ``recipients`` is; a subgroup is suppressed where ``recipients`` minus the subgroup is 1–3;
* secondary — no suppressed cell may be recoverable from the published cells by the linear
  relations published beside it (``total = Σ parts``, e.g. a county and its municipalities).

A table is a mapping ``CellKey -> int | None`` (``None``: not reported, published as
missing with status ``".."``); the relations say which totals are sums of which parts
(same period and indicator). :func:`suppress` returns every cell with its status. Cells in
``exempt`` (the caller's own unit) are published as they are but count as known to the
reader, so nothing else can be recovered through them; so do the cells the reader derives
from them alone (:func:`known_to_reader`).

Secondary suppression (:mod:`services.feeds.secondary`) offers every cell of a period and
indicator for publication in priority order — the nation, counties and KOSTRA groups first,
then the rest by value, largest first — and publishes it unless that would let a hidden
cell be worked out (one step of Gaussian elimination over the null space of the relations
decides), so the hidden figures are the smallest that protect. The exact check (Gaussian
elimination over the rationals, fraction-free and sparse) then confirms that no hidden cell
is determined, with a greedy repair should it ever find one. A cell absent from the table
counts as a known 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from services.feeds.secondary import publishable, reduced_row_echelon

RECIPIENTS: Final = "recipients"
KRONER: Final = "kroner_paid"
SUBGROUPS: Final = ("recipients_with_children", "recipients_main_livelihood", "recipients_under_30")
PERSON_COUNTS: Final = (RECIPIENTS, *SUBGROUPS, "qp_participants")
SUPPRESSED: Final = ":"
MISSING: Final = ".."
SMALL: Final = range(1, 4)


@dataclass(frozen=True, slots=True, order=True)
class CellKey:
    """One figure: a unit (``"county:03"``), a period (``"2025-03"``) and an indicator."""

    unit: str
    period: str
    indicator: str


@dataclass(frozen=True, slots=True)
class Cell:
    """A published figure: ``value`` None with ``status`` ``":"`` (suppressed) or ``".."``
    (not reported); a published value has status None."""

    value: int | None
    status: str | None = None


@dataclass(frozen=True, slots=True)
class Relation:
    """``total = Σ parts`` — a linear relation a reader can use against the table."""

    total: CellKey
    parts: tuple[CellKey, ...]

    @property
    def cells(self) -> tuple[CellKey, ...]:
        return (self.total, *self.parts)


def hierarchy_relations(
    children: Mapping[str, Sequence[str]],
    periods: Iterable[str],
    indicators: Iterable[str],
) -> list[Relation]:
    """Relations of a unit hierarchy ``{parent unit: [child units]}`` for every period and
    indicator (a parent is the sum of its children)."""
    return [
        Relation(CellKey(parent, p, i), tuple(CellKey(c, p, i) for c in kids))
        for parent, kids in children.items()
        if kids
        for p in periods
        for i in indicators
    ]


def primary_suppressed(
    values: Mapping[CellKey, int | None], exempt: frozenset[CellKey] = frozenset()
) -> set[CellKey]:
    """The cells the primary rules suppress (kroner follows recipients separately)."""
    out: set[CellKey] = set()
    for key, value in values.items():
        if key in exempt or value is None:
            continue
        if key.indicator in PERSON_COUNTS and value in SMALL:
            out.add(key)
        elif key.indicator in SUBGROUPS:
            total = values.get(CellKey(key.unit, key.period, RECIPIENTS))
            if total is not None and total - value in SMALL:
                out.add(key)
    return out


def suppress(
    values: Mapping[CellKey, int | None],
    relations: Sequence[Relation] = (),
    exempt: frozenset[CellKey] = frozenset(),
    also: Collection[CellKey] = (),
) -> dict[CellKey, Cell]:
    """Apply primary and secondary suppression; every key of ``values`` gets a ``Cell``.

    ``also``: cells hidden in any case (a pattern computed over a larger table, so that
    answers that overlap hide the same cells); exempt cells stay published.
    """
    exempt = known_to_reader(values, relations, exempt)
    hidden = primary_suppressed(values, exempt)
    hidden |= {k for k in also if k in values and k not in exempt}
    person_rel = [r for r in relations if r.total.indicator != KRONER]
    hidden = secondary_suppressed(values, person_rel, hidden, exempt)
    hidden |= {
        key
        for key in values
        if key.indicator == KRONER
        and key not in exempt
        and CellKey(key.unit, key.period, RECIPIENTS) in hidden
    }
    kroner_rel = [r for r in relations if r.total.indicator == KRONER]
    hidden = secondary_suppressed(values, kroner_rel, hidden, exempt)
    return {key: _cell(value, key in hidden) for key, value in values.items()}


def known_to_reader(
    values: Mapping[CellKey, int | None],
    relations: Sequence[Relation],
    exempt: frozenset[CellKey],
) -> frozenset[CellKey]:
    """``exempt`` and every cell of ``values`` a reader who knows the exempt cells derives
    from them alone (a relation whose other cells are all known, repeatedly): e.g. the
    NAV office or county that is the sum of the reader's own units. Publishing such a cell
    to that reader reveals nothing, and hiding it could never protect it."""
    if not exempt:
        return exempt
    known = set(exempt)
    changed = True
    while changed:
        changed = False
        for rel in relations:
            unknown = [c for c in rel.cells if c in values and c not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                changed = True
    return frozenset(known)


def _cell(value: int | None, hidden: bool) -> Cell:
    if hidden:
        return Cell(None, SUPPRESSED)
    if value is None:
        return Cell(None, MISSING)
    return Cell(value)


def secondary_suppressed(
    values: Mapping[CellKey, int | None],
    relations: Sequence[Relation],
    hidden: set[CellKey],
    exempt: frozenset[CellKey] = frozenset(),
) -> set[CellKey]:
    """Grow ``hidden`` until no hidden cell is recoverable through ``relations``.

    Each (period, indicator) is an independent system and is protected on its own.
    """
    hidden = set(hidden)
    systems: dict[tuple[str, str], list[Relation]] = defaultdict(list)
    for rel in relations:
        systems[(rel.total.period, rel.total.indicator)].append(rel)
    for system in systems.values():
        _protect_system(values, system, hidden, exempt)
    return hidden


TOP_LEVELS: Final = ("nation", "county", "kostra_group")


def publish_order(values: Mapping[CellKey, int | None]) -> Callable[[CellKey], tuple[int, int]]:
    """The order cells are offered for publication: the nation, counties and KOSTRA groups
    first (hidden only when nothing else protects), then every other cell by value, the
    largest first — so the secondary cells are the smallest that protect."""

    def key(cell: CellKey) -> tuple[int, int]:
        tier = 0 if cell.unit.split(":", 1)[0] in TOP_LEVELS else 1
        return (tier, -(values.get(cell) or 0))

    return key


def _protect_system(
    values: Mapping[CellKey, int | None],
    relations: Sequence[Relation],
    hidden: set[CellKey],
    exempt: frozenset[CellKey],
) -> None:
    if not _exposed(relations, hidden):
        return  # nothing hidden, or a table cut from a period's pattern: already protected
    cells = sorted({c for r in relations for c in r.cells})
    protected = {c for c in cells if c in hidden}
    fixed = [c for c in cells if values.get(c) is None and c not in exempt]
    hide, given = publishable(
        cells,
        [(r.total, r.parts) for r in relations],
        protected,
        publish_order(values),
        [c for c in cells if c in exempt],
        fixed,
    )
    hidden -= given  # the reader works them out from its own figures alone
    hidden |= hide
    _repair(values, relations, hidden, exempt)


def _exposed(relations: Sequence[Relation], hidden: set[CellKey]) -> bool:
    """True when a relation holds exactly one hidden cell or the exact check finds one
    determined (cheap: only the relations that hold a hidden cell take part)."""
    if any(sum(1 for c in r.cells if c in hidden) == 1 for r in relations):
        return True
    return bool(determined_cells(relations, hidden))


def _repair(
    values: Mapping[CellKey, int | None],
    relations: Sequence[Relation],
    hidden: set[CellKey],
    exempt: frozenset[CellKey],
) -> None:
    """The exact check, and a greedy repair should it find a determined cell (the
    elimination leaves none; a cell the reader knows can still give one away)."""
    while True:
        if _protect_singletons(values, relations, hidden, exempt):
            continue
        determined = determined_cells(relations, hidden)
        if not determined:
            return
        if not _protect_determined(values, relations, hidden, exempt, determined):
            return  # nothing left that may be suppressed


def _protect_singletons(
    values: Mapping[CellKey, int | None],
    relations: Sequence[Relation],
    hidden: set[CellKey],
    exempt: frozenset[CellKey],
) -> bool:
    changed = False
    for rel in relations:
        if sum(1 for c in rel.cells if c in hidden) == 1:
            pick = _complement(values, rel, hidden, exempt)
            if pick is not None:
                hidden.add(pick)
                changed = True
    return changed


def _protect_determined(
    values: Mapping[CellKey, int | None],
    relations: Sequence[Relation],
    hidden: set[CellKey],
    exempt: frozenset[CellKey],
    determined: set[CellKey],
) -> bool:
    """Suppress one more cell beside each determined one: in a relation holding it, else in
    the nearest relation linked to it through hidden cells; when none has a candidate, in
    any relation of the same system that holds a hidden cell."""
    holding: dict[CellKey, list[Relation]] = defaultdict(list)
    for rel in relations:
        for c in rel.cells:
            holding[c].append(rel)
    added = False
    for cell in sorted(determined):
        pick = _nearest_complement(values, holding, hidden, exempt, cell)
        if pick is not None:
            hidden.add(pick)
            added = True
    if added:
        return True
    for rel in relations:
        if any(c in hidden for c in rel.cells):
            pick = _complement(values, rel, hidden, exempt)
            if pick is not None:
                hidden.add(pick)
                return True
    return False


def _nearest_complement(
    values: Mapping[CellKey, int | None],
    holding: Mapping[CellKey, list[Relation]],
    hidden: set[CellKey],
    exempt: frozenset[CellKey],
    cell: CellKey,
) -> CellKey | None:
    """A complement in the relations of ``cell``, else breadth first through the relations
    of the hidden cells beside it (the system that determines it)."""
    queue, seen = [cell], {cell}
    for current in queue:
        for rel in holding.get(current, ()):
            pick = _complement(values, rel, hidden, exempt)
            if pick is not None:
                return pick
            for c in rel.cells:
                if c in hidden and c not in seen:
                    seen.add(c)
                    queue.append(c)
    return None


def _complement(
    values: Mapping[CellKey, int | None],
    rel: Relation,
    hidden: set[CellKey],
    exempt: frozenset[CellKey],
) -> CellKey | None:
    """The cell to suppress beside a lonely one: the smallest positive part, else the
    total, else a zero part — never an exempt, missing or already hidden cell."""

    def usable(key: CellKey) -> bool:
        return key not in hidden and key not in exempt and values.get(key) is not None

    parts = [p for p in rel.parts if usable(p)]
    positive = sorted((values[p] or 0, p) for p in parts if (values[p] or 0) > 0)
    if positive:
        return positive[0][1]
    if usable(rel.total):
        return rel.total
    return min(parts) if parts else None


def determined_cells(relations: Sequence[Relation], hidden: set[CellKey]) -> set[CellKey]:
    """Hidden cells whose value the published relations fix exactly.

    Per (period, indicator) the relations restricted to hidden cells form a linear system;
    a hidden cell is determined iff its unit vector lies in the system's row space, i.e. its
    pivot row in reduced row echelon form has no other non-zero entry.
    """
    systems: dict[tuple[str, str], list[Relation]] = defaultdict(list)
    for rel in relations:
        if any(c in hidden for c in rel.cells):
            systems[(rel.total.period, rel.total.indicator)].append(rel)
    out: set[CellKey] = set()
    for rels in systems.values():
        out |= _determined_in(rels, hidden)
    return out


def _determined_in(relations: Sequence[Relation], hidden: set[CellKey]) -> set[CellKey]:
    unknowns = sorted({c for r in relations for c in r.cells if c in hidden})
    column = {key: i for i, key in enumerate(unknowns)}
    rows: list[dict[int, int]] = []
    for rel in relations:
        row: dict[int, int] = {}
        if rel.total in column:
            row[column[rel.total]] = 1
        for part in rel.parts:
            if part in column:
                j = column[part]
                row[j] = row.get(j, 0) - 1
        rows.append({j: v for j, v in row.items() if v != 0})
    pivots = reduced_row_echelon(rows, len(unknowns))
    return {unknowns[col] for r, col in pivots if len(rows[r]) == 1}
