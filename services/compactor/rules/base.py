"""The rule framework of the annual compactor: one SSB control = one ``Rule``.

Pure: no I/O. A record rule reads the decoded fields of one record (``RecordContext``)
and returns a ``Violation`` or None. A ``RuleSet`` runs the rules of one form in SSB's
order and turns violations into ``RuleFinding``s (rule id, title, field, severity,
message). Cross-record rules (duplicates, record length, attachment) live in
``rules.duplicates`` and ``rules.file_level``; they use the same ``Rule`` ids and
``RuleFinding`` shape so a report does not care where a finding came from.

Helpers are strict in the way SSB's validator is: a number is optional sign + ASCII
digits (Kotlin ``String.toInt``), a date must match the layout's pattern
(``DateTimeFormatter`` with the SMART resolver: day 1–31 and month 1–12, a day past the
month's end is moved to its last day).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache

MONTH_FIELDS: tuple[str, ...] = tuple(f"STMND_{month}" for month in range(1, 13))
MONTH_SUFFIXES: tuple[str, ...] = (
    "JAN", "FEB", "MARS", "APRIL", "MAI", "JUNI",
    "JULI", "AUG", "SEPT", "OKT", "NOV", "DES",
)  # fmt: skip
OSLO = "0301"
_MONTH_CODES = tuple((name, f"{m:02d}") for m, name in enumerate(MONTH_FIELDS, 1))

_INTEGER = re.compile(r"[+-]?[0-9]+")
_DIGITS = re.compile(r"[0-9]+")
_INT_MAX = 2_147_483_647  # Kotlin Int: larger numbers are not numbers to SSB


class Severity(StrEnum):
    """SSB's grades of a control finding (SSB also has OK, which is no finding)."""

    FATAL = "FATAL"
    ERROR = "ERROR"
    WARNING = "WARNING"
    INFO = "INFO"


MunicipalityCheck = Callable[[str], str | None]
"""Returns None when a kommunenummer is valid for the year, else a message saying why not."""


def _no_problem(_code: str) -> str | None:
    return None


