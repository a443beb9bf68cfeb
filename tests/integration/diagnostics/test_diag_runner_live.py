"""The runner on the real machine: one shared window, isolation of failing probes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from itsm.diagnostics.collect import collect_snapshot
from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.findings import Check
from itsm.diagnostics.probes import PROBES, Probe
from itsm.diagnostics.probes.window import SampleWindow
from itsm.diagnostics.report import build_report, read_report, write_report
from itsm.diagnostics.rules import Severity, evaluate, exit_code_for, overall_severity


def explode(settings: DiagnosticsSettings, *, window: SampleWindow | None = None) -> dict[str, Any]:
    raise RuntimeError("sensor driver crashed\nwith a two-line message")


def not_a_dict(settings: DiagnosticsSettings, *, window: SampleWindow | None = None) -> Any:
    return ["not", "a", "dict"]


def not_json(settings: DiagnosticsSettings, *, window: SampleWindow | None = None) -> Any:
    return {"status": "ok", "value": object()}


def test_full_run_takes_about_one_window_not_one_per_probe() -> None:
    settings = DiagnosticsSettings(sample_window_seconds=1.0, resolve_fqdn=False)
    snapshot = collect_snapshot(settings)
    assert list(snapshot.probes) == [p.name for p in PROBES]
    assert all(r["status"] in {"ok", "unavailable"} for r in snapshot.probes.values())
    # cpu, network and system all need a window; sequential windows would take 3 s.
    assert 1.0 <= snapshot.duration_seconds < 2.0
    assert snapshot.collected_at.tzinfo is not None
    window = snapshot.probes["cpu"]["window_seconds"]
    assert window == snapshot.probes["network"]["window_seconds"]
    assert window >= 1.0


def test_a_raising_probe_is_unknown_and_the_run_goes_on(settings: DiagnosticsSettings) -> None:
    probes = (PROBES[0], Probe("exploding", explode), *PROBES[1:])
    snapshot = collect_snapshot(settings, probes=probes)
    assert snapshot.probes["exploding"] == {
        "status": "unknown",
        "reason": "RuntimeError: sensor driver crashed with a two-line message",
    }
    others = {name: r for name, r in snapshot.probes.items() if name != "exploding"}
    assert set(others) == {p.name for p in PROBES}
    assert all(r["status"] in {"ok", "unavailable"} for r in others.values())
    findings = evaluate(snapshot, settings)
    failed = [f for f in findings if f.check is Check.PROBE]
    assert [(f.subject, f.severity) for f in failed] == [("exploding", Severity.UNKNOWN)]
    assert overall_severity(findings) in {Severity.UNKNOWN, Severity.WARNING, Severity.CRITICAL}
    assert exit_code_for(overall_severity(findings)) != 0


@pytest.mark.parametrize(
    ("collect", "reason"),
    [
        (not_a_dict, "probe returned list, not a dict"),
        (not_json, "probe result is not JSON-serialisable"),
    ],
)
def test_unusable_probe_results_are_unknown(
    settings: DiagnosticsSettings, collect: Any, reason: str
) -> None:
    snapshot = collect_snapshot(settings, probes=(Probe("odd", collect), PROBES[0]))
    assert snapshot.probes["odd"]["status"] == "unknown"
    assert snapshot.probes["odd"]["reason"].startswith(reason)
    assert snapshot.probes[PROBES[0].name]["status"] == "ok"


def test_probe_names_must_be_unique(settings: DiagnosticsSettings) -> None:
    with pytest.raises(ValueError, match="unique"):
        collect_snapshot(settings, probes=(PROBES[0], PROBES[0]))


def test_a_probe_is_skipped_only_when_all_its_checks_are_disabled() -> None:
    settings = DiagnosticsSettings(
        sample_window_seconds=0.2,
        resolve_fqdn=False,
        disabled_checks=frozenset(
            {Check.CPU_UTILISATION, Check.CPU_LOAD, Check.TEMPERATURE, Check.MEMORY_SWAP}
        ),
    )
    snapshot = collect_snapshot(settings)
    assert "cpu" not in snapshot.probes
    assert "temperature" not in snapshot.probes
    assert "memory" in snapshot.probes  # memory.available is still enabled
    assert "system" in snapshot.probes  # feeds no check: always runs
    assert Check.MEMORY_SWAP not in {f.check for f in evaluate(snapshot, settings)}


def test_real_run_judged_reported_and_read_back(
    settings: DiagnosticsSettings, tmp_path: Path
) -> None:
    snapshot = collect_snapshot(settings)
    findings = evaluate(snapshot, settings)
    assert findings
    assert all(isinstance(f.check, Check) for f in findings)
    assert any(f.check is Check.DISK_USAGE and f.subject == "/" for f in findings)
    assert any(f.check is Check.CPU_UTILISATION for f in findings)
    report = build_report(snapshot, findings)
    assert report.host.hostname == snapshot.probes["system"]["hostname"]
    assert report.severity is overall_severity(findings)
    path = write_report(report, tmp_path)
    assert path.name.startswith(f"diag-{report.host.hostname}-")
    assert read_report(path) == report
