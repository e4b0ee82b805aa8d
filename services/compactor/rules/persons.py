"""Person numbers as SSB's validator reads them: fødselsnummer/D-number, birth date, DUF.

Pure. These functions see a person number only to answer a yes/no or an age; nothing
here stores, logs or returns one.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from services.compactor.rules.base import parse_date

_DUF_WEIGHTS = (4, 6, 3, 2, 4, 6, 3, 2, 7, 5)
_SUFFIX_EXCEPTIONS = frozenset({"00100", "00200", "99999"})
"""Person-number endings SSB accepts without a check digit (the date part must be a date)."""


def _eleven_digits(number: str) -> bool:
    return len(number) == 11 and number.isascii() and number.isdigit()


def _modulo11_ok(number: str) -> bool:
    d = [ord(ch) - 48 for ch in number]
    first = 3 * d[0] + 7 * d[1] + 6 * d[2] + d[3] + 8 * d[4] + 9 * d[5] + 4 * d[6] + 5 * d[7]
    if (first + 2 * d[8] + d[9]) % 11:
        return False
    second = 5 * d[0] + 4 * d[1] + 3 * d[2] + 2 * d[3] + 7 * d[4] + 6 * d[5] + 5 * d[6]
    return (second + 4 * d[7] + 3 * d[8] + 2 * d[9] + d[10]) % 11 == 0


@lru_cache(maxsize=4)  # several rules ask about the same record's number in a row
def birth_date(number: str, year: int) -> date | None:
    """The birth date a fødselsnummer/D-number encodes, as SSB derives it, else None."""
    if not _eleven_digits(number):
        return None
    if number[6:] in _SUFFIX_EXCEPTIONS:
        born = parse_date(number[:6], "ddMMyy")
        if born is None:
            return None
        if born > date(year + 1, 12, 31):
            return born.replace(year=born.year - 100)
        return born
    first = int(number[0])
    month_digit = int(number[2])
    plain = (
        str(first - 4 if first > 3 else first)
        + number[1:2]
        + str(month_digit - 8 if month_digit >= 8 else month_digit)
        + number[3:6]
    )
    born = parse_date(plain, "ddMMyy")
    if born is None:
        return None
    individual, yy = int(number[6:9]), int(number[4:6])
    if 500 <= individual <= 999 and yy <= 39:
        return born
    if 500 <= individual <= 749 and yy >= 54:
        return _minus_years(born, 200)
    if individual <= 499 or individual >= 900:
        return _minus_years(born, 100)
    return born


def _minus_years(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year - years)
    except ValueError:  # 29 February into a year without it
        return born.replace(year=born.year - years, day=28)


def age_in_years(number: str, year: int) -> int | None:
    """The reporting year minus the birth year the number encodes, else None."""
    born = birth_date(number, year)
    return None if born is None else year - born.year


@lru_cache(maxsize=4)
def is_valid_fnr(number: str) -> bool:
    """11 digits with valid check digits (SSB's ``isValidSocialSecurityId``)."""
    return _eleven_digits(number) and _modulo11_ok(number)


@lru_cache(maxsize=4)
def is_valid_fnr_or_dnr(number: str, year: int) -> bool:
    """A valid fødselsnummer/D-number, or a dated number with one of SSB's accepted endings."""
    if is_valid_fnr(number):
        return True
    if not _eleven_digits(number):
        return False
    return number[6:] in _SUFFIX_EXCEPTIONS and birth_date(number, year) is not None


def is_valid_duf(number: str) -> bool:
    """12 digits whose last two are the weighted sum of the first ten modulo 11."""
    if len(number) != 12 or not (number.isascii() and number.isdigit()):
        return False
    total = sum(int(ch) * w for ch, w in zip(number[:10], _DUF_WEIGHTS, strict=True))
    return f"{total % 11:02d}" == number[10:]