@dataclass(frozen=True, slots=True)
class Lookups:
    """Reference data rules need, passed in (never loaded by a rule)."""

    municipality_problem: MunicipalityCheck = _no_problem
    """None when a kommunenummer is valid for the year, else why not."""
    districts: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Valid bydelsnummer (2 digits) per municipality that reports by district."""


DEFAULT_LOOKUPS = Lookups(districts={OSLO: frozenset(f"{n:02d}" for n in range(1, 16))})


def parse_int(text: str) -> int | None:
    """``text`` (already stripped) as SSB reads a number, else None.

    Optional sign and ASCII digits only: no underscores, spaces, decimals or other
    scripts' digits (Python's ``int()`` accepts all of those; SSB does not).
    """
    if text.isdigit() and text.isascii():  # the common case, without a regex
        return int(text) if len(text) < 10 or int(text) <= _INT_MAX else None
    if not _INTEGER.fullmatch(text):
        return None
    value = int(text)
    return value if -_INT_MAX - 1 <= value <= _INT_MAX else None


@lru_cache(maxsize=8192)  # dates repeat (birth dates, decision dates); the cache stays small
def parse_date(text: str, pattern: str) -> date | None:
    """``text`` as a date of ``pattern`` ("ddMMyyyy" or "ddMMyy"), else None."""
    pattern = pattern.strip()
    if len(text) != len(pattern) or not _DIGITS.fullmatch(text):
        return None
    if pattern == "ddMMyyyy":
        day, month, year = int(text[0:2]), int(text[2:4]), int(text[4:8])
    elif pattern == "ddMMyy":
        day, month, year = int(text[0:2]), int(text[2:4]), 2000 + int(text[4:6])
    else:
        raise ValueError(f"unsupported date pattern {pattern!r}")
    if not (1 <= month <= 12 and 1 <= day <= 31 and year >= 1):
        return None
    if day > 28:  # SMART resolving: a day past the month's end becomes its last day
        day = min(day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


@dataclass(frozen=True, slots=True)
class RecordContext:
    """One record as the rules see it: every layout field, stripped, and the year."""

    fields: Mapping[str, str]
    year: int
    form: str
    line: int = 0
    date_patterns: Mapping[str, str] = field(default_factory=dict)
    """The layout's date pattern per date field (from ``Layout``); missing = by length."""
    codes: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """The layout's code list per coded field (``rules.layout_codes.code_lists``)."""
    lookups: Lookups = DEFAULT_LOOKUPS
    _ints: dict[str, int | None] = field(default_factory=dict, repr=False, compare=False)

    def text(self, name: str) -> str:
        """The stripped value of ``name`` ("" when blank or not in the layout)."""
        return self.fields.get(name, "")

    def has(self, name: str) -> bool:
        """True when the year's layout has the field ``name``."""
        return name in self.fields

    def is_blank(self, name: str) -> bool:
        return not self.fields.get(name, "")

    def code_exists(self, name: str) -> bool:
        """True when the value of ``name`` is one of the layout's codes for it."""
        return self.fields.get(name, "") in self.codes.get(name, ())

    def int_or_none(self, name: str) -> int | None:
        """The value of ``name`` as SSB reads a number (sign + ASCII digits), else None."""
        cache = self._ints
        if name in cache:
            return cache[name]
        value = cache[name] = parse_int(self.fields.get(name, ""))
        return value

    def int_or_zero(self, name: str) -> int:
        """``int_or_none`` with 0 for blank or not-a-number (SSB's ``fieldAsIntOrDefault``)."""
        text = self.fields.get(name, "")
        if not text:
            return 0
        value = self.int_or_none(name)
        return 0 if value is None else value

    def date_or_none(self, name: str) -> date | None:
        """The value of ``name`` as a date of the layout's pattern, else None."""
        text = self.fields.get(name, "")
        pattern = self.date_patterns.get(name) or ("ddMMyyyy" if len(text) == 8 else "ddMMyy")
        return parse_date(text, pattern)

    def int_sum(self, names: tuple[str, ...]) -> int:
        """Σ ``int_or_zero`` over ``names``, cached per tuple (blank and not-a-number = 0)."""
        cache = self._ints
        key = "\x1f".join(names)
        if key in cache:
            return cache[key] or 0
        get, total = self.fields.get, 0
        for name in names:
            text = get(name, "")
            if not text:
                continue
            if text.isdigit() and text.isascii() and len(text) < 10:
                total += int(text)
            else:
                total += self.int_or_zero(name)
        cache[key] = total
        return total

    def months_marked(self) -> tuple[bool, ...]:
        """Per month 1–12: is STMND_m marked with its own two-digit code ("01"…"12")?"""
        get = self.fields.get
        return tuple([get(name) == code for name, code in _MONTH_CODES])

    @property
    def municipality(self) -> str:
        return self.fields.get("KOMMUNE_NR", "")


@dataclass(frozen=True, slots=True)
class Violation:
    """What a failed check returns: the field it concerns and SSB's message for it."""

    field: str
    message: str
    severity: Severity | None = None
    """Set only when this case has another severity than the rule's own."""


