from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from itsm.diagnostics.config import (
    GIB,
    MAX_REACH_TARGETS,
    DiagnosticsSettings,
    ReachabilitySettings,
    parse_tcp_target,
)
from itsm.diagnostics.findings import DISABLEABLE_CHECKS, Check


def error_text(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return str(exc.value)


def test_defaults_match_the_documented_thresholds() -> None:
    s = DiagnosticsSettings()
    assert (s.memory.warning, s.memory.critical) == (85, 95)
    assert (s.disk.warning, s.disk.critical) == (90, 95)
    assert s.disk.critical_min_free_bytes == 10 * GIB
    assert (s.temperature.warning, s.temperature.critical) == (75, 85)
    assert s.sample_window_seconds == 1.0
    assert s.persist_samples == 3
    assert 0 < s.clear_ratio <= 1
    assert s.disabled_checks == frozenset()
    assert s.reports_dir is None
    assert s.reachability.tcp == []
    assert s.reachability.dns == []


@pytest.mark.parametrize(
    "section", ["cpu", "load", "memory", "swap", "disk", "inodes", "temperature"]
)
def test_warning_above_critical_is_rejected(section: str) -> None:
    with pytest.raises(ValidationError) as exc:
        DiagnosticsSettings.model_validate({section: {"warning": 60, "critical": 50}})
    assert "warning (60) must not exceed critical (50)" in error_text(exc)
    assert section in error_text(exc)


def test_warning_equal_to_critical_is_allowed() -> None:
    s = DiagnosticsSettings.model_validate({"memory": {"warning": 90, "critical": 90}})
    assert s.memory.warning == s.memory.critical == 90


def test_overriding_one_value_keeps_the_other_default() -> None:
    s = DiagnosticsSettings.model_validate({"disk": {"warning": 80}})
    assert (s.disk.warning, s.disk.critical) == (80, 95)


@pytest.mark.parametrize("value", [-0.1, 100.1])
def test_percentages_must_be_within_0_and_100(value: float) -> None:
    with pytest.raises(ValidationError) as exc:
        DiagnosticsSettings.model_validate({"memory": {"critical": value}})
    assert "memory.critical" in error_text(exc)


@pytest.mark.parametrize("value", [0, 100])
def test_percentage_bounds_are_inclusive(value: float) -> None:
    s = DiagnosticsSettings.model_validate({"cpu": {"warning": 0, "critical": value}})
    assert s.cpu.critical == value


def test_disk_free_floors_must_be_ordered() -> None:
    with pytest.raises(ValidationError) as exc:
        DiagnosticsSettings.model_validate(
            {"disk": {"warning_min_free_bytes": GIB, "critical_min_free_bytes": 2 * GIB}}
        )
    assert "warning_min_free_bytes" in error_text(exc)


def test_disk_free_floors_are_both_set_or_both_null() -> None:
    with pytest.raises(ValidationError) as exc:
        DiagnosticsSettings.model_validate({"disk": {"warning_min_free_bytes": None}})
    assert "both be set or both be null" in error_text(exc)
    s = DiagnosticsSettings.model_validate(
        {"disk": {"warning_min_free_bytes": None, "critical_min_free_bytes": None}}
    )
    assert s.disk.critical_min_free_bytes is None


def test_network_rates_must_be_ordered() -> None:
    with pytest.raises(ValidationError) as exc:
        DiagnosticsSettings.model_validate(
            {"network": {"drop_rate_warning": 5, "drop_rate_critical": 1}}
        )
    assert "drop_rate_warning (5) must not exceed drop_rate_critical (1)" in error_text(exc)


def test_temperature_range_is_physical() -> None:
    with pytest.raises(ValidationError):
        DiagnosticsSettings.model_validate({"temperature": {"critical": 500}})


def test_unknown_disabled_check_lists_the_valid_names() -> None:
    with pytest.raises(ValidationError) as exc:
        DiagnosticsSettings.model_validate({"disabled_checks": ["cpu.load", "disk.usgae"]})
    text = error_text(exc)
    assert "unknown check name: disk.usgae" in text
    for check in DISABLEABLE_CHECKS:
        assert check.value in text


def test_probe_failures_cannot_be_disabled() -> None:
    with pytest.raises(ValidationError) as exc:
        DiagnosticsSettings.model_validate({"disabled_checks": ["probe"]})
    assert "unknown check name: probe" in error_text(exc)


def test_disabled_checks_accept_a_comma_separated_string() -> None:
    s = DiagnosticsSettings.model_validate({"disabled_checks": " temperature, cpu.load ,"})
    assert s.disabled_checks == {Check.TEMPERATURE, Check.CPU_LOAD}
    assert not s.enabled(Check.TEMPERATURE)
    assert s.enabled(Check.CPU_UTILISATION)


def test_disabled_checks_reject_a_non_collection() -> None:
    with pytest.raises(ValidationError):
        DiagnosticsSettings.model_validate({"disabled_checks": 3})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("clear_ratio", 0),
        ("clear_ratio", 1.01),
        ("persist_samples", 0),
        ("sample_window_seconds", 0.05),
        ("sample_window_seconds", 61),
        ("retention_days", 0),
        ("top_processes", -1),
    ],
)
def test_out_of_range_knobs_are_rejected(field: str, value: float) -> None:
    with pytest.raises(ValidationError) as exc:
        DiagnosticsSettings.model_validate({field: value})
    assert field in error_text(exc)


