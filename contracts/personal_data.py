"""Detection of Norwegian national identity numbers in arbitrary JSON values.

A fødselsnummer is 11 digits: birth date ``DDMMYY``, a three-digit individual number and two
mod-11 control digits. Variants detected here:

- D-number: 4 added to the first digit (day 41-71);
- H-number: 4 added to the third digit (month 41-52);
- synthetic test numbers (NAV/Skatteetaten Tenor): 8 added to the third digit (month 81-92).

Detection is deliberately generous about the date (a date valid in any of the three
centuries a fødselsnummer can encode is accepted) and strict about both control digits,
so random 11-digit numbers are rarely taken for personal data while every real one is.
Nothing here ever returns or logs the number itself: callers get JSON paths only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from uuid import UUID

_WEIGHTS_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_WEIGHTS_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)

# Every 11-digit window, also when the date and the personal number are split by one
# space, dot or hyphen ("010190 12345"); the lookahead makes matches overlap.
_CANDIDATE = re.compile(r"(?=(\d{6}[ .\-]?\d{5}))")


def _control_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    """The mod-11 control digit for ``digits``, or None when none exists (remainder 1)."""
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    control = (11 - remainder) % 11
    return None if control == 10 else control


def _birth_date_exists(day: int, month: int, yy: int) -> bool:
    """True when DD.MM.YY is a real date in 18YY, 19YY or 20YY."""
    for century in (1800, 1900, 2000):
        try:
            date(century + yy, month, day)
        except ValueError:
            continue
        return True
    return False


def is_fodselsnummer(candidate: str) -> bool:
    """True when ``candidate`` is exactly 11 digits forming a valid fødsels-, D- or H-number."""
    if len(candidate) != 11 or not candidate.isascii() or not candidate.isdigit():
        return False
    day = int(candidate[0:2])
    month = int(candidate[2:4])
    yy = int(candidate[4:6])
    if day > 40:  # D-number
        day -= 40
    if month > 80:  # synthetic (Tenor)
        month -= 80
    elif month > 40:  # H-number
        month -= 40
    if not _birth_date_exists(day, month, yy):
        return False
    k1 = _control_digit(candidate[:9], _WEIGHTS_K1)
    if k1 is None or k1 != int(candidate[9]):
        return False
    k2 = _control_digit(candidate[:10], _WEIGHTS_K2)
    return k2 is not None and k2 == int(candidate[10])


def contains_fodselsnummer(text: str) -> bool:
    """True when any 11-digit sequence inside ``text`` is a valid identity number."""
    for match in _CANDIDATE.finditer(text):
        digits = re.sub(r"[ .\-]", "", match.group(1))
        if is_fodselsnummer(digits):
            return True
    return False


_DIGIT_RUN = re.compile(r"\d{6}[ .\-]?\d{4,5}|\d{10,}")


def redact(text: str) -> str:
    """``text`` with every identity number (also one that lost its leading zero) masked."""

    def mask(match: re.Match[str]) -> str:
        found = match.group(0)
        digits = re.sub(r"[ .\-]", "", found)
        if contains_fodselsnummer(found) or (len(digits) == 10 and is_fodselsnummer("0" + digits)):
            return "<redacted>"
        return found

    return _DIGIT_RUN.sub(mask, text)


def _integer_looks_like_fodselsnummer(value: int) -> bool:
    """An integer of 10-11 digits, read as an 11-digit number (a lost leading zero)."""
    if value < 1_000_000_000 or value > 99_999_999_999:
        return False
    return is_fodselsnummer(f"{value:011d}")


UUID_FIELDS = frozenset({"event_id"})
"""Paths whose canonical UUID value is an identifier by contract: about 3 in 100,000 random
UUIDs hold 11 digits in a row that pass the mod-11 check, which is chance, not identity."""


def _is_canonical_uuid(text: str) -> bool:
    """A UUID in its canonical 8-4-4-4-12 hex form (its hex digits are not an identity)."""
    if len(text) != 36:
        return False
    try:
        return str(UUID(text)) == text.lower()
    except ValueError:
        return False


def _walk(value: object, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if path in UUID_FIELDS and _is_canonical_uuid(value):
            return
        if contains_fodselsnummer(value):
            yield path
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if _integer_looks_like_fodselsnummer(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            if contains_fodselsnummer(name):
                # The key itself is personal data: never put it in a path.
                name = "<key>"
                yield f"{path}.{name}" if path else name
            yield from _walk(item, f"{path}.{name}" if path else name)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


# The text's shape: ASCII digits read "0", the separators " .-" read "s", all else "x";
# a run of six digits, perhaps one separator, then four digits is one of two substrings
# of it (the same test as the pattern [0-9]{6}[ .\-]?[0-9]{4}, three times as fast).
_SHAPE = bytes(
    ord("0") if chr(c).isascii() and chr(c).isdigit() else ord("s" if c in b" .-" else "x")
    for c in range(256)
)


def may_hold_identity(raw: bytes | str) -> bool:
    """False only when the JSON text ``raw`` cannot hold an identity number anywhere.

    Every number ``find_personal_data`` finds in the decoded value is a run of at least
    ten ASCII digits (eleven, perhaps split once; or an integer that lost its leading zero)
    in the text too, unless JSON escapes (``\\u0031``) spell the digits. So a text with
    neither needs no walk; this spares the walk for nearly every real report.
    """
    data = raw.encode("utf-8", errors="surrogatepass") if isinstance(raw, str) else raw
    if b"\\u" in data:
        return True
    shape = data.translate(_SHAPE)
    return b"0000000000" in shape or b"000000s0000" in shape


def find_personal_data(value: object) -> list[str]:
    """JSON paths (``indicators.recipients``, ``notes[2]``) where an identity number occurs.

    ``value`` is a parsed JSON value (dicts, lists, strings, numbers). Strings are searched
    for embedded numbers; dictionary keys are searched too (reported as ``<key>`` under the
    parent path, since the key would reveal the number); integers of 10-11 digits are read
    as numbers that lost their leading zero. The paths never contain the number itself.
    """
    return list(_walk(value, ""))
