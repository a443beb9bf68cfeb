"""A one-off run's ticket decisions: CPU slices debounced as the watch loop would."""

from __future__ import annotations

import pytest

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.findings import Check, Finding
from itsm.diagnostics.oneoff import decisions
from itsm.diagnostics.report import Report, build_report
from itsm.diagnostics.rules import evaluate
from itsm.diagnostics.severity import Severity
from tests.unit.diagnostics.diag_builders import cpu, memory, snapshot

SETTINGS = DiagnosticsSettings.model_validate({"cpu": {"warning": 80, "critical": 95}})


def _report(utilisation: float, slices: list[float | None] | None, used: float = 20) -> Report:
    data = cpu(utilisation) | {"slices_percent": slices}
    snap = snapshot(cpu=data, memory=memory(used_percent=used))
    return build_report(snap, evaluate(snap, SETTINGS))


def _cpu(findings: list[Finding]) -> list[tuple[Check, Severity]]:
    return [(f.check, f.severity) for f in findings if f.check is Check.CPU_UTILISATION]


def test_a_spike_in_one_slice_opens_nothing_though_the_window_is_critical() -> None:
    report = _report(96.0, [100.0, 100.0, 88.0])
    assert report.severity is Severity.CRITICAL  # the report says what it measured
    problems, recoveries = decisions(report, SETTINGS)
    assert _cpu(problems) == [(Check.CPU_UTILISATION, Severity.WARNING)]  # every slice >= 80
    assert _cpu(recoveries) == []
    problems, recoveries = decisions(_report(85.0, [100.0, 99.0, 50.0]), SETTINGS)
    assert (_cpu(problems), _cpu(recoveries)) == ([], [])


def test_every_slice_critical_is_critical() -> None:
    problems, _ = decisions(_report(97.0, [96.0, 99.0, 97.0]), SETTINGS)
    assert _cpu(problems) == [(Check.CPU_UTILISATION, Severity.CRITICAL)]


@pytest.mark.parametrize(
    ("slices", "recovers"),
    [
        ([10.0, 20.0, 71.9], True),  # every slice below 80 x 0.9
        ([10.0, 20.0, 72.0], False),  # healthy, but inside the hysteresis band
        ([10.0, None, 30.0], True),  # a slice without CPU time counts for nothing
    ],
)
def test_a_recovery_needs_every_slice_clear_of_the_band(
    slices: list[float | None], recovers: bool
) -> None:
    problems, recoveries = decisions(_report(40.0, slices), SETTINGS)
    assert _cpu(problems) == []
    assert _cpu(recoveries) == ([(Check.CPU_UTILISATION, Severity.HEALTHY)] if recovers else [])


def test_other_checks_and_reports_without_slices_keep_the_one_off_rule() -> None:
    problems, recoveries = decisions(_report(97.0, None, used=96.0), SETTINGS)
    assert _cpu(problems) == [(Check.CPU_UTILISATION, Severity.CRITICAL)]
    assert Check.MEMORY_AVAILABLE in {f.check for f in problems}
    problems, recoveries = decisions(_report(10.0, [10.0, 10.0, 10.0], used=96.0), SETTINGS)
    assert Check.MEMORY_AVAILABLE in {f.check for f in problems}
    assert _cpu(recoveries) == [(Check.CPU_UTILISATION, Severity.HEALTHY)]
