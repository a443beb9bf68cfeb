"""System probe: host identity, uptime and the processes using the most CPU and memory.

The identity (hostname, machine-id, DMI product UUID and serial) lets the
inventory match a report to an asset even after a rename or a reinstall;
DMI fields readable only by root are simply absent otherwise, and vendor
placeholders ("To Be Filled By O.E.M.") are dropped so they never match two
machines to one asset. Process command lines are deliberately not recorded:
they often carry passwords and tokens, and reports are stored and shipped.
"""

from __future__ import annotations

import platform
import socket
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from itsm.diagnostics.config import DiagnosticsSettings
from itsm.diagnostics.probes._deadline import call_with_deadline
from itsm.diagnostics.probes.window import SampleWindow, WindowReadError

CPUINFO = Path("/proc/cpuinfo")
CONTAINER_MARKERS = (Path("/.dockerenv"), Path("/run/.containerenv"))
_HYPERVISOR_VENDORS = (
    "qemu", "kvm", "vmware", "virtualbox", "innotek", "xen", "bochs", "parallels",
    "amazon ec2", "google compute engine", "openstack", "microsoft corporation virtual machine",
)  # fmt: skip
MACHINE_ID_FILES = (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id"))
DMI_DIR = Path("/sys/class/dmi/id")
DMI_FIELDS = ("product_uuid", "product_serial", "sys_vendor", "product_name")
FQDN_TIMEOUT_SECONDS = 2.0
_PLACEHOLDERS = frozenset(
    {
        "",
        "0",
        "00000000",
        "123456789",
        "default string",
        "none",
        "not applicable",
        "not specified",
        "system serial number",
        "system product name",
        "to be filled by o.e.m.",
        "03000200-0400-0500-0006-000700080009",
    }
)


def collect(settings: DiagnosticsSettings, *, window: SampleWindow | None = None) -> dict[str, Any]:
    hostname = socket.gethostname()
    uname = platform.uname()
    boot = psutil.boot_time()
    dmi = read_dmi()
    cpuinfo = _read_cpuinfo()
    virtualization = detect_virtualization(dmi, cpuinfo)
    result: dict[str, Any] = {
        "status": "ok",
        "hostname": hostname,
        "fqdn": _fqdn(hostname) if settings.resolve_fqdn else None,
        "os": _os_name(uname.system, uname.release),
        "kernel": uname.release,
        "architecture": uname.machine,
        "machine_id": read_machine_id(),
        "dmi": dmi,
        "virtualization": virtualization,
        "virtual": virtualization is not None,
        "boot_time": datetime.fromtimestamp(boot, UTC).isoformat(),
        "uptime_seconds": round(max(0.0, time.time() - boot), 1),
        "cpu_model": read_cpu_model(cpuinfo),
        "logical_cpus": psutil.cpu_count(logical=True),
        "memory_total_bytes": int(psutil.virtual_memory().total),
    }
    result.update(_top_processes(settings, window))
    return result


def _top_processes(settings: DiagnosticsSettings, window: SampleWindow | None) -> dict[str, Any]:
    count = settings.top_processes
    if count == 0:
        return {"process_count": len(psutil.pids()), "top_processes": None}
    win = window or SampleWindow.start(settings.sample_window_seconds, processes=True)
    try:
        usage = win.processes()
    except WindowReadError as exc:  # identity above stays valuable without the list
        return {
            "process_count": len(psutil.pids()),
            "top_processes": None,
            "top_processes_error": str(exc),
        }
    by_cpu = sorted(usage, key=lambda p: (-p.cpu_percent, -p.rss_bytes, p.pid))[:count]
    by_memory = sorted(usage, key=lambda p: (-p.rss_bytes, p.pid))[:count]
    return {
        "process_count": len(usage),
        "top_processes": {
            "by_cpu": [p.as_dict() for p in by_cpu],
            "by_memory": [p.as_dict() for p in by_memory],
        },
    }


def _fqdn(hostname: str) -> str | None:
    # getfqdn does a reverse lookup that a broken resolver can stall for long.
    outcome = call_with_deadline(socket.getfqdn, FQDN_TIMEOUT_SECONDS)
    return outcome.value if outcome.ok else hostname


def _os_name(system: str, release: str) -> str:
    try:
        info = platform.freedesktop_os_release()
    except OSError:
        return f"{system} {release}".strip()
    return info.get("PRETTY_NAME") or info.get("NAME") or system


def _clean(raw: str) -> str | None:
    value = raw.strip()
    return None if value.lower() in _PLACEHOLDERS else value


def read_machine_id(paths: tuple[Path, ...] = MACHINE_ID_FILES) -> str | None:
    """The systemd/D-Bus machine id, stable across renames; ``None`` when absent."""
    for path in paths:
        try:
            value = _clean(path.read_text())
        except OSError:
            continue
        if value:
            return value
    return None


def read_dmi(directory: Path = DMI_DIR) -> dict[str, str | None]:
    """Firmware identity fields; unreadable (non-root) or placeholder ones are ``None``."""
    fields: dict[str, str | None] = {}
    for name in DMI_FIELDS:
        try:
            fields[name] = _clean((directory / name).read_text(errors="replace"))
        except OSError:
            fields[name] = None
    return fields


def _read_cpuinfo() -> str:
    try:
        return CPUINFO.read_text(errors="replace")
    except OSError:
        return ""


def read_cpu_model(cpuinfo: str) -> str | None:
    """The CPU's marketing name ("model name" on x86, "Hardware"/"Processor" on ARM)."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("model name", "Hardware", "Processor", "cpu model") and value.strip():
            return value.strip()
    name = platform.processor()
    return name if name and name != platform.machine() else None


def detect_virtualization(
    dmi: Mapping[str, str | None], cpuinfo: str, *, markers: tuple[Path, ...] = CONTAINER_MARKERS
) -> str | None:
    """``"container"``, ``"vm"`` or ``None`` (bare metal, or cannot tell).

    Containers are recognised by the marker files Docker and Podman create;
    virtual machines by the CPU's ``hypervisor`` flag or a hypervisor vendor
    in the DMI tables. The inventory uses it to tell hosts from guests.
    """
    if any(marker.exists() for marker in markers):
        return "container"
    flags = next((ln for ln in cpuinfo.splitlines() if ln.startswith(("flags", "Features"))), "")
    if "hypervisor" in flags.partition(":")[2].split():
        return "vm"
    firmware = " ".join(v for v in (dmi.get("sys_vendor"), dmi.get("product_name")) if v).lower()
    return "vm" if any(vendor in firmware for vendor in _HYPERVISOR_VENDORS) else None
