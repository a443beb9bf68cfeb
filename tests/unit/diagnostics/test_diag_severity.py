from __future__ import annotations

import pytest

from itsm.diagnostics.severity import NagiosStatus, Severity, exit_code_for


def test_ranks_order_critical_warning_unknown_healthy() -> None:
    ordered = sorted(Severity, key=lambda s: s.rank)
    assert ordered == [Severity.HEALTHY, Severity.UNKNOWN, Severity.WARNING, Severity.CRITICAL]


@pytest.mark.parametrize(
    ("severities", "expected"),
    [
        ([], Severity.HEALTHY),
        ([Severity.HEALTHY, Severity.HEALTHY], Severity.HEALTHY),
        ([Severity.HEALTHY, Severity.UNKNOWN], Severity.UNKNOWN),
        ([Severity.UNKNOWN, Severity.WARNING], Severity.WARNING),
        ([Severity.CRITICAL, Severity.UNKNOWN, Severity.WARNING], Severity.CRITICAL),
    ],
)
def test_worst(severities: list[Severity], expected: Severity) -> None:
    assert Severity.worst(severities) is expected


def test_worse_than_and_is_problem() -> None:
    assert Severity.CRITICAL.worse_than(Severity.WARNING)
    assert not Severity.WARNING.worse_than(Severity.WARNING)
    assert Severity.UNKNOWN.worse_than(Severity.HEALTHY)
    assert [s for s in Severity if s.is_problem] == [Severity.WARNING, Severity.CRITICAL]


@pytest.mark.parametrize(
    ("severity", "code"),
    [
        (Severity.HEALTHY, 0),
        (Severity.WARNING, 1),
        (Severity.CRITICAL, 2),
        (Severity.UNKNOWN, 3),
    ],
)
def test_nagios_exit_codes(severity: Severity, code: int) -> None:
    assert exit_code_for(severity) == code
    assert NagiosStatus(code).name == {0: "OK"}.get(code, severity.name)


def test_serialised_values_are_stable() -> None:
    assert [s.value for s in Severity] == ["healthy", "unknown", "warning", "critical"]
