"""The watch loop's persistence/hysteresis state machine, boundary by boundary."""

from __future__ import annotations

import pytest

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.debounce import Debouncer, Event, Transition
from itsm.diagnostics.findings import Check, Finding
from itsm.diagnostics.severity import Severity

H, W, C, U = Severity.HEALTHY, Severity.WARNING, Severity.CRITICAL, Severity.UNKNOWN
KEY = (Check.DISK_USAGE, "/")


def sample(
    severity: Severity,
    value: float | None = None,
    threshold: float | None = 90.0,
    subject: str = "/",
) -> Finding:
    if value is None:
        value = {H: 50.0, W: 92.0, C: 97.0, U: None}[severity]
    return Finding(
        check=Check.DISK_USAGE,
        subject=subject,
        severity=severity,
        value=value,
        threshold=threshold if severity is not C else 95.0,
        message="m",
    )


def run(debouncer: Debouncer, *severities: Severity) -> list[list[Transition]]:
    return [[e.transition for e in debouncer.feed([sample(s)])] for s in severities]


def fresh(persist: int = 3, ratio: float = 0.9) -> Debouncer:
    return Debouncer(persist_samples=persist, clear_ratio=ratio)


def test_a_problem_activates_on_the_nth_consecutive_sample_not_before() -> None:
    d = fresh()
    assert run(d, W, W) == [[], []]
    assert d.active == {}
    events = d.feed([sample(W)])
    assert [e.transition for e in events] == [Transition.ACTIVATED]
    assert events[0] == Event(Transition.ACTIVATED, sample(W), W, None)
    assert events[0].key == KEY
    assert d.active == {KEY: W}


def test_further_problem_samples_emit_nothing_more() -> None:
    d = fresh()
    run(d, W, W, W)
    assert run(d, W, W, W) == [[], [], []]


def test_a_healthy_sample_resets_the_streak() -> None:
    d = fresh()
    assert run(d, W, W, H, W, W) == [[], [], [], [], []]
    assert run(d, W) == [[Transition.ACTIVATED]]


def test_unknown_neither_counts_nor_resets() -> None:
    d = fresh()
    assert run(d, W, W, U, U) == [[], [], [], []]
    assert run(d, W) == [[Transition.ACTIVATED]]


def test_absent_key_neither_counts_nor_resets() -> None:
    d = fresh()
    run(d, W, W)
    assert d.feed([]) == []
    assert run(d, W) == [[Transition.ACTIVATED]]


def test_mixed_warning_and_critical_activate_as_warning() -> None:
    d = fresh()
    events = [e for s in (W, C, C) for e in d.feed([sample(s)])]
    assert [(e.transition, e.severity) for e in events] == [(Transition.ACTIVATED, W)]


def test_persistent_critical_activates_as_critical() -> None:
    d = fresh()
    events = [e for s in (C, C, C) for e in d.feed([sample(s)])]
    assert [(e.transition, e.severity, e.previous) for e in events] == [
        (Transition.ACTIVATED, C, None)
    ]


def test_escalation_needs_n_consecutive_critical_samples() -> None:
    d = fresh()
    run(d, W, W, W)
    assert run(d, C, C) == [[], []]
    events = d.feed([sample(C)])
    assert [(e.transition, e.severity, e.previous) for e in events] == [
        (Transition.ESCALATED, C, W)
    ]
    assert d.active == {KEY: C}


def test_a_warning_interrupts_the_critical_streak() -> None:
    d = fresh()
    run(d, W, W, W)
    assert run(d, C, C, W, C, C) == [[], [], [], [], []]
    assert run(d, C) == [[Transition.ESCALATED]]


def test_critical_streak_started_before_activation_counts_for_escalation() -> None:
    d = fresh()
    assert run(d, W, W, C) == [[], [], [Transition.ACTIVATED]]
    assert d.active == {KEY: W}
    assert run(d, C) == [[]]
    assert run(d, C) == [[Transition.ESCALATED]]


