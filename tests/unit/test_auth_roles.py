"""Access decisions (pure) and the audit line."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.auth.audit import AuditLog, audit_path
from services.auth.roles import ReadAccess, decide_read, decide_submit
from services.auth.tokens import Principal, UnitRef

BOTH = frozenset({"reports:write", "reports:read"})


class FakeDistricts:
    """The registry's district → municipality lookup for the test districts."""

    def municipality_of_district(self, district_code: str) -> str:
        known = {"030101": "0301", "030102": "0301", "460101": "4601"}
        return known[district_code]


def unit_principal(key: str, scopes: frozenset[str] = BOTH) -> Principal:
    return Principal(key, scopes, unit=UnitRef.parse(key))


OSLO = unit_principal("municipality:0301")
SSB = Principal("role:ssb", frozenset({"reports:read"}), role="ssb")
DIRECTORATE = Principal("role:directorate", frozenset({"reports:read"}), role="directorate")


def test_municipality_submits_for_itself_and_its_districts() -> None:
    districts = FakeDistricts()
    assert decide_submit(OSLO, UnitRef("municipality", "0301"), districts=districts)
    assert decide_submit(OSLO, UnitRef("district", "030101"), districts=districts)


def test_unit_mismatch_is_refused() -> None:
    districts = FakeDistricts()
    assert not decide_submit(OSLO, UnitRef("municipality", "4601"), districts=districts)
    assert not decide_submit(OSLO, UnitRef("district", "460101"), districts=districts)
    assert not decide_submit(OSLO, UnitRef("district", "999999"), districts=districts)
    assert not decide_submit(OSLO, UnitRef("nav_office", "0301"), districts=districts)


def test_district_and_nav_office_submit_only_for_themselves() -> None:
    district = unit_principal("district:030101")
    office = unit_principal("nav_office:0315")
    assert decide_submit(district, UnitRef("district", "030101"), districts=FakeDistricts())
    assert not decide_submit(district, UnitRef("municipality", "0301"))
    assert not decide_submit(district, UnitRef("district", "030102"), districts=FakeDistricts())
    assert decide_submit(office, UnitRef("nav_office", "0315"))
    assert not decide_submit(office, UnitRef("municipality", "0301"))


def test_roles_and_read_only_tokens_never_submit() -> None:
    unit = UnitRef("municipality", "0301")
    assert not decide_submit(SSB, unit)
    assert not decide_submit(DIRECTORATE, unit)
    assert not decide_submit(unit_principal("municipality:0301", frozenset({"reports:read"})), unit)


def test_read_access_by_role() -> None:
    districts = FakeDistricts()
    assert decide_read(SSB, "municipality", "4601") == ReadAccess(True, False)
    assert decide_read(DIRECTORATE, "municipality", "0301") == ReadAccess(True, True)
    assert decide_read(OSLO, "municipality", "0301") == ReadAccess(True, False)
    assert decide_read(OSLO, "district", "030102", districts=districts) == ReadAccess(True, False)
    assert decide_read(OSLO, "municipality", "4601") == ReadAccess(True, True)
    assert decide_read(OSLO, "county", "03") == ReadAccess(True, True)
    write_only = unit_principal("municipality:0301", frozenset({"reports:write"}))
    assert not decide_read(write_only, "municipality", "0301").allowed


unit_types = st.sampled_from(["municipality", "district", "nav_office"])
codes = st.from_regex(r"[0-9]{4}", fullmatch=True)


@given(own_code=codes, other_type=unit_types, other_code=codes)
def test_only_the_owner_and_ssb_read_unsuppressed(
    own_code: str, other_type: str, other_code: str
) -> None:
    owner = unit_principal(f"municipality:{own_code}")
    access = decide_read(owner, other_type, other_code)
    is_own = other_type == "municipality" and other_code == own_code
    assert access.allowed
    assert access.suppressed is not is_own
    assert decide_read(DIRECTORATE, other_type, other_code).suppressed
    assert not decide_read(SSB, other_type, other_code).suppressed


def test_audit_line_names_unit_not_subject(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = AuditLog(audit_path(tmp_path))
    person = Principal("01017012345", BOTH, unit=UnitRef.parse("municipality:0301"))
    with caplog.at_level(logging.INFO, logger="sosialpuls.audit"):
        line = log.record(
            "PERMIT", action="submit", principal=person, resource="district:030101", count=3
        )
        log.record("DENY", action="submit", principal=None, resource="x 01017012345 y")
    written = (tmp_path / "logs" / "audit.log").read_text().splitlines()
    assert written[0] == line
    assert " PERMIT action=submit principal=municipality:0301 resource=district:030101" in line
    assert written[1].split(" ", 1)[1].startswith("DENY action=submit principal=anonymous")
    assert "01017012345" not in "\n".join(written)
    assert "01017012345" not in caplog.text
    assert len(written) == 2
