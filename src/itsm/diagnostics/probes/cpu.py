"""CPU probe: utilisation over the sampling window, per core, load and frequency.

Utilisation is computed from ``cpu_times`` deltas across the window, never
from a first ``psutil.cpu_percent()`` call (always 0.0). Load averages are
also given per logical CPU, because "load 8" is idle on 32 cores and
saturated on 2. Frequency is optional: VMs and containers often hide it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psutil

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.probes.window import SampleWindow

# Linux counts guest time inside user/nice already; summing both would double it.
_INCLUDED_ELSEWHERE = ("guest", "guest_nice")
_IDLE = ("idle", "iowait")


def collect(settings: DiagnosticsSettings, *, window: SampleWindow | None = None) -> dict[str, Any]:
    win = window or SampleWindow.start(settings.sample_window_seconds, processes=False)
    start, end = win.cpu()
    logical = psutil.cpu_count(logical=True) or len(end.per_cpu) or 1
    per_cpu = (
        [busy_percent(a, b) for a, b in zip(start.per_cpu, end.per_cpu, strict=True)]
        if len(start.per_cpu) == len(end.per_cpu)
        else []  # a CPU went on/offline during the window: no per-core figure
    )
    load = _load_average()
    slices = win.cpu_slices() if win.slices > 1 else []
    return {
        "status": "ok",
        "window_seconds": round(win.elapsed_seconds, 3),
        "utilisation_percent": busy_percent(start.total, end.total),
        "per_cpu_percent": per_cpu,
        # A one-off run's window in equal slices, for its debounced ticket decisions.
        "slices_percent": [busy_percent(a.total, b.total) for a, b in slices] or None,
        "iowait_percent": time_share(start.total, end.total, "iowait"),
        "steal_percent": time_share(start.total, end.total, "steal"),
        "logical_cpus": logical,
        "physical_cpus": psutil.cpu_count(logical=False),
        "load_average": load,
        "load_per_cpu": (
            {k: round(v / logical, 3) for k, v in load.items()} if load is not None else None
        ),
        "frequency_mhz": _frequency(),
    }


def _deltas(start: Mapping[str, float], end: Mapping[str, float]) -> dict[str, float]:
    # Counters only grow; a negative delta means a counter reset, counted as 0.
    return {k: max(0.0, end[k] - start.get(k, end[k])) for k in end}


def _total(deltas: Mapping[str, float]) -> float:
    return sum(deltas.values()) - sum(deltas.get(k, 0.0) for k in _INCLUDED_ELSEWHERE)


def busy_percent(start: Mapping[str, float], end: Mapping[str, float]) -> float | None:
    """Percent of CPU time not idle (idle + iowait) between two ``cpu_times`` readings.

    ``None`` when no CPU time elapsed (window shorter than the kernel's tick).
    """
    deltas = _deltas(start, end)
    total = _total(deltas)
    if total <= 0:
        return None
    idle = sum(deltas.get(k, 0.0) for k in _IDLE)
    return round(min(100.0, max(0.0, 100.0 * (total - idle) / total)), 2)


def time_share(start: Mapping[str, float], end: Mapping[str, float], field: str) -> float | None:
    """Percent of CPU time spent in ``field`` (e.g. ``iowait``, ``steal``), if reported."""
    if field not in end:
        return None
    deltas = _deltas(start, end)
    total = _total(deltas)
    return round(100.0 * deltas[field] / total, 2) if total > 0 else None


def _load_average() -> dict[str, float] | None:
    try:
        one, five, fifteen = psutil.getloadavg()
    except (AttributeError, OSError):
        return None
    return {"1m": round(one, 3), "5m": round(five, 3), "15m": round(fifteen, 3)}


def _frequency() -> dict[str, float | None] | None:
    try:
        freq = psutil.cpu_freq()
    except (AttributeError, NotImplementedError, OSError):
        return None
    if freq is None:
        return None
    # psutil reports 0.0 for bounds the platform does not expose.
    return {
        "current": round(freq.current, 1) if freq.current else None,
        "min": round(freq.min, 1) if freq.min else None,
        "max": round(freq.max, 1) if freq.max else None,
    }
