"""Report schema round-trip, atomic writes, reading back and pruning, in tmp_path."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.errors import (
    DiagnosticsError,
    InvalidReport,
    ReportDirectoryNotWritable,
    ReportNotFound,
)
from itsm.diagnostics.report import (
    SCHEMA_VERSION,
    Report,
    build_report,
    parse_report,
    prune_reports,
    read_report,
    report_filename,
    write_report,
)
from itsm.diagnostics.rules import Severity, evaluate
from itsm.errors import ItsmError
from tests.unit.diagnostics.diag_builders import AT, cpu, disk, filesystem, memory, snapshot

SYSTEM: dict[str, Any] = {
    "status": "ok",
    "hostname": "web-01",
    "fqdn": "web-01.example.org",
    "os": "Debian GNU/Linux 12 (bookworm)",
    "kernel": "6.1.0-18-amd64",
    "architecture": "x86_64",
    "machine_id": "3d1219c7c4c5404aaa1f6d2a48adfda4",
    "dmi": {
        "product_uuid": "4c4c4544-0042-3510-8052-b4c04f4d4e31",
        "product_serial": "B5RM4N1",
        "sys_vendor": "Dell Inc.",
        "product_name": "PowerEdge R640",
    },
}


def make_report(**probes: dict[str, Any]) -> Report:
    probes = probes or {
        "system": SYSTEM,
        "cpu": cpu(),
        "memory": memory(),
        "disk": disk(filesystem(used_percent=99.0, free=1024**3)),
    }
    snap = snapshot(**probes)
    return build_report(snap, evaluate(snap, DiagnosticsSettings()))


def test_build_report_carries_identity_severity_checks_and_raw_probes() -> None:
    report = make_report()
    assert report.schema_version == SCHEMA_VERSION == 1
    assert report.report_id != make_report().report_id  # one id per run
    assert report.host.hostname == "web-01"
    assert report.host.machine_id == "3d1219c7c4c5404aaa1f6d2a48adfda4"
    assert report.host.product_uuid == "4c4c4544-0042-3510-8052-b4c04f4d4e31"
    assert report.host.serial == "B5RM4N1"
    assert (report.host.vendor, report.host.model) == ("Dell Inc.", "PowerEdge R640")
    assert report.collected_at == AT
    assert report.duration_seconds == 1.02
    assert report.severity is Severity.CRITICAL
    assert any(c.subject == "/" and c.severity is Severity.CRITICAL for c in report.checks)
    assert report.probes["cpu"]["utilisation_percent"] == 10.0


def test_identity_falls_back_to_the_node_name_when_the_system_probe_failed() -> None:
    report = make_report(system={"status": "unknown", "reason": "x"}, memory=memory())
    assert report.host.hostname == (platform.node() or "unknown")
    assert report.host.machine_id is None
    assert report.severity is Severity.UNKNOWN


def test_json_round_trip_is_lossless() -> None:
    report = make_report()
    text = report.model_dump_json()
    assert parse_report(text) == report
    data = json.loads(text)
    assert data["schema_version"] == 1
    assert data["report_id"] == str(report.report_id)
    assert data["collected_at"] == "2025-03-04T05:06:07Z"
    assert data["severity"] == "critical"
    assert {"check", "subject", "severity", "value", "threshold", "unit", "message"} == set(
        data["checks"][0]
    )


def test_collected_at_is_normalised_to_utc_and_must_be_aware() -> None:
    report = make_report()
    paris = datetime(2025, 3, 4, 6, 6, 7, tzinfo=timezone(timedelta(hours=1)))
    moved = Report.model_validate({**report.model_dump(), "collected_at": paris})
    assert moved.collected_at == AT
    assert moved.collected_at.tzinfo == UTC
    with pytest.raises(ValidationError):
        Report.model_validate({**report.model_dump(), "collected_at": datetime(2025, 3, 4)})


def test_filename_is_timestamped_and_safe() -> None:
    assert report_filename(make_report()) == "diag-web-01-20250304T050607Z.json"
    odd = make_report(system={**SYSTEM, "hostname": "../évil host/x"})
    assert report_filename(odd) == "diag-__vil_host_x-20250304T050607Z.json"
    dots = make_report(system={**SYSTEM, "hostname": ".."})
    assert report_filename(dots) == "diag-unknown-20250304T050607Z.json"


def test_write_report_creates_the_directory_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "reports"
    report = make_report()
    path = write_report(report, target)
    assert path == target / "diag-web-01-20250304T050607Z.json"
    assert [p.name for p in target.iterdir()] == [path.name]
    assert read_report(path) == report


def test_two_reports_in_the_same_second_do_not_overwrite(tmp_path: Path) -> None:
    first = write_report(make_report(), tmp_path)
    second = write_report(make_report(), tmp_path)
    third = write_report(make_report(), tmp_path)
    assert [first.name, second.name, third.name] == [
        "diag-web-01-20250304T050607Z.json",
        "diag-web-01-20250304T050607Z-1.json",
        "diag-web-01-20250304T050607Z-2.json",
    ]


def test_unwritable_directory_is_a_domain_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(ReportDirectoryNotWritable) as exc:
        write_report(make_report(), blocker / "reports")
    assert isinstance(exc.value, DiagnosticsError)
    assert isinstance(exc.value, ItsmError)
    assert exc.value.message.startswith(f"cannot write diagnostics reports to {blocker}/reports")
    assert "\n" not in exc.value.message


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores modes")
def test_read_only_directory_is_a_domain_error(tmp_path: Path) -> None:
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(ReportDirectoryNotWritable, match="Permission denied"):
            write_report(make_report(), tmp_path)
    finally:
        tmp_path.chmod(0o700)


def test_read_report_errors(tmp_path: Path) -> None:
    with pytest.raises(ReportNotFound, match="does not exist"):
        read_report(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InvalidReport, match="not JSON"):
        read_report(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(InvalidReport, match="not a JSON object"):
        read_report(bad)
    future = {**json.loads(make_report().model_dump_json()), "schema_version": 2}
    bad.write_text(json.dumps(future))
    with pytest.raises(InvalidReport, match="schema_version 2 is not supported"):
        read_report(bad)
    broken = {**json.loads(make_report().model_dump_json()), "severity": "fine"}
    bad.write_text(json.dumps(broken))
    with pytest.raises(InvalidReport, match="severity:"):
        read_report(bad)


def _touch(directory: Path, name: str, age: timedelta | None = None) -> Path:
    path = directory / name
    path.write_text("{}")
    if age is not None:
        stamp = (datetime.now(UTC) - age).timestamp()
        os.utime(path, (stamp, stamp))
    return path


def test_prune_deletes_only_expired_reports_it_wrote(tmp_path: Path) -> None:
    now = datetime(2025, 3, 31, 12, 0, 0, tzinfo=UTC)
    old = _touch(tmp_path, "diag-web-01-20250228T120000Z.json")
    old_suffixed = _touch(tmp_path, "diag-web-01-20250228T120000Z-1.json")
    just_kept = _touch(tmp_path, "diag-web-01-20250301T120000Z.json")  # exactly 30 days
    recent = _touch(tmp_path, "diag-web-01-20250330T000000Z.json")
    foreign = _touch(tmp_path, "notes-20200101T000000Z.json")
    not_a_date = _touch(tmp_path, "diag-web-01-20251399T000000Z.json")
    stale_temp = _touch(tmp_path, ".diag-web-01-20250330T000000Z.abc.tmp", timedelta(hours=2))
    fresh_temp = _touch(tmp_path, ".diag-web-01-20250331T000000Z.def.tmp", timedelta(0))
    (tmp_path / "diag-dir-20200101T000000Z.json").mkdir()

    removed = prune_reports(tmp_path, 30, now=now)
    assert sorted(removed) == sorted([old, old_suffixed, stale_temp])
    for kept in (just_kept, recent, foreign, not_a_date, fresh_temp):
        assert kept.exists()


def test_prune_of_a_missing_directory_is_empty(tmp_path: Path) -> None:
    assert prune_reports(tmp_path / "nothing", 30) == []


def test_prune_rejects_a_non_positive_retention(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        prune_reports(tmp_path, 0)


def test_written_then_pruned(tmp_path: Path) -> None:
    path = write_report(make_report(), tmp_path)
    assert prune_reports(tmp_path, 30, now=AT + timedelta(days=29)) == []
    assert prune_reports(tmp_path, 30, now=AT + timedelta(days=31)) == [path]
