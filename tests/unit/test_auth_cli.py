"""`sosialpuls token`: tokens signed with the stack's key verify with its public key."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.auth.tokens import TokenVerifier
from services.cli.main import main


def run_token(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(["token", *args]) == 0
    return capsys.readouterr().out.strip()


def test_unit_and_role_tokens_verify_with_the_public_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unit_token = run_token(capsys, "--unit", "district:030101", "--home", str(tmp_path))
    role_token = run_token(capsys, "--role", "directorate", "--ttl", "5m", "--home", str(tmp_path))
    verifier = TokenVerifier.from_file(tmp_path / "keys" / "public.pem")
    unit = verifier.verify(unit_token, "reports:write")
    assert unit.identity == "district:030101"
    role = verifier.verify(role_token, "reports:read")
    assert role.role == "directorate"
    assert not role.has_scope("reports:write")


def test_home_comes_from_the_environment_and_the_key_is_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOSIALPULS_HOME", str(tmp_path))
    first = run_token(capsys, "--unit", "nav_office:0315")
    key = (tmp_path / "keys" / "private.pem").read_bytes()
    second = run_token(capsys, "--unit", "nav_office:0315", "--scope", "reports:read")
    assert (tmp_path / "keys" / "private.pem").read_bytes() == key
    verifier = TokenVerifier.from_file(tmp_path / "keys" / "public.pem")
    assert verifier.verify(first).has_scope("reports:write")
    assert not verifier.verify(second).has_scope("reports:write")


@pytest.mark.parametrize(
    "args",
    [
        ["--unit", "municipality:301"],
        ["--role", "admin"],
        ["--unit", "municipality:0301", "--role", "ssb"],
        ["--unit", "municipality:0301", "--ttl", "soon"],
        [],
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, args: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["token", *args, "--home", str(tmp_path)])
    assert exited.value.code == 2


def test_auth_settings_find_the_stack_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.auth.config import AuthSettings

    for name in ("SOSIALPULS_KEYS_DIR", "SOSIALPULS_JWT_PUBLIC_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SOSIALPULS_HOME", str(tmp_path))
    token = run_token(capsys, "--role", "ssb")
    settings = AuthSettings()
    assert settings.verifier().verify(token, "reports:read").role == "ssb"
    assert settings.audit_log().path == tmp_path / "logs" / "audit.log"
    monkeypatch.setenv("SOSIALPULS_KEYS_DIR", str(tmp_path / "elsewhere"))
    assert AuthSettings().public_key_path == tmp_path / "elsewhere" / "public.pem"
