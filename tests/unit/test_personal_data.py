"""Fødselsnummer / D-number / H-number detection (mod 11)."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import assume, given
from hypothesis import strategies as st

from contracts.personal_data import (
    contains_fodselsnummer,
    find_personal_data,
    is_fodselsnummer,
    may_hold_identity,
    redact,
)

K1 = (3, 7, 6, 1, 8, 9, 4, 5, 2)
K2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def control(digits: str, weights: tuple[int, ...]) -> int:
    """Written independently of the module: 11 - weighted sum mod 11, 11 → 0, 10 → none."""
    c = 11 - sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return 0 if c == 11 else c  # 10 means "no valid control digit"


def with_controls(nine: str) -> str | None:
    k1 = control(nine, K1)
    if k1 == 10:
        return None
    k2 = control(nine + str(k1), K2)
    if k2 == 10:
        return None
    return f"{nine}{k1}{k2}"


# Individual-number ranges per birth century (Skatteetaten's rules).
_RANGES = [
    (date(1854, 1, 1), date(1899, 12, 31), 500, 749),
    (date(1900, 1, 1), date(1999, 12, 31), 0, 499),
    (date(1940, 1, 1), date(1999, 12, 31), 900, 999),
    (date(2000, 1, 1), date(2039, 12, 31), 500, 999),
]


@st.composite
def identity_numbers(draw: st.DrawFn) -> str:
    low, high, first, last = draw(st.sampled_from(_RANGES))
    born = draw(st.dates(min_value=low, max_value=high))
    individual = draw(st.integers(min_value=first, max_value=last))
    kind = draw(st.sampled_from(["fnr", "d", "h"]))
    day = born.day + (40 if kind == "d" else 0)
    month = born.month + (40 if kind == "h" else 0)
    number = with_controls(f"{day:02d}{month:02d}{born.year % 100:02d}{individual:03d}")
    assume(number is not None)
    assert number is not None
    return number


@given(identity_numbers())
def test_every_valid_identity_number_is_detected(number: str) -> None:
    assert is_fodselsnummer(number)
    assert contains_fodselsnummer(number)


@given(
    identity_numbers(),
    st.text(alphabet="abc :-_/", max_size=10),
    st.text(alphabet="abc :_/", max_size=10),
)
def test_detected_inside_any_string_and_nested_value(number: str, before: str, after: str) -> None:
    text = before + number + after
    assert contains_fodselsnummer(text)
    payload = {"unit": {"type": "municipality"}, "notes": ["ok", text]}
    paths = find_personal_data(payload)
    assert paths == ["notes[1]"]
    assert number not in "".join(paths)


@given(st.text(alphabet="0123456789", min_size=10, max_size=10), st.integers(0, 9))
def test_bad_second_control_digit_is_not_detected(ten: str, last: int) -> None:
    assume(last != control(ten, K2))
    assert not is_fodselsnummer(ten + str(last))
    assert not contains_fodselsnummer(f"x{ten}{last}x")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 9), st.integers(0, 9))
def test_bad_first_control_digit_is_not_detected(nine: str, k1: int, k2: int) -> None:
    assume(k1 != control(nine, K1))
    assert not is_fodselsnummer(f"{nine}{k1}{k2}")


def test_known_examples() -> None:
    fnr = with_controls("010190124")
    assert fnr == "01019012480"
    assert is_fodselsnummer(fnr)
    assert is_fodselsnummer(with_controls("410190123") or "")  # D-number
    assert is_fodselsnummer(with_controls("015190124") or "")  # H-number (month + 40)
    assert not is_fodselsnummer(with_controls("320190124") or "00000000000")  # 32 January
    assert not is_fodselsnummer(with_controls("011390124") or "00000000000")  # month 13
    assert not is_fodselsnummer("0101901248")  # ten digits
    assert not is_fodselsnummer("0101901248a")


def test_spaced_and_embedded_forms_are_detected() -> None:
    assert contains_fodselsnummer("person 010190 12480 was helped")
    assert contains_fodselsnummer("id=901019012480")  # an 11-digit window of a longer run
    assert not contains_fodselsnummer("2025-04-03T08:15:00Z")


def test_keys_and_integers_are_searched_without_revealing_the_number() -> None:
    payload = {"01019012480": {"x": 1}, "kroner_paid": 1019012480, "flag": True}
    paths = find_personal_data(payload)
    assert paths == ["<key>", "kroner_paid"]
    assert find_personal_data({"recipients": 2410, "kroner_paid": 31250400}) == []


def test_redact_masks_numbers_also_without_leading_zero() -> None:
    assert redact("kroner_paid is 1019012480 and 01019012480") == (
        "kroner_paid is <redacted> and <redacted>"
    )
    assert redact("recipients (610) and 31250400") == "recipients (610) and 31250400"


def test_an_event_id_uuid_whose_digits_pass_mod_11_is_not_personal_data() -> None:
    event_id = "8f8c4a3e-6a53-4c1e-9a43-001019012480"  # holds 01019012480 by chance
    assert contains_fodselsnummer(event_id)
    assert find_personal_data({"event_id": event_id}) == []
    assert find_personal_data({"source": event_id}) == ["source"]
    assert find_personal_data({"event_id": "01019012480"}) == ["event_id"]


_JSON_LEAVES = st.none() | st.booleans() | st.integers() | st.text(max_size=30)


def _json_values(leaves: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.recursive(
        leaves,
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(
                st.text(max_size=15) | leaves.filter(lambda x: isinstance(x, str)),
                inner,
                max_size=4,
            )
        ),  # type: ignore[arg-type]
        max_leaves=12,
    )


@given(
    _json_values(
        _JSON_LEAVES
        | identity_numbers()
        | identity_numbers().map(lambda n: n[:6] + " " + n[6:])
        | identity_numbers().map(int)
    ),
    st.booleans(),
    st.booleans(),
)
def test_the_raw_text_precheck_never_misses_what_the_walk_finds(
    value: object, ascii_only: bool, as_bytes: bool
) -> None:
    """``may_hold_identity`` may say yes too often, never no where the walk finds one,
    however the JSON text is written (escaped or raw Unicode, str or UTF-8 bytes)."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    raw: str | bytes = text.encode("utf-8", errors="surrogatepass") if as_bytes else text
    if find_personal_data(json.loads(text)):
        assert may_hold_identity(raw)


def test_the_precheck_sees_digits_spelled_as_json_escapes() -> None:
    escaped = "".join(f"\\u{ord(c):04x}" for c in "01019012480")
    assert find_personal_data(json.loads(f'{{"note": "{escaped}"}}')) == ["note"]
    assert may_hold_identity(f'{{"note": "{escaped}"}}')
    assert not may_hold_identity('{"note": "ring 22 33 44 55", "revision": 123456789}')
