"""CPU, memory, swap and temperature rules at, just below and above each threshold."""

from __future__ import annotations

import pytest

from itsm.diagnostics.config import DiagnosticsSettings, TemperatureSettings
from itsm.diagnostics.judges import temperature_limits
from itsm.diagnostics.rules import Check, Severity, evaluate
from tests.unit.diagnostics.diag_builders import cpu, memory, only, sensor, snapshot, temperature

SETTINGS = DiagnosticsSettings()


@pytest.mark.parametrize(
    ("value", "severity", "threshold"),
    [
        (0.0, Severity.HEALTHY, 90.0),
        (89.99, Severity.HEALTHY, 90.0),
        (90.0, Severity.WARNING, 90.0),
        (97.99, Severity.WARNING, 90.0),
        (98.0, Severity.CRITICAL, 98.0),
        (100.0, Severity.CRITICAL, 98.0),
    ],
)
def test_cpu_utilisation(value: float, severity: Severity, threshold: float) -> None:
    finding = only(evaluate(snapshot(cpu=cpu(utilisation=value)), SETTINGS), Check.CPU_UTILISATION)
    assert finding.severity is severity
    assert finding.value == value
    assert finding.threshold == threshold
    assert finding.unit == "%"
    assert finding.subject == "cpu"
    assert f"{value:.1f}%" in finding.message


def test_cpu_utilisation_without_measurement_is_unknown() -> None:
    finding = only(evaluate(snapshot(cpu=cpu(utilisation=None)), SETTINGS), Check.CPU_UTILISATION)
    assert finding.severity is Severity.UNKNOWN
    assert "no measurement" in finding.message


@pytest.mark.parametrize(
    ("per_cpu", "severity"),
    [
        (1.49, Severity.HEALTHY),
        (1.5, Severity.WARNING),
        (2.99, Severity.WARNING),
        (3.0, Severity.CRITICAL),
        (12.0, Severity.CRITICAL),
    ],
)
def test_load_per_cpu(per_cpu: float, severity: Severity) -> None:
    findings = evaluate(snapshot(cpu=cpu(load5_per_cpu=per_cpu)), SETTINGS)
    finding = only(findings, Check.CPU_LOAD)
    assert finding.severity is severity
    assert finding.value == per_cpu
    assert "5-minute load average" in finding.message


def test_no_load_average_means_no_load_finding() -> None:
    findings = evaluate(snapshot(cpu=cpu(load5_per_cpu=None)), SETTINGS)
    assert [f.check for f in findings] == [Check.CPU_UTILISATION]


@pytest.mark.parametrize(
    ("used", "severity"),
    [
        (84.99, Severity.HEALTHY),
        (85.0, Severity.WARNING),
        (94.99, Severity.WARNING),
        (95.0, Severity.CRITICAL),
        (99.5, Severity.CRITICAL),
    ],
)
def test_memory_from_available(used: float, severity: Severity) -> None:
    finding = only(evaluate(snapshot(memory=memory(used)), SETTINGS), Check.MEMORY_AVAILABLE)
    assert finding.severity is severity
    assert finding.value == used
    assert "available of 16.0 GiB, host" in finding.message


def test_memory_names_the_container_limit() -> None:
    finding = only(
        evaluate(snapshot(memory=memory(50, source="cgroup_v2")), SETTINGS),
        Check.MEMORY_AVAILABLE,
    )
    assert "container limit" in finding.message


def test_no_swap_is_healthy() -> None:
    finding = only(evaluate(snapshot(memory=memory()), SETTINGS), Check.MEMORY_SWAP)
    assert finding.severity is Severity.HEALTHY
    assert finding.value is None
    assert finding.message == "no swap configured"


@pytest.mark.parametrize(
    ("used", "severity"),
    [(79.99, Severity.HEALTHY), (80.0, Severity.WARNING), (95.0, Severity.CRITICAL)],
)
def test_swap(used: float, severity: Severity) -> None:
    data = memory(swap_total=4 * 1024**3, swap_percent=used)
    finding = only(evaluate(snapshot(memory=data), SETTINGS), Check.MEMORY_SWAP)
    assert finding.severity is severity
    assert finding.subject == "swap"


@pytest.mark.parametrize(
    ("current", "severity"),
    [
        (74.9, Severity.HEALTHY),
        (75.0, Severity.WARNING),
        (84.9, Severity.WARNING),
        (85.0, Severity.CRITICAL),
    ],
)
def test_temperature_with_configured_limits(current: float, severity: Severity) -> None:
    findings = evaluate(snapshot(temperature=temperature(sensor(current))), SETTINGS)
    finding = only(findings, Check.TEMPERATURE, "cpu")
    assert finding.severity is severity
    assert finding.unit == "°C"
    assert "limits from configuration" in finding.message


@pytest.mark.parametrize(
    ("current", "severity"),
    [
        (80.0, Severity.HEALTHY),  # warning by the defaults, fine for this sensor
        (89.9, Severity.HEALTHY),
        (90.0, Severity.WARNING),
        (99.9, Severity.WARNING),
        (100.0, Severity.CRITICAL),
    ],
)
def test_temperature_prefers_the_sensor_limits(current: float, severity: Severity) -> None:
    data = temperature(sensor(current, high=90.0, critical=100.0))
    finding = only(evaluate(snapshot(temperature=data), SETTINGS), Check.TEMPERATURE)
    assert finding.severity is severity
    assert "limits from sensor" in finding.message


def test_each_sensor_is_its_own_subject() -> None:
    data = temperature(sensor(40, name="coretemp/Core 0"), sensor(90, name="nvme/Composite"))
    findings = evaluate(snapshot(temperature=data), SETTINGS)
    assert {f.subject: f.severity for f in findings} == {
        "coretemp/Core 0": Severity.HEALTHY,
        "nvme/Composite": Severity.CRITICAL,
    }


DEFAULTS = TemperatureSettings()


@pytest.mark.parametrize(
    ("high", "critical", "expected"),
    [
        (None, None, ((75.0, 85.0), "configuration")),
        (90.0, 100.0, ((90.0, 100.0), "sensor")),
        (105.0, 100.0, ((100.0, 100.0), "sensor")),  # inconsistent sensor: warn no later
        (None, 105.0, ((75.0, 105.0), "sensor")),
        (None, 70.0, ((70.0, 70.0), "sensor")),  # sensor critical below our warning
        (100.0, None, ((100.0, 100.0), "sensor")),  # rated "high" above our critical
        (70.0, None, ((70.0, 85.0), "sensor")),
    ],
)
def test_temperature_limits(
    high: float | None, critical: float | None, expected: tuple[tuple[float, float], str]
) -> None:
    assert temperature_limits(high, critical, DEFAULTS) == expected
