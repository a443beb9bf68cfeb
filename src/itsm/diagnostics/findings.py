"""Check identifiers and the :class:`Finding` a rule produces for one subject.

The check ids are stable strings: they appear in reports, in the
``disabled_checks`` setting and in ticket fingerprints, so renaming one is a
breaking change of the report schema (see ``docs/diagnostics-report.md``).
They live here rather than in ``rules`` so that the settings can validate
``disabled_checks`` without importing the rules. The small grading and
formatting helpers at the end build the findings and their English messages.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

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


def no_nul(value: str) -> str:
    """Refuse NUL characters: no database text column can hold them."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


#: For text of a report that ends up in database columns (host names, ticket titles...),
#: after its length limits: ``Annotated[str, Field(max_length=...), NoNul]`` keeps the
#: limits in Pydantic's core (a Python check per limit after a Python validator costs
#: more than the rest of a finding's validation) and gives their usual messages.
NoNul = AfterValidator(no_nul)


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
    subject: Annotated[str, Field(max_length=4096), NoNul]
    severity: Severity
    value: float | None = None
    threshold: float | None = None
    unit: Annotated[str, Field(max_length=32), NoNul] = ""
    message: Annotated[str, Field(max_length=4096), NoNul]

    @property
    def key(self) -> tuple[Check, str]:
        """Identity of the condition across samples: ``(check, subject)``."""
        return (self.check, self.subject)


_TIGHT_UNITS = ("%", "°C")
_BYTE_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB")


def grade(value: float, warning: float, critical: float) -> Severity:
    """Critical at or above ``critical``, warning at or above ``warning``, else healthy."""
    if value >= critical:
        return Severity.CRITICAL
    if value >= warning:
        return Severity.WARNING
    return Severity.HEALTHY


def format_value(value: float, unit: str) -> str:
    if unit in _TIGHT_UNITS:
        return f"{value:.1f}{unit}"
    return f"{value:.2f} {unit}".rstrip()


def format_bytes(count: float) -> str:
    value, unit = float(count), "B"
    for bigger in _BYTE_UNITS:
        if abs(value) < 1024:
            break
        value, unit = value / 1024, bigger
    return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"


def graded(
    check: Check,
    subject: str,
    value: float | None,
    limits: tuple[float, float],
    unit: str,
    label: str,
    detail: str = "",
) -> Finding:
    """A finding comparing ``value`` with ``(warning, critical)``; unknown without a value."""
    suffix = f" ({detail})" if detail else ""
    if value is None:
        return Finding(
            check=check,
            subject=subject,
            severity=Severity.UNKNOWN,
            unit=unit,
            message=f"{label}: no measurement{suffix}",
        )
    warning, critical = limits
    severity = grade(value, warning, critical)
    threshold = critical if severity is Severity.CRITICAL else warning
    shown = format_value(value, unit)
    if severity is Severity.HEALTHY:
        message = f"{label} {shown}, below the warning level {format_value(warning, unit)}"
    else:
        message = (
            f"{label} {shown}, at or above the {severity} level {format_value(threshold, unit)}"
        )
    return Finding(
        check=check,
        subject=subject,
        severity=severity,
        value=value,
        threshold=threshold,
        unit=unit,
        message=message + suffix,
    )
