"""Rejection messages in the reporting unit's terms. Pure string building."""

from __future__ import annotations

from collections.abc import Sequence


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def retired_before(code: str, period: str, successors: Sequence[tuple[str, str]]) -> str:
    """A 2020–2023 code used at a 2024+ period."""
    named = [f"{c} {name}" for c, name in successors]
    if len(named) == 1:
        return f"municipality {code} does not exist in {period}; it became {named[0]}"
    return f"municipality {code} does not exist in {period}; it was split into {_and(named)}"


def not_yet(code: str, period: str, predecessors: Sequence[str]) -> str:
    """A 2024 code used at a 2020–2023 period."""
    return f"municipality {code} does not exist before 2024; in {period} use {_and(predecessors)}"


def unknown_municipality(code: str) -> str:
    return (
        f"municipality {code} is unknown: no such kommunenummer in the 2020–2023 "
        "or the 2024 structure"
    )


def unknown_district(code: str) -> str:
    return f"district {code} is unknown: no such bydel in Oslo, Bergen, Stavanger or Trondheim"


def unknown_office(code: str) -> str:
    return f"NAV office {code} is unknown: not in the NAV office mapping"


def idle_office(code: str, period: str) -> str:
    return f"NAV office {code} serves no municipality or district in {period}"


def unknown_unit_type(unit_type: str, known: Sequence[str]) -> str:
    return f"unit type {unit_type!r} is unknown; use one of {', '.join(known)}"
