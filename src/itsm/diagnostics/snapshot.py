"""The raw result of one diagnostics run, shared by the runner, the rules and the report.

Its own module so that the pure parts (rules, report) never import the
probes, psutil or the runner: a snapshot received from a remote agent is
judged without collecting anything locally.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Raw probe results of one run; judged by :func:`itsm.diagnostics.rules.evaluate`.

    ``probes`` maps a probe name to its JSON-serialisable result, each with a
    ``status`` of ``"ok"``, ``"unavailable"`` (nothing to measure here) or
    ``"unknown"`` (the probe failed; ``reason`` says why).
    ``collected_at`` is timezone-aware UTC, taken when the run started.
    """

    collected_at: datetime
    duration_seconds: float
    probes: dict[str, dict[str, Any]] = field(default_factory=dict)
