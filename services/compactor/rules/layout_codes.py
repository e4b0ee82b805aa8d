"""What the rules need from SSB's layout of a year: code lists, date patterns, field specs."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

import yaml

from contracts.kostra.layout import LAYOUT_DIR, load_layout


@cache
def code_lists(form: str, year: int) -> Mapping[str, frozenset[str]]:
    """The valid codes of each coded field of ``form`` in ``year`` (fields without a list
    are absent)."""
    load_layout(form, year)  # validates form and year
    document = yaml.safe_load((LAYOUT_DIR / f"{form}_{year}.yaml").read_text(encoding="utf-8"))
    found: dict[str, frozenset[str]] = {}
    for entry in document["fields"]:
        codes = entry.get("codeList") or []
        if codes:
            found[str(entry["name"])] = frozenset(str(item["code"]) for item in codes)
    return found


@cache
def code_labels(form: str, year: int) -> Mapping[str, Mapping[str, str]]:
    """Code -> label per coded field (for messages that name the code's meaning)."""
    document = yaml.safe_load((LAYOUT_DIR / f"{form}_{year}.yaml").read_text(encoding="utf-8"))
    return {
        str(entry["name"]): {str(item["code"]): str(item["value"]) for item in entry["codeList"]}
        for entry in document["fields"]
        if entry.get("codeList")
    }


@cache
def date_patterns(form: str, year: int) -> Mapping[str, str]:
    """The date pattern of each date field of ``form`` in ``year``."""
    layout = load_layout(form, year)
    return {spec.name: spec.date_pattern for spec in layout.fields if spec.type == "date"}
