"""Disk space (with its free-space floor), inodes and read-only mounts."""

from __future__ import annotations

import pytest

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.rules import Check, Severity, evaluate
from tests.unit.diagnostics.diag_builders import GIB, TIB, disk, filesystem, only, snapshot

SETTINGS = DiagnosticsSettings()


def usage(
    percent: float, free: int, settings: DiagnosticsSettings = SETTINGS, mount: str = "/"
) -> tuple[Severity, float | None, str]:
    data = disk(filesystem(mount, used_percent=percent, free=free))
    finding = only(evaluate(snapshot(disk=data), settings), Check.DISK_USAGE, mount)
    assert finding.value == percent
    return finding.severity, finding.threshold, finding.message


def test_large_disk_at_96_percent_with_150_gb_free_is_not_critical() -> None:
    severity, threshold, message = usage(96.0, 150 * 10**9)
    assert severity is Severity.HEALTHY
    assert threshold is None  # spared by the floor: hysteresis must not hold it open
    assert "not below the 50.0 GiB free-space floor" in message


def test_the_same_4_tb_disk_is_critical_by_percentage_alone_without_floors() -> None:
    no_floors = DiagnosticsSettings.model_validate(
        {"disk": {"warning_min_free_bytes": None, "critical_min_free_bytes": None}}
    )
    severity, threshold, message = usage(96.0, 150 * 10**9, no_floors)
    assert (severity, threshold) == (Severity.CRITICAL, 95.0)
    assert "with less than" not in message


def test_small_disk_at_96_percent_is_critical() -> None:
    severity, threshold, message = usage(96.0, 4 * GIB)
    assert (severity, threshold) == (Severity.CRITICAL, 95.0)
    assert "critical at 95.0% with less than 10.0 GiB free" in message


def test_critical_floor_is_strict() -> None:
    assert usage(95.0, 10 * GIB - 1)[0] is Severity.CRITICAL
    # exactly at the critical floor: not critical, but under the warning floor
    assert usage(95.0, 10 * GIB)[:2] == (Severity.WARNING, 90.0)


def test_warning_floor_is_strict() -> None:
    assert usage(91.0, 50 * GIB - 1)[0] is Severity.WARNING
    assert usage(91.0, 50 * GIB)[:2] == (Severity.HEALTHY, None)


def test_one_tb_disk_at_96_percent_is_a_warning() -> None:
    severity, threshold, message = usage(96.0, int(0.04 * TIB))
    assert (severity, threshold) == (Severity.WARNING, 90.0)
    assert "warning at 90.0% with less than 50.0 GiB free" in message


@pytest.mark.parametrize(
    ("percent", "severity", "threshold"),
    [
        (89.99, Severity.HEALTHY, 90.0),
        (90.0, Severity.WARNING, 90.0),
        (94.99, Severity.WARNING, 90.0),
        (95.0, Severity.CRITICAL, 95.0),
        (100.0, Severity.CRITICAL, 95.0),
    ],
)
def test_percent_boundaries_on_a_nearly_full_small_disk(
    percent: float, severity: Severity, threshold: float
) -> None:
    assert usage(percent, 1 * GIB)[:2] == (severity, threshold)


@pytest.mark.parametrize(
    ("percent", "severity"),
    [
        (89.99, Severity.HEALTHY),
        (90.0, Severity.WARNING),
        (95.0, Severity.CRITICAL),
        (100.0, Severity.CRITICAL),
    ],
)
def test_inodes(percent: float, severity: Severity) -> None:
    data = disk(filesystem("/var", inodes_percent=percent))
    finding = only(evaluate(snapshot(disk=data), SETTINGS), Check.DISK_INODES, "/var")
    assert finding.severity is severity


def test_inode_exhaustion_is_critical_even_with_free_space() -> None:
    data = disk(filesystem("/srv", used_percent=20.0, free=400 * GIB, inodes_percent=100.0))
    findings = evaluate(snapshot(disk=data), SETTINGS)
    assert only(findings, Check.DISK_USAGE, "/srv").severity is Severity.HEALTHY
    inodes = only(findings, Check.DISK_INODES, "/srv")
    assert inodes.severity is Severity.CRITICAL
    assert "inodes in use 100.0%" in inodes.message


def test_filesystem_without_inode_table_has_no_inode_finding() -> None:
    data = disk(filesystem("/data", inodes_percent=None))
    findings = evaluate(snapshot(disk=data), SETTINGS)
    assert Check.DISK_INODES not in {f.check for f in findings}


def test_filesystem_without_capacity_has_no_usage_finding() -> None:
    data = disk(filesystem("/weird", used_percent=None))
    findings = evaluate(snapshot(disk=data), SETTINGS)
    assert Check.DISK_USAGE not in {f.check for f in findings}


def test_read_only_mount_is_critical() -> None:
    findings = evaluate(snapshot(disk=disk(filesystem("/home", readonly=True))), SETTINGS)
    finding = only(findings, Check.DISK_READONLY, "/home")
    assert finding.severity is Severity.CRITICAL
    assert "read-only" in finding.message


def test_read_only_mount_can_be_expected() -> None:
    settings = DiagnosticsSettings.model_validate({"disk": {"readonly_ok": ["/"]}})
    findings = evaluate(snapshot(disk=disk(filesystem("/", readonly=True))), settings)
    finding = only(findings, Check.DISK_READONLY, "/")
    assert finding.severity is Severity.HEALTHY
    assert "as configured" in finding.message


def test_writable_mount_is_healthy() -> None:
    findings = evaluate(snapshot(disk=disk(filesystem("/"))), SETTINGS)
    assert only(findings, Check.DISK_READONLY, "/").severity is Severity.HEALTHY


def test_unmeasurable_mount_is_unknown_and_others_still_judged() -> None:
    stuck = {
        "mountpoint": "/mnt/nfs",
        "device": "srv:/export",
        "fstype": "nfs4",
        "status": "unknown",
        "reason": "statvfs timed out after 5s",
    }
    findings = evaluate(snapshot(disk=disk(filesystem("/"), stuck)), SETTINGS)
    nfs = only(findings, Check.DISK_USAGE, "/mnt/nfs")
    assert nfs.severity is Severity.UNKNOWN
    assert "statvfs timed out" in nfs.message
    assert only(findings, Check.DISK_USAGE, "/").severity is Severity.HEALTHY


def test_each_mount_is_its_own_subject() -> None:
    data = disk(filesystem("/", used_percent=50), filesystem("/var", used_percent=99.0, free=GIB))
    findings = evaluate(snapshot(disk=data), SETTINGS)
    assert {f.subject: f.severity for f in findings if f.check is Check.DISK_USAGE} == {
        "/": Severity.HEALTHY,
        "/var": Severity.CRITICAL,
    }