def test_clear_ratio_of_one_is_allowed() -> None:
    assert DiagnosticsSettings(clear_ratio=1).clear_ratio == 1


def test_ticket_policy_defaults_and_validation() -> None:
    policy = DiagnosticsSettings().tickets
    assert (policy.comment_interval_seconds, policy.on_recovery, policy.agent_username) == (
        3600,
        "resolve",
        "itsm-agent",
    )
    with pytest.raises(ValidationError) as exc:
        DiagnosticsSettings.model_validate({"tickets": {"on_recovery": "delete"}})
    assert "tickets.on_recovery" in error_text(exc)


def test_misspelt_keys_are_rejected() -> None:
    with pytest.raises(ValidationError) as exc:
        DiagnosticsSettings.model_validate({"memroy": {"warning": 1}})
    assert "memroy" in error_text(exc)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("example.com:443", ("example.com", 443)),
        ("10.0.0.1:22", ("10.0.0.1", 22)),
        ("[::1]:8080", ("::1", 8080)),
        ("intranet_host.local:65535", ("intranet_host.local", 65535)),
        ("bücher.example:80", ("bücher.example", 80)),
        (" db:5432 ", ("db", 5432)),
    ],
)
def test_tcp_targets_parse(target: str, expected: tuple[str, int]) -> None:
    assert parse_tcp_target(target) == expected


@pytest.mark.parametrize(
    ("target", "complaint"),
    [
        ("example.com", "expected host:port"),
        (":80", "expected host:port"),
        ("host:0", "port must be 1..65535"),
        ("host:65536", "port must be 1..65535"),
        ("host:https", "port must be 1..65535"),
        ("::1:80", "write IPv6 as [address]:port"),
        ("[::1]80", "expected [ipv6]:port"),
        ("[db]:80", "is not IPv6"),
        ("bad host:80", "invalid host name"),
        ("-bad.example:80", "invalid host name"),
        ("a..b:80", "invalid host name"),
    ],
)
def test_malformed_tcp_targets_are_rejected(target: str, complaint: str) -> None:
    with pytest.raises(ValueError, match="invalid") as exc:
        parse_tcp_target(target)
    assert complaint in str(exc.value)
    with pytest.raises(ValidationError):
        ReachabilitySettings(tcp=[target])


@pytest.mark.parametrize("name", ["", "bad name", "x" * 64 + ".example", "under-.example"])
def test_malformed_dns_names_are_rejected(name: str) -> None:
    with pytest.raises(ValidationError) as exc:
        ReachabilitySettings(dns=[name])
    assert "invalid host name" in str(exc.value)


def test_reachability_target_count_is_bounded() -> None:
    with pytest.raises(ValidationError) as exc:
        ReachabilitySettings(dns=[f"h{i}.example" for i in range(MAX_REACH_TARGETS + 1)])
    assert f"at most {MAX_REACH_TARGETS}" in str(exc.value)


class _AppSettings(BaseSettings):
    """Stand-in for the application's Settings, which nests DiagnosticsSettings."""

    model_config = SettingsConfigDict(env_prefix="ITSM_", env_nested_delimiter="__")
    diagnostics: DiagnosticsSettings = Field(default_factory=DiagnosticsSettings)


def test_nests_in_pydantic_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ITSM_DIAGNOSTICS__DISK__WARNING", "80")
    monkeypatch.setenv("ITSM_DIAGNOSTICS__DISABLED_CHECKS", '["temperature"]')
    monkeypatch.setenv("ITSM_DIAGNOSTICS__REPORTS_DIR", "/var/lib/itsm/reports")
    settings = _AppSettings()
    assert settings.diagnostics.disk.warning == 80
    assert settings.diagnostics.disk.critical == 95
    assert settings.diagnostics.disabled_checks == {Check.TEMPERATURE}
    assert str(settings.diagnostics.reports_dir) == "/var/lib/itsm/reports"


def test_is_a_plain_base_model() -> None:
    assert issubclass(DiagnosticsSettings, BaseModel)
    assert not issubclass(DiagnosticsSettings, BaseSettings)
