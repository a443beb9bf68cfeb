"""Interface state, error/drop rates and reachability rules."""

from __future__ import annotations

import pytest

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.findings import Finding
from itsm.diagnostics.rules import Check, Severity, evaluate
from tests.unit.diagnostics.diag_builders import interface, network, only, reach, snapshot

SETTINGS = DiagnosticsSettings()


def judge(data: dict[str, object], settings: DiagnosticsSettings = SETTINGS) -> list[Finding]:
    return evaluate(snapshot(network=data), settings)


def test_running_interface_is_healthy() -> None:
    finding = only(judge(network()), Check.NETWORK_INTERFACE, "eth0")
    assert finding.severity is Severity.HEALTHY
    assert finding.message == "eth0 is up"


def test_enabled_physical_interface_without_carrier_is_a_warning() -> None:
    data = network({"eth0": interface(), "eth1": interface(running=False)})
    finding = only(judge(data), Check.NETWORK_INTERFACE, "eth1")
    assert finding.severity is Severity.WARNING
    assert "no carrier" in finding.message


def test_unknown_admin_state_without_carrier_is_a_warning() -> None:
    data = network({"eth0": interface(), "em1": interface(running=False, admin_up=None)})
    assert only(judge(data), Check.NETWORK_INTERFACE, "em1").severity is Severity.WARNING


def test_administratively_down_interface_is_healthy() -> None:
    data = network({"eth0": interface(), "eth1": interface(running=False, admin_up=False)})
    finding = only(judge(data), Check.NETWORK_INTERFACE, "eth1")
    assert finding.severity is Severity.HEALTHY
    assert "administratively down" in finding.message


def test_virtual_interface_without_carrier_is_healthy() -> None:
    data = network({"eth0": interface(), "br0": interface(running=False, virtual=True)})
    finding = only(judge(data), Check.NETWORK_INTERFACE, "br0")
    assert finding.severity is Severity.HEALTHY


def test_loopback_and_ignored_interfaces_are_not_judged() -> None:
    data = network(
        {
            "eth0": interface(),
            "lo": interface(loopback=True, virtual=True),
            "docker0": interface(running=False, virtual=None, errors=1e6),
            "veth12ab": interface(running=False),
        }
    )
    subjects = {f.subject for f in judge(data)}
    assert subjects == {"eth0"}


def test_custom_ignore_patterns_replace_the_defaults() -> None:
    settings = DiagnosticsSettings.model_validate({"network": {"ignore_interfaces": ["wl*"]}})
    data = network({"eth0": interface(), "wlan0": interface(running=False)})
    assert {f.subject for f in judge(data, settings)} == {"eth0"}


def test_no_interface_up_is_critical() -> None:
    data = network(
        {
            "eth0": interface(running=False, admin_up=False),
            "eth1": interface(running=False, virtual=True),
            "lo": interface(loopback=True),
        }
    )
    finding = only(judge(data), Check.NETWORK_INTERFACE, "*")
    assert finding.severity is Severity.CRITICAL
    assert "eth0, eth1" in finding.message


def test_host_with_only_loopback_gets_no_all_down_finding() -> None:
    data = network({"lo": interface(loopback=True)})
    assert judge(data) == []


@pytest.mark.parametrize(
    ("errors", "severity", "threshold"),
    [
        (0.0, Severity.HEALTHY, 1.0),
        (0.99, Severity.HEALTHY, 1.0),
        (1.0, Severity.WARNING, 1.0),
        (9.99, Severity.WARNING, 1.0),
        (10.0, Severity.CRITICAL, 10.0),
    ],
)
def test_error_rate(errors: float, severity: Severity, threshold: float) -> None:
    finding = only(judge(network({"eth0": interface(errors=errors)})), Check.NETWORK_ERRORS)
    assert (finding.severity, finding.threshold, finding.unit) == (severity, threshold, "errors/s")
    assert finding.subject == "eth0"


@pytest.mark.parametrize(
    ("drops", "severity"),
    [(9.99, Severity.HEALTHY), (10.0, Severity.WARNING), (100.0, Severity.CRITICAL)],
)
def test_drop_rate(drops: float, severity: Severity) -> None:
    finding = only(judge(network({"eth0": interface(drops=drops)})), Check.NETWORK_ERRORS)
    assert finding.severity is severity


def test_the_worse_of_errors_and_drops_speaks() -> None:
    data = network({"eth0": interface(errors=2.0, drops=500.0)})
    finding = only(judge(data), Check.NETWORK_ERRORS)
    assert (finding.severity, finding.value, finding.unit) == (
        Severity.CRITICAL,
        500.0,
        "drops/s",
    )


def test_errors_win_a_tie() -> None:
    finding = only(judge(network({"eth0": interface(errors=0, drops=0)})), Check.NETWORK_ERRORS)
    assert finding.unit == "errors/s"


def test_missing_rates_give_no_error_finding() -> None:
    data = network({"eth0": interface(errors=None, drops=None)})
    assert Check.NETWORK_ERRORS not in {f.check for f in judge(data)}


def test_reachable_target_is_healthy_with_latency() -> None:
    finding = only(judge(network(reachability=[reach("db:5432", ok=True)])), Check.NETWORK_REACH)
    assert finding.subject == "tcp:db:5432"
    assert (finding.severity, finding.value, finding.unit) == (Severity.HEALTHY, 1.5, "ms")
    assert finding.threshold is None


def test_unreachable_target_is_critical_by_default() -> None:
    data = network(
        reachability=[reach("db:5432", ok=False), reach("intranet", ok=True, kind="dns")]
    )
    findings = judge(data)
    failed = only(findings, Check.NETWORK_REACH, "tcp:db:5432")
    assert failed.severity is Severity.CRITICAL
    assert failed.message == "tcp:db:5432 unreachable: connection refused"
    assert only(findings, Check.NETWORK_REACH, "dns:intranet").severity is Severity.HEALTHY


def test_unreachable_severity_is_configurable() -> None:
    settings = DiagnosticsSettings.model_validate({"reachability": {"failure_severity": "warning"}})
    data = network(reachability=[reach("db:5432", ok=False)])
    assert only(judge(data, settings), Check.NETWORK_REACH).severity is Severity.WARNING