def test_an_active_critical_never_de_escalates() -> None:
    d = fresh()
    run(d, C, C, C)
    assert run(d, W, W, W, W) == [[], [], [], []]
    assert d.active == {KEY: C}


def test_recovery_needs_the_value_below_threshold_times_ratio() -> None:
    d = fresh(ratio=0.9)
    run(d, W, W, W)
    # healthy, but 81.0 is exactly 90 * 0.9: inside the hysteresis band
    assert d.feed([sample(H, value=81.0)]) == []
    assert d.active == {KEY: W}
    events = d.feed([sample(H, value=80.99)])
    assert [(e.transition, e.severity, e.previous) for e in events] == [
        (Transition.RECOVERED, H, W)
    ]
    assert d.active == {}


def test_recovery_reports_the_severity_that_was_active() -> None:
    d = fresh()
    run(d, C, C, C)
    (event,) = d.feed([sample(H, value=10.0)])
    assert (event.transition, event.previous) == (Transition.RECOVERED, C)


def test_healthy_without_a_comparable_value_recovers_at_once() -> None:
    d = fresh()
    run(d, W, W, W)
    assert [e.transition for e in d.feed([sample(H, value=89.0, threshold=None)])] == [
        Transition.RECOVERED
    ]
    run(d, W, W, W)
    no_value = Finding(check=Check.DISK_USAGE, subject="/", severity=H, message="m")
    assert [e.transition for e in d.feed([no_value])] == [Transition.RECOVERED]


def test_a_problem_in_the_hysteresis_band_stays_active_without_new_events() -> None:
    d = fresh()
    run(d, W, W, W)
    assert d.feed([sample(H, value=85.0)]) == []
    assert run(d, W) == [[]]
    assert d.active == {KEY: W}


def test_reactivation_after_recovery_needs_n_samples_again() -> None:
    d = fresh()
    run(d, W, W, W)
    d.feed([sample(H, value=10.0)])
    assert run(d, W, W, W) == [[], [], [Transition.ACTIVATED]]


def test_persist_one_activates_immediately_at_the_sample_severity() -> None:
    d = fresh(persist=1)
    (event,) = d.feed([sample(C)])
    assert (event.transition, event.severity) == (Transition.ACTIVATED, C)
    d2 = fresh(persist=1)
    (event,) = d2.feed([sample(W)])
    assert (event.transition, event.severity) == (Transition.ACTIVATED, W)
    assert [e.transition for e in d2.feed([sample(C)])] == [Transition.ESCALATED]


def test_keys_are_independent() -> None:
    d = fresh(persist=2)
    assert d.feed([sample(W, subject="/"), sample(H, subject="/var")]) == []
    events = d.feed([sample(W, subject="/"), sample(W, subject="/var")])
    assert [e.key for e in events] == [KEY]
    events = d.feed([sample(W, subject="/"), sample(W, subject="/var")])
    assert [e.key for e in events] == [(Check.DISK_USAGE, "/var")]


def test_the_worst_finding_counts_when_a_key_repeats_in_one_sample() -> None:
    d = fresh(persist=1)
    (event,) = d.feed([sample(H), sample(C), sample(W)])
    assert event.severity is C


def test_forget_drops_the_state() -> None:
    d = fresh()
    run(d, W, W, W)
    d.forget(KEY)
    assert d.active == {}
    assert run(d, W, W) == [[], []]
    d.forget((Check.CPU_LOAD, "cpu"))  # unknown key: no error


def test_from_settings() -> None:
    d = Debouncer.from_settings(DiagnosticsSettings(persist_samples=5, clear_ratio=0.8))
    assert (d.persist_samples, d.clear_ratio) == (5, 0.8)


@pytest.mark.parametrize(("persist", "ratio"), [(0, 0.9), (3, 0.0), (3, 1.5)])
def test_invalid_parameters_are_rejected(persist: int, ratio: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        Debouncer(persist_samples=persist, clear_ratio=ratio)
