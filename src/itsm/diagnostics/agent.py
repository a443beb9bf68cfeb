"""The watch loop: sample, judge, debounce, report and ticket, until told to stop.

Between samples it sleeps on an event that SIGTERM and SIGINT set, so a stop
request ends the loop promptly and cleanly (the current cycle's transaction
either commits or rolls back whole). Each cycle opens its own unit of work.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from itsm.config import Settings
from itsm.diagnostics.collect import collect_snapshot
from itsm.diagnostics.debounce import Debouncer, Transition
from itsm.diagnostics.errors import AgentMustStop
from itsm.diagnostics.findings import Finding
from itsm.diagnostics.report import Report, build_report, ensure_writable, write_report
from itsm.diagnostics.rules import clears, evaluate
from itsm.diagnostics.severity import Severity
from itsm.errors import ItsmError

log = logging.getLogger(__name__)


@dataclass
class Cycle:
    """What one sample produced, handed to the caller (the CLI prints it)."""

    report: Report
    problems: list[Finding]
    recoveries: list[Finding]
    outcome: dict[str, list[str]] = field(default_factory=dict)
    report_file: Path | None = None


def debounced(debouncer: Debouncer, findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Split a sample into (problems to ticket, recoveries to settle) after hysteresis.

    Problems are the keys the debouncer holds active, at their active severity
    (so a reminder can be posted on their ticket). Recoveries are the keys it
    just recovered, plus healthy findings already clear of the hysteresis band
    for keys it does not track: that settles tickets left open by an earlier
    agent process whose memory is gone.
    """
    events = debouncer.feed(findings)
    recovered = {e.key for e in events if e.transition is Transition.RECOVERED}
    active = debouncer.active
    problems = [
        f.model_copy(update={"severity": active[f.key]})
        for f in findings
        if f.key in active and f.severity.is_problem
    ]
    recoveries = [
        f
        for f in findings
        if f.severity is Severity.HEALTHY
        and (
            f.key in recovered
            or (f.key not in active and clears(f.value, f.threshold, debouncer.clear_ratio))
        )
    ]
    return problems, recoveries


class StopSignal:
    """SIGTERM/SIGINT set an event instead of raising in the middle of a cycle."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignal:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        log.info("received signal %s, stopping after this cycle", signum)
        self.event.set()

    def __exit__(self, *_exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def watch(
    settings: Settings,
    *,
    process: Callable[[Report, list[Finding], list[Finding]], dict[str, list[str]]],
    interval: float,
    count: int | None = None,
    reports_dir: Path | None = None,
    on_cycle: Callable[[Cycle], None] | None = None,
    stop: StopSignal | None = None,
) -> int:
    """Run cycles every ``interval`` seconds (``count`` times, or until stopped).

    ``process`` stores a report and applies its tickets (locally, in a session;
    remotely, over HTTP); it is given the debounced problems and recoveries.
    Its failures are logged and the loop goes on, except :class:`AgentMustStop`,
    which ends the loop and propagates. Returns the number of cycles run.
    """
    diag = settings.diagnostics
    if reports_dir is not None:
        ensure_writable(reports_dir)  # a wrong directory fails now, not at the first sample
    debouncer = Debouncer.from_settings(diag)
    stopper = stop or StopSignal()
    cycles = 0
    with stopper:
        while not stopper.event.is_set() and (count is None or cycles < count):
            started = time.monotonic()
            snapshot = collect_snapshot(diag)
            findings = evaluate(snapshot, diag)
            report = build_report(snapshot, findings)
            problems, recoveries = debounced(debouncer, findings)
            cycle = Cycle(report=report, problems=problems, recoveries=recoveries)
            if reports_dir is not None:
                try:
                    cycle.report_file = write_report(report, reports_dir)
                except ItsmError as exc:  # e.g. the disk filled up: keep watching
                    log.error("could not write report %s: %s", report.report_id, exc)
            try:
                cycle.outcome = process(report, problems, recoveries)
            except AgentMustStop:  # e.g. the server refused the token: retrying cannot help
                raise
            except Exception as exc:  # a database hiccup must not kill the agent
                log.error("could not process report %s: %s", report.report_id, exc)
            cycles += 1
            if on_cycle is not None:
                on_cycle(cycle)
            if count is not None and cycles >= count:
                break
            stopper.event.wait(max(0.0, interval - (time.monotonic() - started)))
    return cycles
