"""Temperature probe: hardware sensors with their own high/critical limits.

Virtual machines and containers usually expose no sensor at all; that is a
normal condition, reported as ``status: "unavailable"`` with the reason,
not as a failure (which would make every VM "unknown"). Sensor-reported
limits are kept so that the rules can prefer them to the generic defaults.
"""

from __future__ import annotations

from typing import Any

import psutil

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.probes.window import SampleWindow


def collect(settings: DiagnosticsSettings, *, window: SampleWindow | None = None) -> dict[str, Any]:
    del settings, window
    read = getattr(psutil, "sensors_temperatures", None)
    if read is None:
        return {"status": "unavailable", "reason": "temperature sensors are not supported here"}
    chips: dict[str, list[Any]] = read()
    sensors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for chip, readings in sorted(chips.items()):
        for index, reading in enumerate(readings):
            if reading.current is None:
                continue
            name = _name(chip, reading.label, index, len(readings))
            if name in seen:  # e.g. two NVMe drives, both "nvme/Composite"
                name = f"{name}#{index}"
            seen.add(name)
            sensors.append(
                {
                    "sensor": name,
                    "current_celsius": round(reading.current, 1),
                    "high_celsius": _limit(reading.high),
                    "critical_celsius": _limit(reading.critical),
                }
            )
    if not sensors:
        return {
            "status": "unavailable",
            "reason": "no temperature sensor is exposed (usual in virtual machines and containers)",
        }
    return {"status": "ok", "sensors": sensors}


def _name(chip: str, label: str, index: int, count: int) -> str:
    if label:
        return f"{chip}/{label}"
    return chip if count == 1 else f"{chip}/{index}"


def _limit(value: float | None) -> float | None:
    # Drivers report missing limits as None, 0 or absurd values; keep plausible ones only.
    if value is None or not 0 < value < 200:
        return None
    return round(value, 1)
