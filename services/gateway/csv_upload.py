"""Semicolon CSV uploads for municipalities without an integration (pure).

One row per unit-month under the header::

    unit_type;unit_code;period;revision;recipients;recipients_with_children;
    recipients_main_livelihood;recipients_under_30;kroner_paid;qp_participants

Columns may come in any order; an empty cell is ``null`` (not reported). Conveniences for
files saved by spreadsheets: a UTF-8 byte-order mark, CRLF line ends, blank lines,
spaces inside numbers ("31 250 400") and unit codes that lost their leading zero
("301" → "0301") are accepted. The gateway fills ``schema_version`` 1, ``source``
``"csv-upload"``, ``reported_at`` (now) and ``event_id`` — derived from the row's
content, so uploading the same file twice delivers the same events (the pipeline
deduplicates them) instead of new ones.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesParser
from email.policy import default

from contracts.reports import CODE_DIGITS, INDICATORS, FieldError, Reason

UNIT_COLUMNS: tuple[str, ...] = ("unit_type", "unit_code", "period", "revision")
COLUMNS: tuple[str, ...] = UNIT_COLUMNS + INDICATORS
SOURCE = "csv-upload"
EVENT_NAMESPACE = uuid.UUID("6f1c3a52-9d4e-4f0b-8a2e-5b7d9c1e0a43")
_SPACES = re.compile(r"[ \u00a0\u202f]")


class CsvRejected(Exception):
    """The file as a whole cannot be read (encoding, header, size) → 422."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def at_line(errors: tuple[FieldError, ...] | list[FieldError], line: int) -> list[FieldError]:
    """The problems of one row, each message prefixed with its line number."""
    return [FieldError(e.field, e.reason, f"line {line}: {e.message}") for e in errors]


@dataclass(frozen=True)
class CsvRow:
    """One data row: its 1-based line number, the report it spells, cell-level problems,
    and its cells as read (joined with ``;``).

    Messages in ``errors`` do not repeat the line; ``at_line`` adds it.
    """

    line: int
    value: dict[str, object]
    errors: tuple[FieldError, ...] = ()
    raw: str = ""


def _whole_number(text: str, column: str) -> tuple[int | None, FieldError | None]:
    cleaned = _SPACES.sub("", text)
    if cleaned == "":
        return None, None
    if re.fullmatch(r"[+-]?[0-9]+", cleaned):
        return int(cleaned), None
    return None, FieldError(
        _field_of(column),
        Reason.SCHEMA_VIOLATION,
        f"column {column}: {text!r} is not a whole number",
    )


def _field_of(column: str) -> str:
    if column in INDICATORS:
        return f"indicators.{column}"
    return {"unit_type": "unit.type", "unit_code": "unit.code"}.get(column, column)


def _unit_code(unit_type: str, code: str) -> str:
    """Restore leading zeros a spreadsheet dropped (only for an all-digit code)."""
    digits = CODE_DIGITS.get(unit_type)
    if digits and code.isdigit() and len(code) < digits:
        return code.zfill(digits)
    return code


def event_id_for(value: dict[str, object]) -> uuid.UUID:
    """A stable event id for one row's content (unit, period, revision, indicators)."""
    unit = value["unit"]
    assert isinstance(unit, dict)
    parts = [str(unit["type"]), str(unit["code"]), str(value["period"]), str(value["revision"])]
    indicators = value["indicators"]
    assert isinstance(indicators, dict)
    parts += [f"{name}={indicators[name]}" for name in INDICATORS]
    return uuid.uuid5(EVENT_NAMESPACE, "|".join(parts))


def _header(row: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in row]
    missing = [name for name in COLUMNS if name not in names]
    unknown = [name for name in names if name not in COLUMNS]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    problems = []
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        problems.append(f"unknown column(s) {', '.join(repr(n) for n in unknown)}")
    if duplicated:
        problems.append(f"repeated column(s) {', '.join(duplicated)}")
    if problems:
        raise CsvRejected(
            f"line 1 (header): {'; '.join(problems)}. Expected: {';'.join(COLUMNS)}", 1
        )
    return names


def _row(names: list[str], cells: list[str], line: int, reported_at: datetime) -> CsvRow:
    if len(cells) != len(names):
        problem = FieldError(
            None,
            Reason.SCHEMA_VIOLATION,
            f"{len(cells)} cells, the header has {len(names)} (separate cells with ';')",
        )
        return CsvRow(line, {}, (problem,), ";".join(cells))
    cell = {name: text.strip() for name, text in zip(names, cells, strict=True)}
    errors: list[FieldError] = []
    indicators: dict[str, int | None] = {}
    for name in INDICATORS:
        number, error = _whole_number(cell[name], name)
        indicators[name] = number
        if error:
            errors.append(error)
    revision: object = cell["revision"]
    if cell["revision"] == "":
        errors.append(FieldError("revision", Reason.SCHEMA_VIOLATION, "revision is empty"))
    else:
        number, error = _whole_number(cell["revision"], "revision")
        revision = number
        if error:
            errors.append(error)
    unit_type = cell["unit_type"].lower()
    value: dict[str, object] = {
        "schema_version": 1,
        "unit": {"type": unit_type, "code": _unit_code(unit_type, cell["unit_code"])},
        "period": cell["period"],
        "revision": revision,
        "source": SOURCE,
        "reported_at": reported_at.isoformat().replace("+00:00", "Z"),
        "indicators": indicators,
    }
    value = {"event_id": str(event_id_for(value)), **value}
    return CsvRow(line, value, tuple(errors), ";".join(cells))


def parse_csv(data: bytes, *, reported_at: datetime, max_rows: int) -> list[CsvRow]:
    """The rows of an upload as report values, with line numbers and cell problems.

    Raises ``CsvRejected`` for a file that is not UTF-8, has a wrong header, no rows or
    more than ``max_rows`` rows. Contract and registry checks happen afterwards, per row.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvRejected("the file is not UTF-8 text (save it as 'CSV UTF-8')") from exc
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", strict=False)
    numbered = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    if not numbered:
        raise CsvRejected("the file is empty; the first line must be the header")
    header_line, header = numbered[0]
    if header_line != 1:
        raise CsvRejected("the first line must be the header", 1)
    names = _header(header)
    body = numbered[1:]
    if not body:
        raise CsvRejected("the file has a header but no rows")
    if len(body) > max_rows:
        raise CsvRejected(f"the file has {len(body)} rows; at most {max_rows} per upload")
    return [_row(names, cells, line, reported_at) for line, cells in body]


def extract_upload(content_type: str, body: bytes) -> bytes:
    """The CSV bytes of a request: the body itself, or the first file of a multipart form."""
    if not content_type.lower().startswith("multipart/form-data"):
        return body
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=default).parsebytes(head + body)
    if not message.is_multipart():
        raise CsvRejected("the multipart form could not be read")
    parts = list(message.iter_parts())
    files = [part for part in parts if part.get_filename()] or parts
    if not files:
        raise CsvRejected("the form holds no file; send the CSV as a file field named 'file'")
    payload = files[0].get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""
