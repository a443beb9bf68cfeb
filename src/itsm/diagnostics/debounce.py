"""Persistence and hysteresis for the watch loop, as a pure state machine.

A finding counts (is activated, or escalated to critical) only after
``persist_samples`` consecutive samples, and recovers only once below
``threshold * clear_ratio``; an active problem never de-escalates. An ``unknown``
finding or a missing key neither counts nor resets. No clock, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.findings import Check, Finding
from itsm.diagnostics.rules import clears
from itsm.diagnostics.severity import Severity

Key = tuple[Check, str]


class Transition(StrEnum):
    ACTIVATED = "activated"
    ESCALATED = "escalated"
    RECOVERED = "recovered"


@dataclass(frozen=True, slots=True)
class Event:
    """A change of state; ``finding`` is the sample's finding that caused it."""

    transition: Transition
    finding: Finding
    severity: Severity  # the active severity after the event; healthy once recovered
    previous: Severity | None  # the active severity before; None when just activated

    @property
    def key(self) -> Key:
        return self.finding.key


@dataclass(slots=True)
class _Track:
    problem_streak: int = 0  # consecutive samples at warning or critical
    critical_streak: int = 0  # consecutive samples at critical
    active: Severity | None = None


class Debouncer:
    def __init__(self, *, persist_samples: int, clear_ratio: float) -> None:
        if persist_samples < 1:
            raise ValueError(f"persist_samples must be at least 1, got {persist_samples}")
        if not 0 < clear_ratio <= 1:
            raise ValueError(f"clear_ratio must be in (0, 1], got {clear_ratio}")
        self.persist_samples = persist_samples
        self.clear_ratio = clear_ratio
        self._tracks: dict[Key, _Track] = {}

    @classmethod
    def from_settings(cls, settings: DiagnosticsSettings) -> Debouncer:
        return cls(persist_samples=settings.persist_samples, clear_ratio=settings.clear_ratio)

    @property
    def active(self) -> dict[Key, Severity]:
        """Problems currently active, with their severity."""
        return {k: t.active for k, t in self._tracks.items() if t.active is not None}

    def forget(self, key: Key) -> None:
        """Drop all state of ``key`` (e.g. a filesystem that was unmounted for good)."""
        self._tracks.pop(key, None)

    def feed(self, findings: Iterable[Finding]) -> list[Event]:
        """Advance by one sample; return the transitions it caused, in input order."""
        latest: dict[Key, Finding] = {}
        for finding in findings:  # a key twice in one sample: its worst finding counts
            seen = latest.get(finding.key)
            if seen is None or finding.severity.worse_than(seen.severity):
                latest[finding.key] = finding
        events = []
        for key, finding in latest.items():
            track = self._tracks.setdefault(key, _Track())
            event = self._step(track, finding)
            if event is not None:
                events.append(event)
            if track == _Track():
                del self._tracks[key]  # idle: keep memory bounded by live problems
        return events

    def _step(self, track: _Track, finding: Finding) -> Event | None:
        if finding.severity is Severity.UNKNOWN:
            return None
        if not finding.severity.is_problem:
            track.problem_streak = track.critical_streak = 0
            previous = track.active
            if previous is None or not clears(finding.value, finding.threshold, self.clear_ratio):
                return None
            track.active = None
            return Event(Transition.RECOVERED, finding, Severity.HEALTHY, previous)
        track.problem_streak += 1
        critical = finding.severity is Severity.CRITICAL
        track.critical_streak = track.critical_streak + 1 if critical else 0
        critical_persisted = track.critical_streak >= self.persist_samples
        if track.active is None and track.problem_streak >= self.persist_samples:
            track.active = Severity.CRITICAL if critical_persisted else Severity.WARNING
            return Event(Transition.ACTIVATED, finding, track.active, None)
        if track.active is Severity.WARNING and critical_persisted:
            track.active = Severity.CRITICAL
            return Event(Transition.ESCALATED, finding, Severity.CRITICAL, Severity.WARNING)
        return None
