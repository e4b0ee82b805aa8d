"""CSV uploads: header, cells, line numbers, spreadsheet quirks (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.reports import IndicatorReportV1, Reason, report_errors
from services.gateway.csv_upload import (
    COLUMNS,
    CsvRejected,
    at_line,
    extract_upload,
    parse_csv,
)

NOW = datetime(2025, 4, 3, 8, 15, tzinfo=UTC)
HEADER = ";".join(COLUMNS)


def parse(text: str, max_rows: int = 1000) -> list:  # type: ignore[type-arg]
    return parse_csv(text.encode("utf-8"), reported_at=NOW, max_rows=max_rows)


def test_a_row_becomes_a_valid_v1_report() -> None:
    rows = parse(f"{HEADER}\nmunicipality;0301;2025-03;2;2410;610;1190;820;31250400;170\n")
    assert len(rows) == 1
    row = rows[0]
    assert row.line == 2 and row.errors == ()
    assert report_errors(row.value) == []
    report = IndicatorReportV1.model_validate(row.value)
    assert report.unit.key == "municipality:0301"
    assert report.revision == 2
    assert report.source == "csv-upload"
    assert report.reported_at == NOW
    assert report.indicators.kroner_paid == 31250400


def test_empty_cell_is_null_and_columns_may_be_reordered() -> None:
    header = ";".join(reversed(COLUMNS))
    rows = parse(f"{header}\n170;;;;;2410;1;2025-03;0301;municipality\n")
    indicators = rows[0].value["indicators"]
    assert isinstance(indicators, dict)
    assert indicators["recipients"] == 2410
    assert indicators["kroner_paid"] is None
    assert indicators["qp_participants"] == 170
    assert report_errors(rows[0].value) == []


def test_spreadsheet_quirks_are_tolerated() -> None:
    text = (
        f"\ufeff{HEADER}\r\n"
        "municipality;301;2025-03;1;2\u00a0410;610;1190;820;31 250 400;170\r\n"
        "\r\n"
        "district;30101;2025-03;1;10;1;1;1;1000;0\r\n"
    )
    rows = parse(text)
    assert [row.line for row in rows] == [2, 4]
    first, second = (row.value for row in rows)
    assert first["unit"] == {"type": "municipality", "code": "0301"}
    assert second["unit"] == {"type": "district", "code": "030101"}
    assert first["indicators"]["kroner_paid"] == 31250400
    assert all(report_errors(row.value) == [] for row in rows)


def test_event_id_follows_content_so_a_reupload_is_the_same_event() -> None:
    text = f"{HEADER}\nmunicipality;0301;2025-03;1;5;1;1;1;100;0\n"
    again = parse_csv(text.encode(), reported_at=datetime.now(UTC), max_rows=10)
    assert parse(text)[0].value["event_id"] == again[0].value["event_id"]
    changed = parse(text.replace(";100;", ";101;"))
    assert changed[0].value["event_id"] != again[0].value["event_id"]


def test_cell_problems_name_the_column_and_at_line_adds_the_line() -> None:
    rows = parse(f"{HEADER}\nmunicipality;0301;2025-03;1;12,5;abc;1;1;100;0\n")
    errors = at_line(rows[0].errors, rows[0].line)
    assert [e.field for e in errors] == [
        "indicators.recipients",
        "indicators.recipients_with_children",
    ]
    assert all(e.reason == Reason.SCHEMA_VIOLATION for e in errors)
    assert errors[0].message == "line 2: column recipients: '12,5' is not a whole number"


def test_wrong_cell_count_and_empty_revision_are_row_errors() -> None:
    rows = parse(f"{HEADER}\nmunicipality;0301;2025-03\nmunicipality;0301;2025-03;;1;1;1;1;1;1\n")
    assert "3 cells, the header has 10" in rows[0].errors[0].message
    assert rows[1].errors[0].field == "revision"


def test_negative_numbers_are_left_for_the_contract_to_name() -> None:
    rows = parse(f"{HEADER}\nmunicipality;0301;2025-03;1;-5;;;;;\n")
    assert rows[0].errors == ()
    assert [e.reason for e in report_errors(rows[0].value)] == [Reason.NEGATIVE_VALUE]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        (f"{HEADER}\n", "no rows"),
        ("unit_type;unit_code;period\nmunicipality;0301;2025-03\n", "missing column(s) revision"),
        (f"{HEADER};extra\n", "unknown column(s) 'extra'"),
        (f"{HEADER};period\n", "repeated column(s) period"),
    ],
)
def test_unreadable_files_are_refused_whole(text: str, expected: str) -> None:
    with pytest.raises(CsvRejected, match=expected.replace("(", r"\(").replace(")", r"\)")):
        parse(text)


def test_not_utf8_is_refused() -> None:
    with pytest.raises(CsvRejected, match="UTF-8"):
        parse_csv(
            f"{HEADER}\nmunicipality;0301;2025-03;1;1;1;1;1;1;Ø\n".encode("latin-1") + b"\xff",
            reported_at=NOW,
            max_rows=5,
        )


def test_row_limit() -> None:
    row = "municipality;0301;2025-03;1;5;1;1;1;100;0\n"
    assert len(parse(HEADER + "\n" + row * 3, max_rows=3)) == 3
    with pytest.raises(CsvRejected, match="4 rows; at most 3"):
        parse(HEADER + "\n" + row * 4, max_rows=3)


def test_multipart_form_file_is_extracted() -> None:
    csv_bytes = f"{HEADER}\nmunicipality;0301;2025-03;1;5;1;1;1;100;0\n".encode()
    boundary = "XyZ123"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="comment"\r\n\r\nhello\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="mars.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + csv_bytes
        + f"\r\n--{boundary}--\r\n".encode()
    )
    extracted = extract_upload(f"multipart/form-data; boundary={boundary}", body)
    assert extracted == csv_bytes
    assert extract_upload("text/csv", csv_bytes) == csv_bytes
