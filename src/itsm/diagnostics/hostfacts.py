"""What a report says about its machine, shaped for the inventory (pure, no I/O)."""

from __future__ import annotations

from typing import Any

from itsm.diagnostics.report import HostIdentity, Report
from itsm.inventory.schemas import HostFacts


def machine_identity(report: Report) -> str:
    """Stable key of a machine: machine-id, else DMI product UUID, else hostname."""
    return identity_of(report.host)


def identity_of(host: HostIdentity) -> str:
    """:func:`machine_identity` of a report's ``host`` section."""
    if host.machine_id:
        return f"machine-id:{host.machine_id}"
    if host.product_uuid:
        return f"dmi:{host.product_uuid.lower()}"
    return f"hostname:{host.hostname.lower()}"


MAX_IDENTITY = 128  # hardware_inventory.machine_id, api_tokens.host_identity


def stored_identity(report: Report) -> str:
    """:func:`machine_identity` as the inventory stores it (and host-bound tokens name it)."""
    return machine_identity(report)[:MAX_IDENTITY]


def host_facts(report: Report) -> HostFacts:
    host = report.host
    system = report.probes.get("system", {})
    cpu = report.probes.get("cpu", {})
    disks = report.probes.get("disk", {}).get("filesystems")
    disks = disks if isinstance(disks, list) else []  # a report from elsewhere may say anything
    interfaces = report.probes.get("network", {}).get("interfaces")
    interfaces = interfaces if isinstance(interfaces, dict) else {}
    os_name = " ".join(x for x in (host.os, host.kernel, host.architecture) if x) or None
    return HostFacts(
        identity=stored_identity(report),
        hostname=host.hostname[:255],
        manufacturer=_short(host.vendor, 100),
        model=_short(host.model, 100),
        serial_number=_short(host.serial, 100),
        cpu=_short(system.get("cpu_model"), 200),
        cpu_cores=_int(cpu.get("logical_cpus") or system.get("logical_cpus"), 1_000_000),
        ram_bytes=_int(system.get("memory_total_bytes"), 2**62),
        disks=[
            {k: d.get(k) for k in ("mountpoint", "device", "fstype", "total_bytes")}
            for d in disks
            if isinstance(d, dict)
        ],
        os=_short(os_name, 200),
        network=[
            {
                "name": name,
                "mac": i.get("mac"),
                "ipv4": i.get("ipv4", []),
                "ipv6": i.get("ipv6", []),
            }
            for name, i in sorted(interfaces.items())
            if isinstance(i, dict) and not i.get("loopback")
        ],
        virtual=bool(system.get("virtual", False)),
    )


def _short(value: Any, limit: int) -> str | None:
    # Probe data is free-form: no NUL reaches a text column (PostgreSQL refuses them).
    if not value:
        return None
    return str(value).replace("\x00", "")[:limit] or None


def _int(value: Any, limit: int) -> int | None:
    """A positive count that fits its column, or ``None`` (absurd values are not facts)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if 0 < value <= limit else None
