"""The fixed-width codec for Skjema 11F/11CF against SSB's layouts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts.kostra import (
    FORMS,
    YEARS,
    FieldSpec,
    Layout,
    RecordError,
    decode_record,
    encode_record,
    iter_decoded,
    iter_records,
    load_layout,
    write_records,
)
from contracts.kostra.codec import _encode_checked

LAYOUTS = [(form, year) for form in FORMS for year in YEARS]

# Printable ISO-8859-1 without edge spaces (decode strips them) or line breaks.
_LATIN1 = st.characters(
    min_codepoint=0x20, max_codepoint=0xFF, blacklist_categories=("Cc", "Zs", "Zl", "Zp")
)


@pytest.mark.parametrize(
    ("form", "year", "length"),
    [
        ("11F", 2024, 324),
        ("11F", 2025, 338),
        ("11F", 2026, 338),
        ("11CF", 2024, 136),
        ("11CF", 2025, 152),
        ("11CF", 2026, 152),
    ],
)
def test_record_length_matches_ssb(form: str, year: int, length: int) -> None:
    layout = load_layout(form, year)
    assert layout.record_length == length
    assert (layout.form, layout.year) == (form, year)
    assert len(encode_record(layout, {})) == length


def test_layout_fields_have_types_and_positions() -> None:
    layout = load_layout("11F", 2025)
    fodselsdato = layout.field("FODSELSDATO")
    assert (fodselsdato.start, fodselsdato.size, fodselsdato.type) == (9, 8, "date")
    assert layout.field("BIDRAG").type == "integer"
    assert layout.field("KOMMUNE_NR").type == "string"
    assert "FODSELSDATO" not in load_layout("11F", 2024).names


def test_unknown_form_or_year_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown form"):
        load_layout("7B", 2025)
    with pytest.raises(ValueError, match="no layout"):
        load_layout("11F", 2019)


def _values(layout: Layout) -> st.SearchStrategy[dict[str, str | int | None]]:
    def value_of(size: int, kind: str) -> st.SearchStrategy[str | int | None]:
        if kind == "integer":
            return st.none() | st.integers(min_value=0, max_value=10**size - 1)
        text = st.text(_LATIN1, min_size=1, max_size=size)
        return st.none() | text

    return st.fixed_dictionaries(
        {spec.name: value_of(spec.size, spec.type) for spec in layout.fields}
    )


@pytest.mark.parametrize(("form", "year"), LAYOUTS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_round_trip(form: str, year: int, data: st.DataObject) -> None:
    layout = load_layout(form, year)
    values = data.draw(_values(layout))
    line = encode_record(layout, values)
    assert len(line) == layout.record_length
    line.encode("iso-8859-1")
    decoded = decode_record(layout, line)
    assert decoded == {name: "" if v is None else str(v) for name, v in values.items()}
    assert encode_record(layout, decoded) == line


def test_alignment_integers_right_strings_left() -> None:
    layout = load_layout("11F", 2025)
    line = encode_record(layout, {"KOMMUNE_NR": "0301", "BYDELSNR": "1", "BIDRAG": 1234})
    bidrag = layout.field("BIDRAG")
    assert line[bidrag.slice] == "   1234"
    assert line[layout.field("BYDELSNR").slice] == "1 "
    assert line.startswith("0301")


def test_dates_follow_the_layout_pattern() -> None:
    line = encode_record(load_layout("11F", 2025), {"FODSELSDATO": date(1990, 1, 31)})
    assert line[8:16] == "31011990"
    old = load_layout("11F", 2024)
    assert encode_record(old, {"UTBETDATO": date(2024, 3, 5)})[old.field("UTBETDATO").slice] == (
        "050324"
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"BIDRAG": 12_345_678}, "BIDRAG"),
        ({"KOMMUNE_NR": "03011"}, "KOMMUNE_NR"),
        ({"SAKSBEHANDLER": "Ærlig€"}, "SAKSBEHANDLER"),
        ({"BIDRAG": "12a"}, "BIDRAG"),
        ({"KOMMUNE_NR": 301}, "KOMMUNE_NR"),
    ],
)
def test_value_that_does_not_fit_names_the_field(
    values: dict[str, str | int | None], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        encode_record(load_layout("11F", 2025), values)


def test_unknown_field_is_refused() -> None:
    with pytest.raises(ValueError, match="NOPE"):
        encode_record(load_layout("11CF", 2025), {"NOPE": "1"})


def test_wrong_length_names_the_line() -> None:
    layout = load_layout("11CF", 2024)
    with pytest.raises(RecordError, match="line 7: record has 135 characters") as info:
        decode_record(layout, " " * 135, line_no=7)
    assert info.value.line_no == 7


def test_file_round_trip_streams_latin1_with_line_numbers(tmp_path: Path) -> None:
    layout = load_layout("11F", 2026)
    records: list[dict[str, str | int | None]] = [
        {"KOMMUNE_NR": "4601", "VERSION": "26", "SAKSBEHANDLER": "Søren Ås", "BIDRAG": 9000},
        {"KOMMUNE_NR": "0301", "VERSION": "26", "BYDELSNR": "03", "LAAN": 120},
    ]
    path = tmp_path / "11F.dat"
    assert write_records(path, layout, records) == 2
    raw = path.read_bytes()
    assert "Søren Ås".encode("iso-8859-1") in raw
    assert raw.count(b"\n") == 2
    got = list(iter_decoded(path, layout))
    assert [n for n, _ in got] == [1, 2]
    assert got[0][1]["SAKSBEHANDLER"] == "Søren Ås"
    assert got[1][1]["LAAN"] == "120"


def test_crlf_and_blank_lines_are_tolerated_and_bad_line_is_located(tmp_path: Path) -> None:
    layout = load_layout("11CF", 2025)
    good = encode_record(layout, {"KOMMUNE_NR": "1103"})
    path = tmp_path / "11CF.dat"
    path.write_bytes(f"{good}\r\n\r\n{good[:-1]}\r\n   \n".encode("iso-8859-1"))
    assert [n for n, _ in iter_records(path, layout)] == [1, 3, 4]
    with pytest.raises(RecordError, match="line 3") as info:
        list(iter_decoded(path, layout))
    assert info.value.line_no == 3


def _edge_value(size: int) -> st.SearchStrategy[object]:
    """Values of every kind a caller might pass, near the edge of fitting ``size``."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(10**size), max_value=10**size),
        st.text(st.sampled_from("09- x\r\nÿ€"), max_size=size + 1),
        st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
        st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2030, 1, 1)),
        st.floats(allow_nan=False, max_value=1e6, min_value=-1e6),
    )


