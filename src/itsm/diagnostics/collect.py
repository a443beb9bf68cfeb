"""Runner: execute every enabled probe once, inside one shared sampling window.

A probe that raises, returns something that is not a dict, or returns data
that JSON cannot carry is recorded as ``{"status": "unknown", "reason": ...}``
and the run goes on: a broken sensor driver must not hide a full disk
(architecture convention 9). Only ``BaseException``s that are not
``Exception`` (Ctrl-C, ``SystemExit``) stop the run, as they should.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.probes import PROBES, Probe
from itsm.diagnostics.probes.window import SampleWindow
from itsm.diagnostics.snapshot import Snapshot

__all__ = ["Snapshot", "collect_snapshot", "run_probe", "unknown"]

_MAX_REASON = 500


def collect_snapshot(
    settings: DiagnosticsSettings,
    *,
    probes: Sequence[Probe] = PROBES,
    window_seconds: float | None = None,
    cpu_slices: int = 1,
) -> Snapshot:
    """Run the enabled ``probes`` (the registry by default) and return their results,
    sampled over ``window_seconds`` (default: ``sample_window_seconds``), CPU also in
    ``cpu_slices`` equal slices."""
    names = [p.name for p in probes]
    if len(set(names)) != len(names):
        raise ValueError(f"probe names must be unique, got {names}")
    collected_at = datetime.now(UTC)
    began = time.monotonic()
    window = SampleWindow.start(
        window_seconds or settings.sample_window_seconds,
        processes=settings.top_processes > 0,
        slices=cpu_slices,
    )
    results = {p.name: run_probe(p, settings, window) for p in probes if p.enabled(settings)}
    return Snapshot(collected_at, round(time.monotonic() - began, 3), results)


def run_probe(
    probe: Probe, settings: DiagnosticsSettings, window: SampleWindow | None = None
) -> dict[str, Any]:
    """One probe's result, or an ``unknown`` record saying why there is none."""
    try:
        result = probe.collect(settings, window=window)
    except Exception as exc:  # isolation is the point: see the module docstring
        return unknown(f"{type(exc).__name__}: {exc}")
    if not isinstance(result, dict):
        return unknown(f"probe returned {type(result).__name__}, not a dict")
    try:
        json.dumps(result)
    except (TypeError, ValueError) as exc:
        return unknown(f"probe result is not JSON-serialisable: {exc}")
    return result


def unknown(reason: str) -> dict[str, Any]:
    one_line = " ".join(reason.split()) or "no reason given"
    if len(one_line) > _MAX_REASON:
        one_line = one_line[: _MAX_REASON - 1] + "…"
    return {"status": "unknown", "reason": one_line}
