"""Suppression: examples and hypothesis properties over random multi-level hierarchies."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from services.feeds.suppression import (
    KRONER,
    PERSON_COUNTS,
    RECIPIENTS,
    SUBGROUPS,
    SUPPRESSED,
    CellKey,
    Relation,
    hierarchy_relations,
    suppress,
)

P = "2025-03"
INDICATORS = (RECIPIENTS, "recipients_under_30", KRONER)


def key(unit: str, indicator: str = RECIPIENTS) -> CellKey:
    return CellKey(unit, P, indicator)


# --- an independent exact check: is a hidden cell determined by the published relations? ---


def determined(hidden: set[CellKey], relations: list[Relation]) -> set[CellKey]:
    """The hidden cells the published relations fix: those whose unit vector lies in the
    row space of the system restricted to the hidden cells. Gauss-Jordan over exact
    fractions, once per indicator: a cell is fixed when its column is a pivot and its
    pivot row has no free column."""
    fixed: set[CellKey] = set()
    for indicator in {k.indicator for k in hidden}:
        unknowns = sorted(k for k in hidden if k.indicator == indicator)
        col = {k: i for i, k in enumerate(unknowns)}
        rows: list[list[Fraction]] = []
        for rel in relations:
            if rel.total.indicator != indicator:
                continue
            row = [Fraction(0)] * len(unknowns)
            if rel.total in col:
                row[col[rel.total]] += 1
            for p in rel.parts:
                if p in col:
                    row[col[p]] -= 1
            if any(row):
                rows.append(row)
        pivots: list[int] = []
        for c in range(len(unknowns)):
            r = len(pivots)
            pivot = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
            if pivot is None:
                continue
            rows[r], rows[pivot] = rows[pivot], rows[r]
            lead = rows[r][c]
            rows[r] = [a / lead for a in rows[r]]
            for i in range(len(rows)):
                if i != r and rows[i][c] != 0:
                    f = rows[i][c]
                    rows[i] = [a - f * b for a, b in zip(rows[i], rows[r], strict=True)]
            pivots.append(c)
        free = [c for c in range(len(unknowns)) if c not in set(pivots)]
        for r, c in enumerate(pivots):
            if all(rows[r][f] == 0 for f in free):
                fixed.add(unknowns[c])
    return fixed


def recoverable(cell: CellKey, hidden: set[CellKey], relations: list[Relation]) -> bool:
    """True when ``cell`` is fixed by the relations (one example's question)."""
    return cell in determined(hidden, relations)


# --- random hierarchies --------------------------------------------------------------------


@st.composite
def hierarchies(draw: st.DrawFn) -> tuple[dict[CellKey, int | None], dict[str, list[str]]]:
    """A tree of 2–4 levels; leaves get random figures, parents the sums of their children."""
    depth = draw(st.integers(2, 4))
    children: dict[str, list[str]] = {}
    frontier = ["0"]
    for _ in range(1, depth):
        nxt = []
        for parent in frontier:
            n = draw(st.integers(1, 3))
            kids = [f"{parent}.{i}" for i in range(n)]
            children[parent] = kids
            nxt.extend(kids)
        frontier = nxt
    values: dict[CellKey, int | None] = {}
    for leaf in frontier:
        recipients = draw(st.one_of(st.integers(0, 6), st.integers(0, 40)))
        under_30 = draw(st.integers(0, recipients))
        values[key(leaf)] = recipients
        values[key(leaf, "recipients_under_30")] = under_30
        values[key(leaf, KRONER)] = recipients * draw(st.integers(1, 20_000))

    def total(unit: str, indicator: str) -> int:
        if unit not in children:
            return values[key(unit, indicator)] or 0
        return sum(total(c, indicator) for c in children[unit])

    for parent in children:
        for ind in INDICATORS:
            values[key(parent, ind)] = total(parent, ind)
    return values, children


def check_rules(
    values: dict[CellKey, int | None],
    relations: list[Relation],
    exempt: frozenset[CellKey] = frozenset(),
    also: frozenset[CellKey] = frozenset(),
) -> set[CellKey]:
    """Suppress and check every rule; a cell the reader derives from its own (exempt)
    cells alone may be published to it whatever its value."""
    cells = suppress(values, relations, exempt, also)
    hidden = {k for k, c in cells.items() if c.status == SUPPRESSED}
    unknown_to_reader = {k for k in values if k not in exempt}
    known_to_reader = determined(unknown_to_reader, relations) if exempt else set()
    for k, cell in cells.items():
        if k in exempt:
            assert cell.value == values[k]
            continue
        if exempt and cell.status is None and k in known_to_reader:
            assert cell.value == values[k]
            continue
        if cell.status is None:
            assert cell.value == values[k]
            if k.indicator in PERSON_COUNTS:
                assert cell.value not in (1, 2, 3), k
            if k.indicator in SUBGROUPS:
                assert (values[key(k.unit)] or 0) - (values[k] or 0) not in (1, 2, 3), k
            if k.indicator == KRONER:
                assert cells[key(k.unit)].status is None or key(k.unit) in exempt, k
        else:
            assert cell.value is None
    if not exempt:
        known_to_reader = determined(unknown_to_reader, relations)
    for k in also - exempt - hidden:  # a pattern cell is published only if the reader knows it
        assert k in known_to_reader, k
    fixed_by_published = determined(hidden, relations)
    for cell in hidden:
        if cell in known_to_reader:
            continue  # fixed by the reader's own figures alone: reveals nothing new
        assert cell not in fixed_by_published, f"{cell} recoverable"
    return hidden


@settings(max_examples=150, deadline=None)
@given(hierarchies())
def test_no_small_count_published_and_no_hidden_cell_recoverable(
    table: tuple[dict[CellKey, int | None], dict[str, list[str]]],
) -> None:
    values, children = table
    relations = hierarchy_relations(children, [P], INDICATORS)
    check_rules(values, relations)


@settings(max_examples=80, deadline=None)
@given(hierarchies(), st.data())
def test_own_unit_exempt_yet_nothing_recoverable(
    table: tuple[dict[CellKey, int | None], dict[str, list[str]]], data: st.DataObject
) -> None:
    values, children = table
    exempt = own_cells(values, data)
    relations = hierarchy_relations(children, [P], INDICATORS)
    check_rules(values, relations, exempt)


@settings(max_examples=80, deadline=None)
@given(hierarchies(), st.data())
def test_crossing_hierarchies_are_protected_too(
    table: tuple[dict[CellKey, int | None], dict[str, list[str]]], data: st.DataObject
) -> None:
    """A second grouping of the leaves (like KOSTRA groups beside counties) in one table."""
    values, children = table
    leaves = sorted({k.unit for k in values} - set(children))
    groups = data.draw(st.lists(st.integers(0, 2), min_size=len(leaves), max_size=len(leaves)))
    relations = hierarchy_relations(
        {**children, **crossing(values, leaves, groups, "g")}, [P], INDICATORS
    )
    check_rules(values, relations)


def own_cells(values: dict[CellKey, int | None], data: st.DataObject) -> frozenset[CellKey]:
    """The cells of a unit drawn from ``values`` and of the units below it (a viewer's own)."""
    own = data.draw(st.sampled_from(sorted({k.unit for k in values})))
    return frozenset(k for k in values if k.unit == own or k.unit.startswith(own + "."))


def crossing(
    values: dict[CellKey, int | None], leaves: list[str], groups: list[int], prefix: str
) -> dict[str, list[str]]:
    """A second grouping of the leaves (like NAV offices or KOSTRA groups), with its sums
    added to ``values``."""
    out: dict[str, list[str]] = {}
    for leaf, g in zip(leaves, groups, strict=True):
        out.setdefault(f"{prefix}{g}", []).append(leaf)
    for group, members in out.items():
        for ind in INDICATORS:
            values[key(group, ind)] = sum(values[key(m, ind)] or 0 for m in members)
    return out


@settings(max_examples=80, deadline=None)
@given(hierarchies(), st.data())
def test_two_crossing_hierarchies_and_a_viewer_who_knows_its_own_cells(
    table: tuple[dict[CellKey, int | None], dict[str, list[str]]], data: st.DataObject
) -> None:
    """Two groupings cross the tree (NAV offices and KOSTRA groups beside counties). The
    outsiders' pattern protects everything; a unit's viewer pattern starts from it, with
    the unit's own cells known, and still lets nothing else be recovered."""
    values, children = table
    leaves = sorted({k.unit for k in values} - set(children))
    n = len(leaves)
    offices = data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    groups = data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    first = crossing(values, leaves, offices, "o")
    second = crossing(values, leaves, groups, "k")
    relations = hierarchy_relations({**children, **first, **second}, [P], INDICATORS)
    public = frozenset(check_rules(values, relations))
    exempt = own_cells(values, data)
    check_rules(values, relations, exempt, public)


# --- examples -------------------------------------------------------------------------------


def test_small_counts_are_suppressed_with_ssb_symbol() -> None:
    cells = suppress({key("a"): 3, key("b"): 4, key("c"): 0, key("d"): None})
    assert cells[key("a")].value is None and cells[key("a")].status == ":"
    assert cells[key("b")].value == 4 and cells[key("b")].status is None
    assert cells[key("c")].value == 0
    assert cells[key("d")].status == ".."


def test_kroner_follow_recipients_and_subgroup_complement() -> None:
    values = {
        key("a"): 2,
        key("a", KRONER): 20_000,
        key("b"): 50,
        key("b", "recipients_under_30"): 48,
        key("b", "recipients_with_children"): 10,
    }
    cells = suppress(values)
    assert cells[key("a", KRONER)].status == ":"
    assert cells[key("b", "recipients_under_30")].status == ":"
    assert cells[key("b", "recipients_with_children")].value == 10


def test_county_minus_municipalities_does_not_reveal_the_small_one() -> None:
    values = {key("03"): 112, key("0301"): 2, key("0302"): 40, key("0303"): 70}
    relations = [Relation(key("03"), (key("0301"), key("0302"), key("0303")))]
    cells = suppress(values, relations)
    assert cells[key("0301")].status == ":"
    assert cells[key("0302")].status == ":"  # the smallest other child
    assert cells[key("0303")].value == 70
    assert cells[key("03")].value == 112


def test_secondary_suppression_climbs_the_hierarchy() -> None:
    """A suppressed county (its only municipality is small) makes the nation hide another."""
    values = {
        key("0"): 2 + 50 + 60,
        key("c1"): 2,
        key("c2"): 50,
        key("c3"): 60,
        key("m1"): 2,
    }
    relations = [
        Relation(key("0"), (key("c1"), key("c2"), key("c3"))),
        Relation(key("c1"), (key("m1"),)),
    ]
    cells = suppress(values, relations)
    assert cells[key("c2")].status == ":"
    assert cells[key("c3")].value == 60


def test_own_unit_is_exempt() -> None:
    values = {key("03"): 42, key("0301"): 2, key("0302"): 40}
    relations = [Relation(key("03"), (key("0301"), key("0302")))]
    cells = suppress(values, relations, exempt=frozenset({key("0301")}))
    assert cells[key("0301")].value == 2
    assert cells[key("0302")].value == 40


def test_a_pattern_from_a_larger_table_is_kept_except_for_exempt_cells() -> None:
    values = {key("a"): 40, key("b"): 50}
    cells = suppress(values, (), also={key("a"), key("zz")})
    assert cells[key("a")].status == ":" and cells[key("b")].value == 50
    mine = suppress(values, (), exempt=frozenset({key("a")}), also={key("a")})
    assert mine[key("a")].value == 40
