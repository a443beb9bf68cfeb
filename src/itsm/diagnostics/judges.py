"""One pure judge per probe, turning its raw data into findings (used by ``rules``).

Split from ``rules`` only to keep each module short; ``rules.evaluate`` is
the entry point. A judge may raise ``KeyError``/``TypeError`` on malformed
data: ``evaluate`` turns that into an ``unknown`` finding.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from itsm.diagnostics.config import DiagnosticsSettings, DiskSettings, TemperatureSettings
from itsm.diagnostics.findings import Check, Finding, format_bytes, graded
from itsm.diagnostics.severity import Severity


def judge_cpu(data: dict[str, Any], s: DiagnosticsSettings) -> list[Finding]:
    window = f"over {data['window_seconds']:.1f}s"
    findings = [
        graded(
            Check.CPU_UTILISATION,
            "cpu",
            data["utilisation_percent"],
            (s.cpu.warning, s.cpu.critical),
            "%",
            "CPU utilisation",
            window,
        )
    ]
    load = data.get("load_per_cpu")
    if load is not None:  # not every platform has a load average
        findings.append(
            graded(
                Check.CPU_LOAD,
                "cpu",
                load["5m"],
                (s.load.warning, s.load.critical),
                "per CPU",
                "5-minute load average",
                f"{data['logical_cpus']} logical CPUs",
            )
        )
    return findings


def judge_memory(data: dict[str, Any], s: DiagnosticsSettings) -> list[Finding]:
    origin = "container limit" if data["source"] != "host" else "host"
    memory = graded(
        Check.MEMORY_AVAILABLE,
        "memory",
        data["used_percent"],
        (s.memory.warning, s.memory.critical),
        "%",
        "memory in use",
        f"{format_bytes(data['available_bytes'])} available of "
        f"{format_bytes(data['total_bytes'])}, {origin}",
    )
    swap = data["swap"]
    if not swap["total_bytes"]:
        return [
            memory,
            Finding(
                check=Check.MEMORY_SWAP,
                subject="swap",
                severity=Severity.HEALTHY,
                unit="%",
                message="no swap configured",
            ),
        ]
    return [
        memory,
        graded(
            Check.MEMORY_SWAP,
            "swap",
            swap["used_percent"],
            (s.swap.warning, s.swap.critical),
            "%",
            "swap in use",
            f"of {format_bytes(swap['total_bytes'])}",
        ),
    ]


def judge_disk(data: dict[str, Any], s: DiagnosticsSettings) -> list[Finding]:
    findings: list[Finding] = []
    for fs in data["filesystems"]:
        mount = fs["mountpoint"]
        if fs["status"] != "ok":
            findings.append(
                Finding(
                    check=Check.DISK_USAGE,
                    subject=mount,
                    severity=Severity.UNKNOWN,
                    message=f"{mount}: cannot be measured: {fs.get('reason', 'no reason given')}",
                )
            )
            continue
        if fs["used_percent"] is not None:  # a filesystem reporting no capacity at all
            findings.append(disk_usage(mount, fs["used_percent"], fs["free_bytes"], s.disk))
        if fs["inodes_used_percent"] is not None:  # btrfs, ZFS...: no fixed inode table
            findings.append(
                graded(
                    Check.DISK_INODES,
                    mount,
                    fs["inodes_used_percent"],
                    (s.inodes.warning, s.inodes.critical),
                    "%",
                    f"{mount} inodes in use",
                    f"{fs['inodes_free']} free",
                )
            )
        findings.append(_readonly(mount, bool(fs["readonly"]), mount in s.disk.readonly_ok))
    return findings


def _readonly(mount: str, readonly: bool, expected: bool) -> Finding:
    if not readonly:
        severity, message = Severity.HEALTHY, f"{mount} is writable"
    elif expected:
        severity, message = Severity.HEALTHY, f"{mount} is read-only, as configured"
    else:
        severity = Severity.CRITICAL
        message = f"{mount} is mounted read-only: writes fail (remounted after disk errors?)"
    return Finding(check=Check.DISK_READONLY, subject=mount, severity=severity, message=message)


def disk_usage(mount: str, percent: float, free: int, cfg: DiskSettings) -> Finding:
    """Percent rule gated by the free-space floor: a big disk with room left is fine."""

    def short(floor: int | None) -> bool:
        return floor is None or free < floor

    def floor_text(floor: int | None) -> str:
        return "" if floor is None else f" with less than {format_bytes(floor)} free"

    base = f"{mount} {percent:.1f}% used, {format_bytes(free)} free"
    severity = Severity.HEALTHY
    threshold: float | None = cfg.warning
    message = f"{base}, below the warning level {cfg.warning:.1f}%"
    if percent >= cfg.critical and short(cfg.critical_min_free_bytes):
        severity, threshold = Severity.CRITICAL, cfg.critical
        message = (
            f"{base}: critical at {cfg.critical:.1f}%{floor_text(cfg.critical_min_free_bytes)}"
        )
    elif percent >= cfg.warning and short(cfg.warning_min_free_bytes):
        severity, threshold = Severity.WARNING, cfg.warning
        message = f"{base}: warning at {cfg.warning:.1f}%{floor_text(cfg.warning_min_free_bytes)}"
    elif percent >= cfg.warning:
        # Spared by the free-space floor, not by the percentage: no numeric
        # threshold applies, so hysteresis must not hold a problem open here.
        threshold = None
        floor = format_bytes(cfg.warning_min_free_bytes or 0)
        message = f"{base}: over {cfg.warning:.1f}% but not below the {floor} free-space floor"
    return Finding(
        check=Check.DISK_USAGE,
        subject=mount,
        severity=severity,
        value=percent,
        threshold=threshold,
        unit="%",
        message=message,
    )


def judge_network(data: dict[str, Any], s: DiagnosticsSettings) -> list[Finding]:
    patterns = s.network.ignore_interfaces
    judged = {
        name: iface
        for name, iface in data["interfaces"].items()
        if not iface["loopback"] and not any(fnmatch.fnmatchcase(name, p) for p in patterns)
    }
    findings = [_interface_state(name, iface) for name, iface in judged.items()]
    if judged and not any(iface["running"] for iface in judged.values()):
        findings.append(
            Finding(
                check=Check.NETWORK_INTERFACE,
                subject="*",
                severity=Severity.CRITICAL,
                message=f"no network interface is up (checked: {', '.join(judged)})",
            )
        )
    for name, iface in judged.items():
        finding = _interface_errors(name, iface, s)
        if finding is not None:
            findings.append(finding)
    failure = Severity(s.reachability.failure_severity)
    for probe in data["reachability"]:
        subject = f"{probe['kind']}:{probe['target']}"
        ok = bool(probe["ok"])
        findings.append(
            Finding(
                check=Check.NETWORK_REACH,
                subject=subject,
                severity=Severity.HEALTHY if ok else failure,
                value=probe["latency_ms"],
                unit="ms",
                message=(
                    f"{subject} reachable in {probe['latency_ms']:.1f} ms"
                    if ok
                    else f"{subject} unreachable: {probe['error']}"
                ),
            )
        )
    return findings


def _interface_state(name: str, iface: dict[str, Any]) -> Finding:
    severity = Severity.HEALTHY
    if iface["running"]:
        message = f"{name} is up"
    elif iface["admin_up"] is False:
        message = f"{name} is administratively down"
    elif iface["virtual"]:
        message = f"{name} is a virtual interface without carrier"
    else:
        severity = Severity.WARNING
        message = f"{name} link is down: enabled but no carrier (cable, switch port, driver?)"
    return Finding(check=Check.NETWORK_INTERFACE, subject=name, severity=severity, message=message)


def _interface_errors(name: str, iface: dict[str, Any], s: DiagnosticsSettings) -> Finding | None:
    cfg = s.network
    candidates = [
        graded(Check.NETWORK_ERRORS, name, rate, limits, unit, f"{name} {label}")
        for rate, limits, unit, label in (
            (
                iface["errors_per_s"],
                (cfg.error_rate_warning, cfg.error_rate_critical),
                "errors/s",
                "packet errors",
            ),
            (
                iface["drops_per_s"],
                (cfg.drop_rate_warning, cfg.drop_rate_critical),
                "drops/s",
                "dropped packets",
            ),
        )
        if rate is not None
    ]
    # The worse of errors and drops speaks for the interface; errors win ties.
    return max(candidates, key=lambda f: f.severity.rank, default=None)


def judge_temperature(data: dict[str, Any], s: DiagnosticsSettings) -> list[Finding]:
    findings = []
    for sensor in data["sensors"]:
        limits, origin = temperature_limits(
            sensor["high_celsius"], sensor["critical_celsius"], s.temperature
        )
        findings.append(
            graded(
                Check.TEMPERATURE,
                sensor["sensor"],
                sensor["current_celsius"],
                limits,
                "°C",
                f"{sensor['sensor']} temperature",
                f"limits from {origin}",
            )
        )
    return findings


def temperature_limits(
    high: float | None, critical: float | None, defaults: TemperatureSettings
) -> tuple[tuple[float, float], str]:
    """``(warning, critical)`` for one sensor, preferring the limits it reports itself.

    Only ``critical`` reported: warn at the configured warning, capped by it.
    Only ``high`` reported: warn there; critical is the configured one or
    ``high``, whichever is higher (hardware rated "high" at 100 °C is not
    critical at 85 °C).
    """
    if high is not None and critical is not None:
        return (min(high, critical), critical), "sensor"
    if critical is not None:
        return (min(defaults.warning, critical), critical), "sensor"
    if high is not None:
        return (high, max(defaults.critical, high)), "sensor"
    return (defaults.warning, defaults.critical), "configuration"
