"""Check identifiers and the :class:`Finding` a rule produces for one subject.

The check ids are stable strings: they appear in reports, in the
``disabled_checks`` setting and in ticket fingerprints, so renaming one is a
breaking change of the report schema (see ``docs/diagnostics-report.md``).
They live here rather than in ``rules`` so that the settings can validate
``disabled_checks`` without importing the rules.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from itsm.diagnostics.severity import Severity


class Check(StrEnum):
    CPU_UTILISATION = "cpu.utilisation"
    CPU_LOAD = "cpu.load"
    MEMORY_AVAILABLE = "memory.available"
    MEMORY_SWAP = "memory.swap"
    DISK_USAGE = "disk.usage"
    DISK_INODES = "disk.inodes"
    DISK_READONLY = "disk.readonly"
    NETWORK_INTERFACE = "network.interface"
    NETWORK_ERRORS = "network.errors"
    NETWORK_REACH = "network.reach"
    TEMPERATURE = "temperature"
    # A probe that failed as a whole; its subject is the probe name. Not
    # disableable: hiding a broken probe would turn "unknown" into "healthy".
    PROBE = "probe"


#: Check names accepted by ``DiagnosticsSettings.disabled_checks``.
DISABLEABLE_CHECKS: frozenset[Check] = frozenset(Check) - {Check.PROBE}


class Finding(BaseModel):
    """One verdict: ``check`` judged on ``subject`` (a mount, an interface...).

    ``value`` is the measurement, ``threshold`` the limit it was compared
    with: the crossed one for warning/critical, the warning one when healthy,
    and ``None`` when the verdict does not come from comparing ``value`` with
    a number (a read-only mount, a refused connection, a large disk spared by
    its free-space floor). The watch loop's hysteresis relies on that meaning.
    For every numeric check a higher value is worse.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    check: Check
    subject: str
    severity: Severity
    value: float | None = None
    threshold: float | None = None
    unit: str = ""
    message: str

    @property
    def key(self) -> tuple[Check, str]:
        """Identity of the condition across samples: ``(check, subject)``."""
        return (self.check, self.subject)
