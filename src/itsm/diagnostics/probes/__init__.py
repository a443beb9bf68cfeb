"""Registry of the probes the runner executes, in execution order.

Each probe module exposes ``collect(settings, *, window=None) -> dict`` and
knows nothing about thresholds or rendering (architecture convention 9).
Order matters for the shared sampling window: probes that read instant
values run first, while the window elapses; the first probe needing a delta
closes it. ``network`` comes before ``cpu`` so that its reachability checks
also run inside the window. A probe is skipped only when every check it
feeds is disabled; ``system`` feeds none and always runs (it identifies the
host in the report).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.findings import Check
from itsm.diagnostics.probes import cpu, disk, memory, network, system, temperature
from itsm.diagnostics.probes.window import SampleWindow


class ProbeFunction(Protocol):
    def __call__(
        self, settings: DiagnosticsSettings, *, window: SampleWindow | None = None
    ) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Probe:
    name: str
    collect: ProbeFunction
    checks: frozenset[Check] = frozenset()

    def enabled(self, settings: DiagnosticsSettings) -> bool:
        return not self.checks or not self.checks <= settings.disabled_checks


PROBES: tuple[Probe, ...] = (
    Probe("memory", memory.collect, frozenset({Check.MEMORY_AVAILABLE, Check.MEMORY_SWAP})),
    Probe(
        "disk",
        disk.collect,
        frozenset({Check.DISK_USAGE, Check.DISK_INODES, Check.DISK_READONLY}),
    ),
    Probe("temperature", temperature.collect, frozenset({Check.TEMPERATURE})),
    Probe(
        "network",
        network.collect,
        frozenset({Check.NETWORK_INTERFACE, Check.NETWORK_ERRORS, Check.NETWORK_REACH}),
    ),
    Probe("cpu", cpu.collect, frozenset({Check.CPU_UTILISATION, Check.CPU_LOAD})),
    Probe("system", system.collect),
)

__all__ = ["PROBES", "Probe", "ProbeFunction"]
