"""Settings of an agent that sends to a server: the URL, the token, the spool."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from itsm.diagnostics.config import DiagnosticsSettings, server_base_url


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("http://itsm.example.org", "http://itsm.example.org"),
        ("https://itsm.example.org/", "https://itsm.example.org"),
        ("https://itsm.example.org:8443/api/v1/", "https://itsm.example.org:8443"),
        ("https://proxy.example.org/itsm/api/v1", "https://proxy.example.org/itsm"),
        ("  http://[::1]:8000  ", "http://[::1]:8000"),
    ],
)
def test_server_urls_are_reduced_to_their_base(given: str, base: str) -> None:
    assert server_base_url(given) == base


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("itsm.example.org", "expected http(s)://host"),
        ("ftp://itsm.example.org", "expected http(s)://host"),
        ("https://agent:secret@itsm.example.org", "give the token separately"),
        ("https://itsm.example.org/?token=x", "no query or fragment"),
        ("https://itsm.example.org:99999", "bad port"),
    ],
)
def test_bad_server_urls_say_why(given: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        server_base_url(given)


def test_remote_settings_defaults_and_secrets() -> None:
    default = DiagnosticsSettings()
    assert default.server is None
    assert default.spool.max_reports == 10_000
    cfg = DiagnosticsSettings.model_validate(
        {
            "server": "https://itsm.example.org/api/v1",
            "token": "itsm_abc",
            "spool": {"max_reports": 5},
        }
    )
    assert cfg.server == "https://itsm.example.org"
    assert cfg.token is not None
    assert cfg.token.get_secret_value() == "itsm_abc"
    assert "itsm_abc" not in repr(cfg)  # a secret never shows in logs or tracebacks
    assert DiagnosticsSettings(server="  ").server is None
    with pytest.raises(ValidationError, match="max_reports"):
        DiagnosticsSettings.model_validate({"spool": {"max_reports": 0}})
