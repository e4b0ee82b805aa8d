"""Synthetic fødselsnumre: valid for every control, recognisably synthetic, unique."""

from __future__ import annotations

import random
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from contracts.personal_data import contains_fodselsnummer, is_fodselsnummer
from services.simulator.fnr import birth_year_of, synthetic_fodselsnummer

births = st.dates(min_value=date(1900, 1, 1), max_value=date(2039, 12, 31))


def _mod11_ok(number: str) -> bool:
    """Both control digits recomputed here, independently of the generator."""
    w1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
    w2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    digits = [int(c) for c in number]
    k1 = (11 - sum(d * w for d, w in zip(digits[:9], w1, strict=True)) % 11) % 11
    k2 = (11 - sum(d * w for d, w in zip(digits[:10], w2, strict=True)) % 11) % 11
    return k1 == digits[9] and k2 == digits[10]


@given(birth=births, female=st.booleans(), seed=st.integers(0, 2**32))
def test_synthetic_number_is_valid_and_detected(birth: date, female: bool, seed: int) -> None:
    number = synthetic_fodselsnummer(birth, female, random.Random(seed), set())
    assert len(number) == 11 and number.isdigit()
    assert _mod11_ok(number)
    assert is_fodselsnummer(number)
    assert contains_fodselsnummer(f"fagsystem:sak {number}")
    assert int(number[0:2]) == birth.day
    assert int(number[2:4]) == birth.month + 80  # synthetic (Tenor): never a real person
    assert birth_year_of(number) == birth.year
    assert (int(number[8]) % 2 == 0) == female


def test_numbers_are_unique_within_a_taken_set() -> None:
    rng, taken = random.Random(1), set[str]()
    numbers = [synthetic_fodselsnummer(date(1990, 5, 17), True, rng, taken) for _ in range(200)]
    assert len(set(numbers)) == 200
    assert taken == set(numbers)
