"""Severity of a diagnostic finding, its ordering and its Nagios exit code.

Kept apart from the rules so that every consumer (rules, report, watch loop,
CLI exit codes) shares one definition of "worse" without importing the rules.

Ordering, worst first: ``critical > warning > unknown > healthy``. ``unknown``
(a probe failed, or a value could not be judged) outranks ``healthy`` because
"we could not tell" must never be reported as "all good", but ranks below
``warning`` because a confirmed problem is more actionable than a missing
reading.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum, StrEnum


class Severity(StrEnum):
    """Verdict of one check; the string values are stored and serialised."""

    HEALTHY = "healthy"
    UNKNOWN = "unknown"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Position in the ordering: healthy 0, unknown 1, warning 2, critical 3."""
        return _RANK[self]

    @property
    def is_problem(self) -> bool:
        """True for warning and critical: the severities that can open a ticket."""
        return self in (Severity.WARNING, Severity.CRITICAL)

    def worse_than(self, other: Severity) -> bool:
        return self.rank > other.rank

    @classmethod
    def worst(cls, severities: Iterable[Severity]) -> Severity:
        """The worst of ``severities``; ``healthy`` when there are none."""
        return max(severities, key=lambda s: s.rank, default=cls.HEALTHY)


_RANK: dict[Severity, int] = {
    Severity.HEALTHY: 0,
    Severity.UNKNOWN: 1,
    Severity.WARNING: 2,
    Severity.CRITICAL: 3,
}


class NagiosStatus(IntEnum):
    """Exit codes of the Nagios plugin API, understood by Icinga, Zabbix, Sensu..."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


_EXIT: dict[Severity, NagiosStatus] = {
    Severity.HEALTHY: NagiosStatus.OK,
    Severity.WARNING: NagiosStatus.WARNING,
    Severity.CRITICAL: NagiosStatus.CRITICAL,
    Severity.UNKNOWN: NagiosStatus.UNKNOWN,
}


def exit_code_for(severity: Severity) -> int:
    """Nagios exit code: 0 healthy, 1 warning, 2 critical, 3 unknown."""
    return int(_EXIT[severity])