Check = Callable[[RecordContext], "Violation | None"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One of SSB's controls: id, title, the fields it reads, severity and a pure check."""

    id: str
    title: str
    fields: tuple[str, ...]
    severity: Severity
    check: Check
    years: frozenset[int] | None = None
    """The reporting years the rule applies to; None = every year."""
    memo: bool = False
    """True when the outcome depends only on ``fields`` (and the year, codes and lookups):
    a ``RuleRunner`` then remembers it per combination of their values."""
    scope: str = "record"
    """"record": ``check`` runs per record; "file" / "duplicates": a cross-record rule
    whose logic is in ``rules.file_level`` / ``rules.duplicates`` (``check`` is unused)."""

    def applies_to(self, year: int) -> bool:
        return self.years is None or year in self.years


def cross_record(_ctx: RecordContext) -> Violation | None:
    """The ``check`` of a cross-record rule: never called per record."""
    return None


@dataclass(frozen=True, slots=True)
class RuleFinding:
    """A violation of one rule by one record (no file, line or person number)."""

    rule_id: str
    title: str
    field: str
    severity: Severity
    message: str


def finding_of(rule: Rule, violation: Violation) -> RuleFinding:
    return RuleFinding(
        rule.id,
        rule.title,
        violation.field,
        violation.severity or rule.severity,
        violation.message,
    )


def rule_number(rule_id: str) -> int:
    """The number of an SSB rule id ("004A" -> 4); a stable sort on it keeps SSB's order."""
    digits = "".join(ch for ch in rule_id if ch.isdigit())
    return int(digits or 0)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The rules of one form in SSB's order (record rules and cross-record rules)."""

    form: str
    rules: tuple[Rule, ...]

    def for_year(self, year: int) -> RuleSet:
        """Only the rules that apply to ``year`` (run this once per file, not per record)."""
        return RuleSet(self.form, tuple(r for r in self.rules if r.applies_to(year)))

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(rule.id for rule in self.rules)

    def rule(self, rule_id: str) -> Rule:
        """The rule with id ``rule_id``; KeyError when the form has none."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"form {self.form} has no rule {rule_id}")

    def run(self, ctx: RecordContext) -> list[RuleFinding]:
        """Every violation of ``ctx`` by the record rules that apply to its year."""
        found: list[RuleFinding] = []
        for rule in self.rules:
            if rule.scope != "record" or (rule.years is not None and ctx.year not in rule.years):
                continue
            violation = rule.check(ctx)
            if violation is not None:
                found.append(finding_of(rule, violation))
        return found


_PLACE_FIELDS = frozenset({"KOMMUNE_NR", "BYDELSNR"})
_Found = tuple[RuleFinding, ...]


class RuleRunner:
    """Runs one year's record rules on the records of one run, in SSB's order.

    The rules marked ``memo`` read nothing but a few coded fields, so their findings are
    a function of those fields' values: the runner evaluates them once per combination
    (one dictionary look-up for a record seen before in that respect, which is nearly
    every clean record). Rules about the place (kommune, bydel) form their own group, so
    the many municipalities do not multiply the combinations of the other fields.
    ``ctx.year`` must be the year ``rules`` were chosen for, and the code lists and
    lookups must not change during the runner's life.
    """

    def __init__(self, rules: RuleSet, limit: int = 50_000) -> None:
        record_rules = [rule for rule in rules.rules if rule.scope == "record"]
        self._order = {rule.id + rule.title: index for index, rule in enumerate(record_rules)}
        memo = [rule for rule in record_rules if rule.memo]
        place = [rule for rule in memo if _PLACE_FIELDS & set(rule.fields)]
        other = [rule for rule in memo if not _PLACE_FIELDS & set(rule.fields)]
        self._groups: list[tuple[tuple[str, ...], list[Rule], dict[object, _Found]]] = [
            (tuple(sorted({name for r in group for name in r.fields})), group, {})
            for group in (place, other)
            if group
        ]
        self._plain_rules = [rule for rule in record_rules if not rule.memo]
        self._limit = limit

    def run(self, ctx: RecordContext) -> list[RuleFinding]:
        found: list[RuleFinding] = []
        get = ctx.fields.get
        for names, group, cache in self._groups:
            key = tuple([get(name) for name in names])
            known = cache.get(key)
            if known is None:
                known = tuple(
                    finding_of(rule, violation)
                    for rule in group
                    if (violation := rule.check(ctx)) is not None
                )
                if len(cache) < self._limit:
                    cache[key] = known
            found += known
        for rule in self._plain_rules:
            violation = rule.check(ctx)
            if violation is not None:
                found.append(finding_of(rule, violation))
        if len(found) > 1:
            order = self._order
            found.sort(key=lambda f: order.get(f.rule_id + f.title, 0))
        return found
