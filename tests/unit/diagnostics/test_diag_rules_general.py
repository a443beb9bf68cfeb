"""evaluate() as a whole: unknown probes, disabled checks, overall severity, helpers."""

from __future__ import annotations

import pytest

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.rules import (
    Check,
    Finding,
    Severity,
    clears,
    evaluate,
    exit_code_for,
    overall_severity,
    ticket_fields_for,
)
from tests.unit.diagnostics.diag_builders import cpu, disk, filesystem, memory, network, snapshot

SETTINGS = DiagnosticsSettings()


def finding(check: Check, severity: Severity, subject: str = "x") -> Finding:
    return Finding(check=check, subject=subject, severity=severity, message="m")


def test_a_failed_probe_is_one_unknown_finding() -> None:
    snap = snapshot(
        cpu={"status": "unknown", "reason": "RuntimeError: boom"},
        memory=memory(),
    )
    findings = evaluate(snap, SETTINGS)
    probe = [f for f in findings if f.check is Check.PROBE]
    assert probe == [
        Finding(
            check=Check.PROBE,
            subject="cpu",
            severity=Severity.UNKNOWN,
            message="cpu probe failed: RuntimeError: boom",
        )
    ]
    assert {f.check for f in findings} == {Check.PROBE, Check.MEMORY_AVAILABLE, Check.MEMORY_SWAP}
    assert overall_severity(findings) is Severity.UNKNOWN
    assert exit_code_for(overall_severity(findings)) == 3


def test_unknown_probe_without_reason_still_says_so() -> None:
    findings = evaluate(snapshot(disk={"status": "unknown"}), SETTINGS)
    assert findings[0].message == "disk probe failed: no reason given"


def test_unavailable_probe_yields_nothing() -> None:
    snap = snapshot(temperature={"status": "unavailable", "reason": "no sensor"})
    assert evaluate(snap, SETTINGS) == []


def test_probe_without_rules_yields_nothing() -> None:
    snap = snapshot(system={"status": "ok", "hostname": "h"}, extra={"status": "ok"})
    assert evaluate(snap, SETTINGS) == []


@pytest.mark.parametrize(
    "broken",
    [
        {"status": "ok"},
        {"status": "ok", "filesystems": [{"mountpoint": "/"}]},
        {"status": "ok", "filesystems": "not a list of dicts"},
    ],
)
def test_malformed_probe_data_is_unknown_not_an_exception(broken: dict[str, object]) -> None:
    findings = evaluate(snapshot(disk=broken, memory=memory()), SETTINGS)
    probe = [f for f in findings if f.check is Check.PROBE]
    assert len(probe) == 1
    assert probe[0].subject == "disk"
    assert probe[0].severity is Severity.UNKNOWN
    assert "disk data cannot be judged" in probe[0].message
    assert any(f.check is Check.MEMORY_AVAILABLE for f in findings)


def test_disabled_checks_are_dropped_but_siblings_stay() -> None:
    settings = DiagnosticsSettings(disabled_checks=frozenset({Check.CPU_LOAD, Check.DISK_INODES}))
    snap = snapshot(cpu=cpu(load5_per_cpu=50), disk=disk(filesystem(inodes_percent=100)))
    checks = {f.check for f in evaluate(snap, settings)}
    assert checks == {Check.CPU_UTILISATION, Check.DISK_USAGE, Check.DISK_READONLY}


def test_findings_follow_probe_order() -> None:
    snap = snapshot(memory=memory(), cpu=cpu(), network=network())
    prefixes = [f.check.value.split(".")[0] for f in evaluate(snap, SETTINGS)]
    assert prefixes == ["memory", "memory", "cpu", "cpu", "network", "network"]


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ([], Severity.HEALTHY),
        ([Severity.HEALTHY], Severity.HEALTHY),
        ([Severity.HEALTHY, Severity.UNKNOWN], Severity.UNKNOWN),
        ([Severity.UNKNOWN, Severity.WARNING, Severity.HEALTHY], Severity.WARNING),
        ([Severity.WARNING, Severity.CRITICAL, Severity.UNKNOWN], Severity.CRITICAL),
    ],
)
def test_overall_severity(severities: list[Severity], expected: Severity) -> None:
    findings = [finding(Check.CPU_LOAD, s, str(i)) for i, s in enumerate(severities)]
    assert overall_severity(findings) is expected


@pytest.mark.parametrize(
    ("value", "threshold", "ratio", "expected"),
    [
        (80.0, 90.0, 0.9, True),
        (80.99, 90.0, 0.9, True),
        (81.0, 90.0, 0.9, False),  # exactly threshold * ratio: not yet
        (85.0, 90.0, 0.9, False),
        (89.0, 90.0, 1.0, True),
        (90.0, 90.0, 1.0, False),
        (None, 90.0, 0.9, True),
        (99.0, None, 0.9, True),
    ],
)
def test_clears(value: float | None, threshold: float | None, ratio: float, expected: bool) -> None:
    assert clears(value, threshold, ratio) is expected


@pytest.mark.parametrize(
    ("check", "category"),
    [
        (Check.CPU_UTILISATION, "hardware"),
        (Check.CPU_LOAD, "hardware"),
        (Check.MEMORY_AVAILABLE, "hardware"),
        (Check.MEMORY_SWAP, "hardware"),
        (Check.DISK_USAGE, "hardware"),
        (Check.DISK_INODES, "hardware"),
        (Check.DISK_READONLY, "hardware"),
        (Check.TEMPERATURE, "hardware"),
        (Check.NETWORK_INTERFACE, "network"),
        (Check.NETWORK_ERRORS, "network"),
        (Check.NETWORK_REACH, "network"),
        (Check.PROBE, "software"),
    ],
)
def test_ticket_category(check: Check, category: str) -> None:
    assert ticket_fields_for(finding(check, Severity.WARNING))[0] == category


@pytest.mark.parametrize(
    ("severity", "priority"),
    [(Severity.CRITICAL, "critical"), (Severity.WARNING, "high"), (Severity.UNKNOWN, "medium")],
)
def test_ticket_priority(severity: Severity, priority: str) -> None:
    assert ticket_fields_for(finding(Check.DISK_USAGE, severity)) == ("hardware", priority)


def test_healthy_finding_opens_no_ticket() -> None:
    with pytest.raises(ValueError, match="opens no ticket"):
        ticket_fields_for(finding(Check.DISK_USAGE, Severity.HEALTHY))


def test_findings_are_frozen_and_keyed() -> None:
    f = finding(Check.DISK_USAGE, Severity.WARNING, "/var")
    assert f.key == (Check.DISK_USAGE, "/var")
    with pytest.raises(ValueError, match="frozen"):
        f.severity = Severity.HEALTHY  # type: ignore[misc]
