"""Fixed-width records of KOSTRA files: encode, decode, stream (ISO-8859-1, one per line).

Strings and dates are left-aligned and space-padded; integers are right-aligned and
space-padded, as in SSB's own test files. A missing value (``None``) is all spaces.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path

from contracts.kostra.layout import FieldSpec, Layout

ENCODING = "iso-8859-1"


class RecordError(ValueError):
    """A record that does not fit its layout; ``line_no`` is 1-based when known."""

    def __init__(self, message: str, *, line_no: int | None = None) -> None:
        where = f"line {line_no}: " if line_no is not None else ""
        super().__init__(f"{where}{message}")
        self.line_no = line_no


_DATE_FORMATS = {"ddMMyy": "%d%m%y", "ddMMyyyy": "%d%m%Y"}


def _text_of(spec: FieldSpec, value: str | int | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        raise ValueError(f"field {spec.name}: a bool is not a field value")
    if isinstance(value, date):
        if spec.date_pattern not in _DATE_FORMATS:
            raise ValueError(f"field {spec.name}: a date needs a date field, got {spec.type}")
        return value.strftime(_DATE_FORMATS[spec.date_pattern])
    if isinstance(value, int):
        if spec.type != "integer":
            raise ValueError(f"field {spec.name}: an integer for a {spec.type} field")
        return str(value)
    if spec.type == "integer":
        text = value.strip()
        digits = text[1:] if text.startswith("-") else text
        if text and not (digits.isascii() and digits.isdigit()):
            raise ValueError(f"field {spec.name}: {value!r} is not a whole number")
        return text
    return value


def _cell(spec: FieldSpec, value: str | int | date | None) -> str:
    text = _text_of(spec, value)
    if len(text) > spec.size:
        raise ValueError(
            f"field {spec.name}: value of {len(text)} characters does not fit in {spec.size}"
        )
    if any(ch in "\r\n" for ch in text):
        raise ValueError(f"field {spec.name}: line breaks are not allowed")
    try:
        text.encode(ENCODING)
    except UnicodeEncodeError as exc:
        raise ValueError(f"field {spec.name}: not representable in ISO-8859-1") from exc
    return text.rjust(spec.size) if spec.type == "integer" else text.ljust(spec.size)


def encode_record(layout: Layout, values: Mapping[str, str | int | date | None]) -> str:
    """One record of exactly ``layout.record_length`` characters (no line terminator).

    Fields not in ``values`` are blank; a name the layout does not have is an error.
    Raises ValueError naming the field when a value does not fit.
    """
    line = _encode_plain(layout, values)
    return line if line is not None else _encode_checked(layout, values)


def _encode_checked(layout: Layout, values: Mapping[str, str | int | date | None]) -> str:
    """The reference encoder: checks each field in column order and names the first bad one."""
    unknown = set(values) - set(layout.names)
    if unknown:
        raise ValueError(f"layout {layout.form} {layout.year} has no field(s) {sorted(unknown)}")
    return "".join(_cell(spec, values.get(spec.name)) for spec in layout.fields)


def _encode_plain(layout: Layout, values: Mapping[str, str | int | date | None]) -> str | None:
    """The common case, fast: only the given values are formatted onto the blank cells.

    Returns None whenever anything is unusual (an unknown name, a value of another type
    than exactly str/int/date, a value that does not fit, a line break, a character outside
    ISO-8859-1, a layout repeating a name); ``_encode_checked`` then gives the answer, so
    the result, and every error, is the reference encoder's.
    """
    positions, fields = layout.positions, layout.fields
    if len(positions) != len(fields):
        return None
    cells = list(layout.blank_cells)
    for name, value in values.items():
        index = positions.get(name)
        if index is None:
            return None
        if value is None:
            continue
        spec = fields[index]
        kind = type(value)
        if kind is int:
            if spec.type != "integer":
                return None
            text = str(value)
        elif kind is str:
            assert isinstance(value, str)
            if spec.type == "integer":
                text = value.strip()
                digits = text[1:] if text.startswith("-") else text
                if text and not (digits.isascii() and digits.isdigit()):
                    return None
            else:
                text = value
        elif kind is date:
            assert isinstance(value, date)
            pattern = _DATE_FORMATS.get(spec.date_pattern)
            if pattern is None:
                return None
            text = value.strftime(pattern)
        else:
            return None
        if len(text) > spec.size:
            return None
        cells[index] = text.rjust(spec.size) if spec.type == "integer" else text.ljust(spec.size)
    line = "".join(cells)
    if "\r" in line or "\n" in line:
        return None
    if not line.isascii():
        try:
            line.encode(ENCODING)
        except UnicodeEncodeError:
            return None
    return line


def decode_record(layout: Layout, line: str, *, line_no: int | None = None) -> dict[str, str]:
    """The fields of one record as stripped strings (blank fields are ``""``).

    A trailing line terminator is ignored; any other length than ``record_length``
    raises ``RecordError`` (with ``line_no`` when given).
    """
    record = line.rstrip("\r\n")
    if len(record) != layout.record_length:
        raise RecordError(
            f"record has {len(record)} characters; {layout.form} {layout.year} records "
            f"have {layout.record_length}",
            line_no=line_no,
        )
    return {spec.name: record[spec.slice].strip() for spec in layout.fields}


def iter_records(path: Path, layout: Layout) -> Iterator[tuple[int, str]]:
    """``(line_no, line)`` for each non-empty line of an ISO-8859-1 file, streaming.

    Only empty lines are skipped; a line of spaces is yielded, for the reader to judge.

    Line numbers are 1-based; terminators (LF or CRLF) are removed. ``layout`` is
    accepted for symmetry with ``iter_decoded`` and to check that it is a layout.
    """
    if not isinstance(layout, Layout):
        raise TypeError("iter_records needs a Layout")
    with Path(path).open(encoding=ENCODING, newline="") as lines:
        for line_no, line in enumerate(lines, start=1):
            record = line.rstrip("\r\n")
            if record:
                yield line_no, record


def iter_decoded(path: Path, layout: Layout) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line_no, fields)`` for each record; a bad record raises ``RecordError`` with its line."""
    for line_no, line in iter_records(path, layout):
        yield line_no, decode_record(layout, line, line_no=line_no)


def write_records(
    path: Path, layout: Layout, records: Iterable[Mapping[str, str | int | date | None]]
) -> int:
    """Write records as an ISO-8859-1 file, one per line (LF); returns how many."""
    count = 0
    with Path(path).open("w", encoding=ENCODING, newline="\n") as out:
        for values in records:
            out.write(encode_record(layout, values))
            out.write("\n")
            count += 1
    return count
