"""Pure rules that judge a :class:`Snapshot` against the thresholds.

No I/O and no clock: the same snapshot and settings always give the same
findings, so every boundary is unit-tested on synthetic snapshots, and a
snapshot pushed by a remote agent is judged exactly like a local one. A
check emits a finding for every subject, healthy ones included, so that the
report is complete and the watch loop can see recoveries. Snapshot data a
judge cannot read (a malformed or foreign report) becomes an ``unknown``
finding for that probe instead of an exception.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.findings import Check, Finding
from itsm.diagnostics.judges import (
    judge_cpu,
    judge_disk,
    judge_memory,
    judge_network,
    judge_temperature,
)
from itsm.diagnostics.severity import Severity, exit_code_for
from itsm.diagnostics.snapshot import Snapshot

__all__ = [
    "Check",
    "Finding",
    "Severity",
    "Snapshot",
    "clears",
    "evaluate",
    "exit_code_for",
    "overall_severity",
    "ticket_fields_for",
]

Judge = Callable[[dict[str, Any], DiagnosticsSettings], list[Finding]]

JUDGES: dict[str, Judge] = {
    "cpu": judge_cpu,
    "memory": judge_memory,
    "disk": judge_disk,
    "network": judge_network,
    "temperature": judge_temperature,
}


def evaluate(snapshot: Snapshot, settings: DiagnosticsSettings) -> list[Finding]:
    """Every finding of ``snapshot``, minus the disabled checks, in probe order.

    A probe whose status is ``unknown`` yields one ``probe`` finding of
    severity unknown; ``unavailable`` (e.g. no temperature sensor in a VM)
    yields nothing; a probe without rules (``system``) yields nothing.
    """
    findings: list[Finding] = []
    for name, data in snapshot.probes.items():
        status = data.get("status")
        if status == "unknown":
            reason = data.get("reason") or "no reason given"
            findings.append(_probe_unknown(name, f"{name} probe failed: {reason}"))
            continue
        judge = JUDGES.get(name)
        if status != "ok" or judge is None:
            continue
        try:
            findings.extend(judge(data, settings))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            findings.append(
                _probe_unknown(name, f"{name} data cannot be judged: {type(exc).__name__}: {exc}")
            )
    return [f for f in findings if f.check is Check.PROBE or settings.enabled(f.check)]


def _probe_unknown(name: str, message: str) -> Finding:
    return Finding(check=Check.PROBE, subject=name, severity=Severity.UNKNOWN, message=message)


def overall_severity(findings: Iterable[Finding]) -> Severity:
    """Worst severity: critical > warning > unknown > healthy; healthy if none."""
    return Severity.worst(f.severity for f in findings)


def clears(value: float | None, threshold: float | None, clear_ratio: float) -> bool:
    """Whether a healthy reading is far enough below ``threshold`` to end a problem.

    Hysteresis for the watch loop: a problem raised at ``threshold`` recovers
    only once ``value < threshold * clear_ratio`` (strictly), so a value
    hovering around the threshold does not open and close tickets in turn.
    Without a number to compare (``None``), being healthy is enough.
    """
    if value is None or threshold is None:
        return True
    return value < threshold * clear_ratio


_CATEGORY_BY_PREFIX = {
    "cpu": "hardware",
    "memory": "hardware",
    "disk": "hardware",
    "temperature": "hardware",
    "network": "network",
    "probe": "software",
}
_PRIORITY = {
    Severity.CRITICAL: "critical",
    Severity.WARNING: "high",
    Severity.UNKNOWN: "medium",
}


def ticket_fields_for(finding: Finding) -> tuple[str, str]:
    """``(category, priority)`` of the ticket a finding opens.

    Category: cpu, memory, disk and temperature are ``hardware``; network is
    ``network``; a failing probe is ``software`` (the agent or a driver).
    Priority: critical → ``critical``, warning → ``high`` (a warning is a
    problem caught early, still worth a technician today), unknown →
    ``medium``. A healthy finding opens no ticket: ``ValueError``.
    """
    priority = _PRIORITY.get(finding.severity)
    if priority is None:
        raise ValueError(f"a {finding.severity} finding opens no ticket")
    category = _CATEGORY_BY_PREFIX[finding.check.value.split(".", 1)[0]]
    return category, priority
