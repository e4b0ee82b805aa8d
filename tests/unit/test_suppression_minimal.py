"""The secondary pattern hides little: every secondary cell is needed, the smallest cells
protect, totals are the last resort; overlapping totals (offices over several
municipalities and over districts, KOSTRA groups) stay protected."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from test_suppression import INDICATORS, P, check_rules, crossing, determined, hierarchies, key

from services.feeds.secondary import leaf_basis, null_space
from services.feeds.suppression import (
    RECIPIENTS,
    SUPPRESSED,
    CellKey,
    Relation,
    hierarchy_relations,
    suppress,
)


def hidden_of(values: dict[CellKey, int | None], relations: list[Relation]) -> set[CellKey]:
    return {k for k, c in suppress(values, relations).items() if c.status == SUPPRESSED}


@settings(max_examples=120, deadline=None)
@given(hierarchies(), st.data())
def test_every_secondary_cell_is_needed(
    table: tuple[dict[CellKey, int | None], dict[str, list[str]]], data: st.DataObject
) -> None:
    """Publishing any one secondary cell would let a hidden cell be worked out (the pattern
    is minimal: no secondary cell can be given back), with offices and groups crossing."""
    values, children = table
    leaves = sorted({k.unit for k in values} - set(children))
    n = len(leaves)
    offices = crossing(
        values, leaves, data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), "o"
    )
    groups = crossing(
        values, leaves, data.draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)), "k"
    )
    relations = hierarchy_relations({**children, **offices, **groups}, [P], INDICATORS)
    hidden = check_rules(values, relations)
    primary = hidden_of(values, [])
    person = [r for r in relations if r.total.indicator != "kroner_paid"]
    for cell in sorted(hidden - primary):
        if cell.indicator == "kroner_paid":
            continue  # kroner follow recipients, not the search
        assert determined(hidden - {cell}, person), f"{cell} hidden without need"


@st.composite
def offices_over_districts(draw: st.DrawFn) -> tuple[dict[CellKey, int | None], list[Relation]]:
    """A county of municipalities, one of them split into districts; NAV offices serve
    several municipalities, or districts of the city, or a district and a municipality."""
    n_muni = draw(st.integers(2, 6))
    n_dist = draw(st.integers(2, 5))
    leaves = [f"m{i}" for i in range(1, n_muni)] + [f"d{i}" for i in range(n_dist)]
    values: dict[CellKey, int | None] = {}
    for leaf in leaves:
        r = draw(st.one_of(st.integers(0, 5), st.integers(0, 300)))
        values[key(leaf)] = r
        values[key(leaf, "recipients_under_30")] = draw(st.integers(0, r))
        values[key(leaf, "kroner_paid")] = r * draw(st.integers(1, 9000))
    office = draw(st.lists(st.integers(0, 3), min_size=len(leaves), max_size=len(leaves)))
    children: dict[str, list[str]] = {
        "c": [f"m{i}" for i in range(n_muni)],
        "m0": [f"d{i}" for i in range(n_dist)],
    }
    for leaf, o in zip(leaves, office, strict=True):
        children.setdefault(f"o{o}", []).append(leaf)
    for total in ("m0", "c", *sorted(t for t in children if t.startswith("o"))):
        for ind in INDICATORS:
            values[key(total, ind)] = sum(values[key(p, ind)] or 0 for p in children[total])
    return values, hierarchy_relations(children, [P], INDICATORS)


@settings(max_examples=150, deadline=None)
@given(offices_over_districts(), st.data())
def test_offices_over_districts_and_municipalities(
    system: tuple[dict[CellKey, int | None], list[Relation]], data: st.DataObject
) -> None:
    values, relations = system
    public = frozenset(check_rules(values, relations))
    assert key("c") not in public or values[key("c")] in (1, 2, 3)
    own = data.draw(st.sampled_from(sorted({k.unit for k in values})))
    exempt = frozenset(k for k in values if k.unit == own)
    check_rules(values, relations, exempt, public)


def test_the_smallest_cells_protect_and_the_county_stays() -> None:
    values = {key("c"): 2 + 40 + 5 + 900, key("a"): 2, key("b"): 40, key("d"): 5, key("e"): 900}
    relations = [Relation(key("c"), (key("a"), key("b"), key("d"), key("e")))]
    assert hidden_of(values, relations) == {key("a"), key("d")}


def test_an_office_over_two_municipalities_does_not_cost_a_big_one() -> None:
    """County c = a + b + e + f; office o = a + e, a is primary. Hiding b (the smallest)
    protects a in the county, but the office then gives a away; hiding e protects a in
    both at once (o stays published: it only repeats what c - b - f says)."""
    values = {key("a"): 3, key("b"): 10, key("e"): 12, key("f"): 5000}
    values[key("c")] = sum(values.values())
    values[key("o")] = 3 + 12
    relations = [
        Relation(key("c"), (key("a"), key("b"), key("e"), key("f"))),
        Relation(key("o"), (key("a"), key("e"))),
    ]
    hidden = hidden_of(values, relations)
    assert hidden == {key("a"), key("e")}


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_null_space_is_exact(data: st.DataObject) -> None:
    width = data.draw(st.integers(1, 8))
    n_rows = data.draw(st.integers(0, 6))
    rows = [
        {j: v for j in range(width) if (v := data.draw(st.integers(-2, 2)))} for _ in range(n_rows)
    ]
    basis = null_space(rows, width)
    for vec in basis:
        assert all(sum(r.get(j, 0) * v for j, v in vec.items()) == 0 for r in rows)
    assert len(basis) == width - rank(rows, width)


def rank(rows: list[dict[int, int]], width: int) -> int:
    m = [[Fraction(r.get(j, 0)) for j in range(width)] for r in rows]
    out = 0
    for c in range(width):
        pivot = next((i for i in range(out, len(m)) if m[i][c] != 0), None)
        if pivot is None:
            continue
        m[out], m[pivot] = m[pivot], m[out]
        for i in range(len(m)):
            if i != out and m[i][c] != 0:
                f = m[i][c] / m[out][c]
                m[i] = [a - f * b for a, b in zip(m[i], m[out], strict=True)]
        out += 1
    return out


def test_recipients_pattern_starts_the_kroner_pattern() -> None:
    values = {key("c"): 50, key("a"): 2, key("b"): 48}
    values |= {
        key("c", "kroner_paid"): 500,
        key("a", "kroner_paid"): 20,
        key("b", "kroner_paid"): 480,
    }
    relations = hierarchy_relations({"c": ["a", "b"]}, [P], (RECIPIENTS, "kroner_paid"))
    assert hidden_of(values, relations) == {
        key("a"),
        key("b"),
        key("a", "kroner_paid"),
        key("b", "kroner_paid"),
    }


@settings(max_examples=100, deadline=None)
@given(offices_over_districts())
def test_leaf_basis_is_the_null_space_of_crossing_hierarchies(
    system: tuple[dict[CellKey, int | None], list[Relation]],
) -> None:
    _, relations = system
    cells = sorted({c for r in relations for c in r.cells if c.indicator == RECIPIENTS})
    index = {c: i for i, c in enumerate(cells)}
    indexed = [
        (index[r.total], [index[p] for p in r.parts])
        for r in relations
        if r.total.indicator == RECIPIENTS
    ]
    basis = leaf_basis(indexed, len(cells))
    assert basis is not None
    rows = [{t: 1, **{p: -1 for p in parts}} for t, parts in indexed]
    for vec in basis:
        assert all(sum(r.get(j, 0) * v for j, v in vec.items()) == 0 for r in rows)
    assert len(basis) == len(cells) - rank(rows, len(cells))


def test_leaf_basis_refuses_a_cell_defined_twice() -> None:
    assert leaf_basis([(0, [1, 2]), (0, [3])], 4) is None
    assert leaf_basis([(0, [1]), (1, [0])], 2) is None
