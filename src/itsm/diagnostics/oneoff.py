"""A one-off run's ticket decisions: CPU utilisation under the watch loop's debounce.

A single short CPU sample on a busy machine opened a critical ticket on one run
and resolved it on the next. A one-off run therefore samples over
``run_window_seconds`` in ``persist_samples`` equal slices and feeds the slices to
the watch loop's :class:`~.debounce.Debouncer`: CPU utilisation is a problem only
when every slice was (critical only when every slice was critical), and it
recovers only when every slice was below ``threshold × clear_ratio``. Every other
finding keeps the one-off rule (:func:`problems_and_recoveries`).
Pure: no clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.debounce import Debouncer
from itsm.diagnostics.findings import Check, Finding, graded
from itsm.diagnostics.report import Report
from itsm.diagnostics.rules import clears
from itsm.diagnostics.severity import Severity


def problems_and_recoveries(
    findings: Iterable[Finding],
) -> tuple[list[Finding], list[Finding]]:
    """For a one-off run: every warning/critical is a problem, every healthy a recovery."""
    problems, recoveries = [], []
    for finding in findings:
        if finding.severity.is_problem:
            problems.append(finding)
        elif finding.severity is Severity.HEALTHY:
            recoveries.append(finding)
    return problems, recoveries


def decisions(report: Report, settings: DiagnosticsSettings) -> tuple[list[Finding], list[Finding]]:
    """The problems to ticket and the recoveries to settle for a one-off run's report."""
    problems, recoveries = problems_and_recoveries(report.checks)
    slices = (report.probes.get("cpu") or {}).get("slices_percent")
    cpu = [f for f in report.checks if f.check is Check.CPU_UTILISATION]
    if not slices or len(cpu) != 1:
        return problems, recoveries  # an older agent's report, or no CPU reading
    (measured,) = cpu
    problems = [f for f in problems if f is not measured]
    recoveries = [f for f in recoveries if f is not measured]
    limits = (settings.cpu.warning, settings.cpu.critical)
    samples = [graded(measured.check, measured.subject, v, limits, "%", "CPU") for v in slices]
    debouncer = Debouncer(persist_samples=len(samples), clear_ratio=settings.clear_ratio)
    for sample in samples:
        debouncer.feed([sample])
    active = debouncer.active.get(measured.key)
    if active is not None:
        problems.append(measured.model_copy(update={"severity": active}))
        return problems, recoveries
    known = [s for s in samples if s.severity is not Severity.UNKNOWN]  # as the debouncer
    if (
        measured.severity is Severity.HEALTHY
        and known
        and all(
            s.severity is Severity.HEALTHY and clears(s.value, s.threshold, settings.clear_ratio)
            for s in known
        )
    ):
        recoveries.append(measured)
    return problems, recoveries
