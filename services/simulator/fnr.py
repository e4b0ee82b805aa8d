"""Synthetic Norwegian identity numbers for the simulated KOSTRA files.

Numbers follow the layout of a fødselsnummer (``DDMMYY`` + three-digit individual number +
two mod-11 control digits) in the *synthetic* variant used by NAV's and Skatteetaten's test
environment (Tenor): 80 is added to the month, so a number can never belong to a real
person, yet every control (mod 11, date, century rules) accepts it and
``contracts.personal_data`` detects it. Pure: no I/O.
"""

from __future__ import annotations

import random
from datetime import date

SYNTHETIC_MONTH_OFFSET = 80
_WEIGHTS_K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
_WEIGHTS_K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def control_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    """The mod-11 control digit for ``digits``, or None when there is none (remainder 1)."""
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    control = (11 - remainder) % 11
    return None if control == 10 else control


def individual_range(birth_year: int) -> tuple[int, int]:
    """The individual numbers (inclusive) a person born in ``birth_year`` may have."""
    if 1900 <= birth_year <= 1999:
        return (0, 499)
    if 2000 <= birth_year <= 2039:
        return (500, 999)
    raise ValueError(f"birth year {birth_year} is outside the simulated span 1900–2039")


def birth_year_of(number: str) -> int:
    """The birth year encoded by a fødselsnummer (century from the individual number)."""
    yy = int(number[4:6])
    individual = int(number[6:9])
    if individual <= 499:
        return 1900 + yy
    if individual >= 900 and yy >= 40:
        return 1900 + yy
    if individual <= 749 and yy >= 54:
        return 1800 + yy
    return 2000 + yy


def synthetic_fodselsnummer(birth: date, female: bool, rng: random.Random, taken: set[str]) -> str:
    """A valid synthetic fødselsnummer for ``birth`` and gender, not already in ``taken``.

    The individual number's last digit is even for women and odd for men. The number is
    added to ``taken``.
    """
    low, high = individual_range(birth.year)
    prefix = f"{birth.day:02d}{birth.month + SYNTHETIC_MONTH_OFFSET:02d}{birth.year % 100:02d}"
    for _ in range(10_000):
        individual = rng.randint(low, high)
        if (individual % 2 == 0) != female:
            individual = individual + 1 if individual < high else individual - 1
        base = f"{prefix}{individual:03d}"
        k1 = control_digit(base, _WEIGHTS_K1)
        if k1 is None:
            continue
        k2 = control_digit(f"{base}{k1}", _WEIGHTS_K2)
        if k2 is None:
            continue
        number = f"{base}{k1}{k2}"
        if number not in taken:
            taken.add(number)
            return number
    raise RuntimeError(f"no free synthetic fødselsnummer left for birth date {birth}")
