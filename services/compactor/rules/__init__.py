"""SSB's control set for Skjema 11F and 11CF, as data: ``rules_for(form)``.

Where the rules live:

- ``base``: the framework (``Rule``, ``RecordContext``, ``Violation``, ``RuleSet``).
- ``common``: rules both forms share (003 kommunenummer/bydelsnummer, 004, 004A, 005,
  008–013).
- ``sosialhjelp``: rules only 11F has (006, 007, 014–043).
- ``kvalifisering``: rules only 11CF has (006, 007, 014–039); exports
  ``KVALIFISERING_RULES``.
- ``file_level``: 000 (attachment / one-space file), 001 (record length), 002 (file
  description, 11F only); ``duplicates``: 005A and 005B, with each form's semantics.
"""

from __future__ import annotations

from functools import cache

from services.compactor.rules.base import (
    DEFAULT_LOOKUPS,
    Lookups,
    RecordContext,
    Rule,
    RuleFinding,
    RuleSet,
    Severity,
    Violation,
    rule_number,
)

FORMS: tuple[str, ...] = ("11F", "11CF")

__all__ = [
    "DEFAULT_LOOKUPS",
    "FORMS",
    "Lookups",
    "RecordContext",
    "Rule",
    "RuleFinding",
    "RuleSet",
    "Severity",
    "Violation",
    "rules_for",
]


def _form_rules(form: str) -> tuple[Rule, ...]:
    from services.compactor.rules import common, duplicates, file_level

    if form == "11F":
        from services.compactor.rules.sosialhjelp import SOSIALHJELP_RULES

        specific = SOSIALHJELP_RULES
    else:
        from services.compactor.rules.kvalifisering import KVALIFISERING_RULES

        specific = KVALIFISERING_RULES
    return (
        *file_level.rules_for(form),
        *common.COMMON_RULES,
        *duplicates.rules_for(form),
        *specific,
    )


@cache
def rules_for(form: str) -> RuleSet:
    """Every SSB rule of ``form`` ("11F" or "11CF"), in SSB's order."""
    if form not in FORMS:
        raise ValueError(f"unknown form {form!r}; known: {', '.join(FORMS)}")
    rules = _form_rules(form)
    seen: dict[str, list[Rule]] = {}
    for rule in rules:
        # One id may have a version per year (11CF 007); never two for the same year.
        for other in seen.get(rule.id, []):
            if rule.years is None or other.years is None or rule.years & other.years:
                raise ValueError(f"form {form}: rule {rule.id} is defined twice")
        seen.setdefault(rule.id, []).append(rule)
    ordered = sorted(rules, key=lambda rule: rule_number(rule.id))
    return RuleSet(form, tuple(ordered))
