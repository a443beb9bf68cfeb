"""Fixtures and settings of the ``itsm diag`` end-to-end tests."""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.cli import Result, describe

# Fast, quiet samples: other processes load this machine, so the CPU checks are off.
BASE = {
    "ITSM_DIAGNOSTICS__DISABLED_CHECKS": '["cpu.utilisation","cpu.load"]',
    "ITSM_DIAGNOSTICS__SAMPLE_WINDOW_SECONDS": "0.1",
    "ITSM_DIAGNOSTICS__RUN_WINDOW_SECONDS": "0.1",
    "ITSM_DIAGNOSTICS__TOP_PROCESSES": "0",
    "ITSM_DIAGNOSTICS__RESOLVE_FQDN": "false",
}
_NO_FLOOR = {
    "ITSM_DIAGNOSTICS__DISK__WARNING_MIN_FREE_BYTES": "null",
    "ITSM_DIAGNOSTICS__DISK__CRITICAL_MIN_FREE_BYTES": "null",
}
#: Every real filesystem is at least 2 % used: the disk check is critical.
LOW_DISK = {
    **BASE,
    **_NO_FLOOR,
    "ITSM_DIAGNOSTICS__DISK__WARNING": "1",
    "ITSM_DIAGNOSTICS__DISK__CRITICAL": "2",
}
#: No filesystem in use is at 99.9 %: the disk check is healthy (far below the band).
HIGH_DISK = {
    **BASE,
    **_NO_FLOOR,
    "ITSM_DIAGNOSTICS__DISK__WARNING": "99.9",
    "ITSM_DIAGNOSTICS__DISK__CRITICAL": "100",
}


#: Nagios exit code of each overall severity.
EXIT = {"healthy": 0, "warning": 1, "critical": 2, "unknown": 3}


def report_of(result: Result) -> dict[str, Any]:
    """The JSON report a ``diag run --json`` printed (whatever its exit code)."""
    assert result.stderr == "", describe(result)
    data: dict[str, Any] = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def finding(report: dict[str, Any], check: str, subject: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        c for c in report["checks"] if c["check"] == check and c["subject"] == subject
    ]
    assert len(found) == 1, report["checks"]
    return found[0]