def _edges(layout: Layout) -> st.SearchStrategy[tuple[str, object]]:
    """A field (or a name the layout lacks) with an edge value."""
    unknown = st.tuples(st.sampled_from(["NOT_A_FIELD", "bidrag"]), _edge_value(3))
    known = st.sampled_from(layout.fields).flatmap(
        lambda spec: st.tuples(st.just(spec.name), _edge_value(spec.size))
    )
    return st.one_of(known, known, known, unknown)


def _outcome(encode: Callable[[], str]) -> tuple[str, str]:
    try:
        return "line", encode()
    except Exception as exc:
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize(("form", "year"), LAYOUTS)
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_encoding_equals_the_field_by_field_reference(
    form: str, year: int, data: st.DataObject
) -> None:
    """The fast encoder gives the reference encoder's line, or its error, for any input."""
    layout = load_layout(form, year)
    values: dict[str, object] = dict(data.draw(_values(layout)))
    values.update(data.draw(st.lists(_edges(layout), max_size=2)))
    expected = _outcome(lambda: _encode_checked(layout, values))  # type: ignore[arg-type]
    assert _outcome(lambda: encode_record(layout, values)) == expected  # type: ignore[arg-type]


def test_a_layout_repeating_a_name_fills_every_field_of_that_name() -> None:
    fields = (FieldSpec("A", 1, 2, "integer"), FieldSpec("A", 3, 3, "string"))
    layout = Layout("X", 2025, (*fields, FieldSpec("B", 6, 1, "string")))
    assert encode_record(layout, {"A": "7", "B": "x"}) == " 7" + "7  " + "x"
    with pytest.raises(ValueError, match="field A: an integer for a string field"):
        encode_record(layout, {"A": 7})


def test_layout_views_are_computed_once() -> None:
    layout = load_layout("11F", 2025)
    assert layout.names is layout.names
    assert layout.positions["BIDRAG"] == layout.names.index("BIDRAG")
    assert "".join(layout.blank_cells) == " " * layout.record_length


class _Text(str):
    """A str subclass (takes the reference path)."""


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BIDRAG", 10**7),
        ("BIDRAG", -(10**6)),
        ("BIDRAG", -12),
        ("BIDRAG", " 12 "),
        ("BIDRAG", "1 2"),
        ("BIDRAG", "12\n"),
        ("BIDRAG", True),
        ("BIDRAG", 1.5),
        ("BIDRAG", date(2025, 1, 2)),
        ("KOMMUNE_NR", "03011"),
        ("KOMMUNE_NR", "03\r"),
        ("KOMMUNE_NR", "0\n"),
        ("KOMMUNE_NR", "€"),
        ("KOMMUNE_NR", "ÿ"),
        ("KOMMUNE_NR", 301),
        ("KOMMUNE_NR", _Text("0301")),
        ("KOMMUNE_NR", date(2025, 1, 2)),
        ("FODSELSDATO", date(2025, 1, 2)),
        ("FODSELSDATO", datetime(2025, 1, 2, 3, 4)),
        ("FODSELSDATO", "02012025x"),
        ("NOT_A_FIELD", None),
    ],
)
def test_each_kind_of_value_encodes_as_the_reference_does(name: str, value: object) -> None:
    layout = load_layout("11F", 2025)
    values = {"KOMMUNE_NR": "0301", "BIDRAG": 5, name: value}
    expected = _outcome(lambda: _encode_checked(layout, values))  # type: ignore[arg-type]
    assert _outcome(lambda: encode_record(layout, values)) == expected  # type: ignore[arg-type]
