"""Which server, token and spool a ``diag run``/``watch`` uses: its options over the settings."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from itsm.diagnostics.config import DiagnosticsSettings, SpoolSettings
from itsm.diagnostics.sending import agent_token, remote_target, spool_directory
from itsm.errors import ConfigError, InvalidInput

SERVER = "https://itsm.example.org"


def _token_file(tmp_path: Path, name: str, token: str) -> Path:
    path = tmp_path / name
    path.write_text(f"{token}\n", encoding="utf-8")
    return path


def test_the_run_s_token_wins_then_its_file_then_the_settings(tmp_path: Path) -> None:
    given_file = _token_file(tmp_path, "given", "itsm_from-option-file")
    set_file = _token_file(tmp_path, "set", "itsm_from-settings-file")
    full = DiagnosticsSettings(token=SecretStr(" itsm_from-settings "), token_file=set_file)
    assert agent_token(full, token=" itsm_given ", token_file=None) == "itsm_given"
    assert agent_token(full, token=None, token_file=given_file) == "itsm_from-option-file"
    assert agent_token(full, token=None, token_file=None) == "itsm_from-settings"
    only_file = DiagnosticsSettings(token_file=set_file)
    assert agent_token(only_file, token=None, token_file=None) == "itsm_from-settings-file"


def test_a_token_is_required_and_given_once(tmp_path: Path) -> None:
    given_file = _token_file(tmp_path, "given", "itsm_x")
    with pytest.raises(InvalidInput, match="give --token or --token-file, not both"):
        agent_token(DiagnosticsSettings(), token="itsm_y", token_file=given_file)
    with pytest.raises(ConfigError, match="--server needs an agent token"):
        agent_token(DiagnosticsSettings(), token=None, token_file=None)
    with pytest.raises(ConfigError, match="--server needs an agent token"):
        agent_token(DiagnosticsSettings(), token="  ", token_file=None)


def test_the_spool_is_the_run_s_then_the_settings_then_the_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "data"
    configured = DiagnosticsSettings(spool=SpoolSettings(directory=tmp_path / "set"))
    assert spool_directory(configured, given=tmp_path / "run", data_dir=data) == tmp_path / "run"
    assert spool_directory(configured, given=None, data_dir=data) == tmp_path / "set"
    assert spool_directory(DiagnosticsSettings(), given=None, data_dir=data) == data / "spool"


def test_a_server_given_wins_and_one_set_yields_to_local_only_runs() -> None:
    none, configured = DiagnosticsSettings(), DiagnosticsSettings(server=SERVER)
    given = "http://other:8000/api/v1/"
    assert remote_target(none, given, no_store=False, no_tickets=False) == "http://other:8000"
    assert remote_target(configured, None, no_store=False, no_tickets=False) == SERVER
    assert remote_target(configured, None, no_store=True, no_tickets=False) is None
    assert remote_target(none, None, no_store=False, no_tickets=True) is None
    with pytest.raises(InvalidInput, match="--server and --no-store contradict"):
        remote_target(none, given, no_store=True, no_tickets=False)
    with pytest.raises(InvalidInput, match="--no-tickets does not apply with --server"):
        remote_target(configured, None, no_store=False, no_tickets=True)
    with pytest.raises(InvalidInput, match="invalid server URL"):
        remote_target(none, "ftp://x", no_store=False, no_tickets=False)
